"""Runs the projection service: ``python -m patentflow.projection``."""

from patentflow.kit.serve import serve
from patentflow.projection.app import create_app
from patentflow.projection.config import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
