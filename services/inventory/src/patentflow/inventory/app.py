"""The inventory service's application factory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import structlog
from fastapi import FastAPI

from patentflow.inventory import api, imports_api, operations_api, registry_api
from patentflow.inventory.config import Settings
from patentflow.inventory.imports import Importer
from patentflow.inventory.sweep import run_daily
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.bulk import BulkCreator
from patentflow.kit.outbox import ProducerPublisher
from patentflow.kit.runtime import Runtime, create_service_app

log = structlog.get_logger(__name__)
PATENTS = "patents"
INSTITUTIONS = "institutions"
RECOVERY_SECONDS = 30.0  # how often unpublished import chunks are looked for (a scan of the small chunk collection)


def create_app(settings: Settings | None = None, *, clock: Callable[[], date] | None = None) -> FastAPI:
    """Build the app; nothing connects until its lifespan starts. ``clock`` replaces the calendar in tests."""
    settings = settings or Settings()
    fixed = settings.today
    today = clock or ((lambda: fixed) if fixed is not None else date.today)

    async def on_startup(runtime: Runtime) -> None:
        for name in (PATENTS, INSTITUTIONS):
            store = AggregateStore(runtime.db[name], source=runtime.source, on_write=runtime.wake_relay,
                                   writes=runtime.writes)  # fmt: skip
            await store.ensure_indexes()
            runtime.services[name] = store
        runtime.services["clock"] = today
        patents, registry = runtime.services[PATENTS], runtime.services[INSTITUTIONS]
        assert isinstance(patents, AggregateStore)
        assert isinstance(registry, AggregateStore)
        bulk = BulkCreator(patents, runtime.db["patent_chunks"], ProducerPublisher(runtime.producer))
        importer = Importer(patents=patents, registry=registry, bulk=bulk, jobs=runtime.db["imports"],
                            errors=runtime.db["import_errors"], clock=today)  # fmt: skip
        await importer.ensure_indexes()
        await importer.interrupted()
        runtime.services.update(importer=importer, bulk=bulk, import_dir=settings.import_dir, import_tasks=set())

    async def recover(runtime: Runtime) -> None:
        # Events of chunks an interrupted import (a crash, a broker outage) wrote but did not publish.
        bulk = runtime.services["bulk"]
        assert isinstance(bulk, BulkCreator)
        while True:
            try:
                await bulk.recover()
            except Exception:
                log.exception("recovering unpublished import chunks failed; retrying")
            await asyncio.sleep(RECOVERY_SECONDS)

    async def daily(runtime: Runtime) -> None:
        store = runtime.services[PATENTS]
        assert isinstance(store, AggregateStore)
        await run_daily(store, today, settings.sweep_interval_seconds)

    return create_service_app(
        settings,
        title="patentflow inventory",
        description="Stock patents of institutions (盘点): master records, inventory, review, conversion pool.",
        routers=[api.router, registry_api.router, imports_api.router, operations_api.router],
        outbox_collections=[PATENTS, INSTITUTIONS],
        on_startup=on_startup,
        background=[recover, daily],
    )
