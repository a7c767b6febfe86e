"""The inventory's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from patentflow.inventory.config import Settings
from patentflow.inventory.consumers import COLLECTION as OWNED_COLLECTION
from patentflow.inventory.due import COLLECTION as DUE_COLLECTION
from patentflow.inventory.due import DueCalendar
from patentflow.inventory.imports import Importer
from patentflow.inventory.indexes import PatentIndexes
from patentflow.inventory.owned import OwnedIndex
from patentflow.inventory.sweep import sweep
from patentflow.inventory.tabular import Limits
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.bulk import BulkCreator
from patentflow.kit.clock import Clock
from patentflow.kit.periodic import PeriodicJob
from patentflow.kit.runtime import Runtime, Service, dependency

RECOVERY_SECONDS = 30.0  # how often unpublished import chunks are looked for (their small markers: kit.bulk)


@dataclass(frozen=True, kw_only=True)
class InventoryDeps:
    """Everything the inventory's use cases need."""

    patents: AggregateStore
    registry: AggregateStore
    bulk: BulkCreator
    importer: Importer
    owned: OwnedIndex  # each institution's patents by id, for the export
    due: DueCalendar  # the days the daily pass looks at each patent
    clock: Clock
    import_dir: Path
    import_tasks: set[asyncio.Task[None]] = field(default_factory=set)  # running imports, kept from collection

    async def start(self) -> None:
        """Indexes, imports a stopped process left unfinished marked so that uploading again resumes them, and the
        export's index and the pass's calendar built, the first time, from the patents."""
        await self.importer.ensure_indexes()
        await self.importer.interrupted()
        await self.owned.build()
        await self.due.build(self.patents.collection)


def build(runtime: Runtime) -> Service[InventoryDeps]:
    """The inventory's dependencies from the runtime (no I/O), and what the kit runs for them."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    patents, registry = runtime.aggregate_store("patents"), runtime.aggregate_store("institutions")
    bulk = BulkCreator(
        patents,
        runtime.collection("patent_chunks"),
        runtime.bulk_publisher(),
        pending=runtime.collection("patent_chunks_pending"),
    )
    importer = Importer(
        patents=patents,
        registry=registry,
        bulk=bulk,
        jobs=runtime.collection("imports"),
        errors=runtime.collection("import_errors"),
        clock=runtime.clock.today,
        limits=Limits(
            max_rows=settings.import_max_rows,
            max_columns=settings.import_max_columns,
            max_cell_chars=settings.import_max_cell_chars,
            max_unpacked_bytes=settings.import_max_unpacked_bytes,
        ),
        max_errors=settings.import_max_errors,
    )
    deps = InventoryDeps(
        patents=patents,
        registry=registry,
        bulk=bulk,
        importer=importer,
        owned=OwnedIndex(runtime.collection(OWNED_COLLECTION), patents.collection),
        due=DueCalendar(runtime.collection(DUE_COLLECTION), runtime.clock, settings.sweep_lookback_days),
        clock=runtime.clock,
        import_dir=settings.import_dir,
    )
    indexes = PatentIndexes(deps.owned, deps.due)
    jobs = [
        # Events of chunks an interrupted import (a crash, a broker outage) wrote but did not publish.
        PeriodicJob("recover-import-chunks", RECOVERY_SECONDS, bulk.recover),
        PeriodicJob(
            "daily-sweep", settings.sweep_interval_seconds, lambda: sweep(patents, deps.due, runtime.clock.today())
        ),
    ]
    return Service(deps, consumers=[indexes.consumer()], outbox=[patents, registry], jobs=jobs, start=deps.start)


Deps = Annotated[InventoryDeps, Depends(dependency(InventoryDeps))]
