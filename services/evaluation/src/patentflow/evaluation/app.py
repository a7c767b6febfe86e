"""The evaluation service's application factory.

So far it keeps its replica of the inventory's patent facts (for its guards); its own commands and events
arrive with its issue.
"""

from __future__ import annotations

from fastapi import FastAPI

from patentflow.evaluation.config import Settings
from patentflow.kit.replica import patent_replica_consumer
from patentflow.kit.runtime import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    return create_service_app(
        settings or Settings(),
        title="patentflow evaluation",
        description="Enterprise and expert evaluation, grading, value and high-value flags (市场评价、分级分类、价值评估).",
        consumers=lambda runtime: [patent_replica_consumer(runtime)],
    )
