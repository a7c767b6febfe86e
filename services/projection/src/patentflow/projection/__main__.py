"""Runs the projection service: ``python -m patentflow.projection``; ``… rebuild`` rebuilds its query engine."""

import sys

from patentflow.kit.serve import serve
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings

if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        from patentflow.projection.rebuild_cli import main

        raise SystemExit(main(sys.argv[2:]))
    serve(create_app, Settings())
