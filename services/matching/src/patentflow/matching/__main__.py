"""Runs the matching service: ``python -m patentflow.matching``."""

from patentflow.kit.serve import serve
from patentflow.matching.app import create_app
from patentflow.matching.config import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
