"""Runs the transactions service: ``python -m patentflow.transactions``."""

from patentflow.kit.serve import serve
from patentflow.transactions.app import create_app
from patentflow.transactions.config import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
