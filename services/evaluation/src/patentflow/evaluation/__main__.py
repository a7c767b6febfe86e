"""Runs the evaluation service: ``python -m patentflow.evaluation``."""

from patentflow.evaluation.app import create_app
from patentflow.evaluation.config import Settings
from patentflow.kit.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
