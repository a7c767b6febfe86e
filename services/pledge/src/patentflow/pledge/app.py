"""The pledge service's application factory.

So far it keeps its replica of the inventory's patent facts (for its guards); its own commands and events
arrive with its issue.
"""

from __future__ import annotations

from fastapi import FastAPI

from patentflow.kit.replica import patent_replica_consumer
from patentflow.kit.runtime import create_service_app
from patentflow.pledge.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    return create_service_app(
        settings or Settings(),
        title="patentflow pledge",
        description="Pledge registration, loans and risk compensation (质押登记、质押融资、风险补偿).",
        consumers=lambda runtime: [patent_replica_consumer(runtime)],
    )
