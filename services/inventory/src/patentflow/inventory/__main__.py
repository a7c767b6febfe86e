"""Runs the inventory service: ``python -m patentflow.inventory``."""

from patentflow.inventory.app import create_app
from patentflow.inventory.config import Settings
from patentflow.kit.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
