"""The matching service's application factory.

So far it keeps its replica of the inventory's patent facts (for its guards); its own commands and events
arrive with its issue.
"""

from __future__ import annotations

from fastapi import FastAPI

from patentflow.kit.replica import patent_replica_consumer
from patentflow.kit.runtime import create_service_app
from patentflow.matching.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    return create_service_app(
        settings or Settings(),
        title="patentflow matching",
        description="Enterprise demands matched with pool patents, pushed by province and industry (匹配推送、供需对接).",
        consumers=lambda runtime: [patent_replica_consumer(runtime)],
    )
