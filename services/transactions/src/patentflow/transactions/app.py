"""The transactions service's application factory.

So far it keeps its replica of the inventory's patent facts (for its guards); its own commands and events
arrive with its issue.
"""

from __future__ import annotations

from fastapi import FastAPI

from patentflow.kit.replica import patent_replica_consumer
from patentflow.kit.runtime import create_service_app
from patentflow.transactions.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    return create_service_app(
        settings or Settings(),
        title="patentflow transactions",
        description="Transfer registration, licence filing, open licences, equity, fee schemes, product filing (转让登记、许可备案、开放许可).",
        consumers=lambda runtime: [patent_replica_consumer(runtime)],
    )
