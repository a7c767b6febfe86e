"""Runs the pledge service: ``python -m patentflow.pledge``."""

from patentflow.kit.serve import serve
from patentflow.pledge.app import create_app
from patentflow.pledge.config import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
