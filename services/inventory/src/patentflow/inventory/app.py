"""The inventory service's application factory."""

from __future__ import annotations

from fastapi import FastAPI

from patentflow.inventory import api
from patentflow.inventory.config import Settings
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.runtime import Runtime, create_service_app

PATENTS = "patents"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts."""
    settings = settings or Settings()

    async def on_startup(runtime: Runtime) -> None:
        store = AggregateStore(
            runtime.db[PATENTS], source=runtime.source, on_write=runtime.wake_relay, writes=runtime.writes
        )
        await store.ensure_indexes()
        runtime.services[PATENTS] = store

    return create_service_app(
        settings,
        title="patentflow inventory",
        description="Stock patents of institutions (盘点): master records, inventory, review, conversion pool.",
        routers=[api.router],
        outbox_collections=[PATENTS],
        on_startup=on_startup,
    )
