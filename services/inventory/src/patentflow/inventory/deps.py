"""The inventory's composition root: its typed dependencies, built once from the runtime, reached by routes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from patentflow.inventory.config import Settings
from patentflow.inventory.consumers import COLLECTION as OWNED_COLLECTION
from patentflow.inventory.imports import Importer
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
    clock: Clock
    import_dir: Path
    import_tasks: set[asyncio.Task[None]] = field(default_factory=set)  # running imports, kept from collection

    async def start(self) -> None:
        """Indexes, imports a stopped process left unfinished marked so that uploading again resumes them, and the
        export's index built, the first time, from the patents."""
        await self.importer.ensure_indexes()
        await self.importer.interrupted()
        await self.owned.build()


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
        clock=runtime.clock,
        import_dir=settings.import_dir,
    )
    jobs = [
        # Events of chunks an interrupted import (a crash, a broker outage) wrote but did not publish.
        PeriodicJob("recover-import-chunks", RECOVERY_SECONDS, bulk.recover),
        PeriodicJob("daily-sweep", settings.sweep_interval_seconds, lambda: sweep(patents, runtime.clock.today())),
    ]
    return Service(deps, consumers=[deps.owned.consumer()], outbox=[patents, registry], jobs=jobs, start=deps.start)


Deps = Annotated[InventoryDeps, Depends(dependency(InventoryDeps))]
