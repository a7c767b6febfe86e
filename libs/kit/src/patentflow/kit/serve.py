"""Runs a service's app with uvicorn on the configured host and port."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from patentflow.kit import collector
from patentflow.kit.settings import ServiceSettings


def serve(create_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn runs the lifespan, which drains consumers and the relay."""
    app = create_app()
    collector.tune()
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False, lifespan="on")
