"""Which patents are in the engine's pool, by id: a start rebuilds the engine from lookups by id, not a scan.

The replica holds every inventory patent (1 000 000 at national scale), of which the pool is a few per cent; a
filter on ``in_pool`` decodes every replica document on the embedded store (over a minute at 1 000 000), and that
held the service's start. So the consumer that keeps the engine in step (``reactions.py``) also keeps the pool as
an id set (``kit.idsets``), after the replica and before the engine; the start reads it and then each member's
replica document by id. The replica stays the truth: a number listed here whose document no longer
``pool.belongs`` is left out, and taken out of the set. A store an earlier version wrote has no set yet: the first
start fills it from one scan and marks it built.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.decisions import Document
from patentflow.kit.idsets import IdSets, by_ids
from patentflow.matching import pool

log = structlog.get_logger(__name__)

COLLECTION = "pool_index"
_POOL = "pool"


class PoolIndex:
    """The pool's numbers by id, over the replica that stays their truth."""

    def __init__(self, collection: AsyncCollection[Document], replica: AsyncCollection[Document]) -> None:
        self.sets = IdSets(collection)
        self.replica = replica

    async def update(self, entered: Iterable[str], left: Iterable[str]) -> None:
        """Add the numbers that entered the pool and remove those that left it, one round trip (idempotent; a number
        named in both stays in)."""
        await self.sets.change({_POOL: entered}, {_POOL: left})

    async def members(self) -> list[Document]:
        """The replica documents of the pool's patents (filled from one scan the first time); numbers whose document
        no longer belongs (a crash between the replica and the index) leave the set here, before any consumer runs."""
        if not await self.sets.built():
            return await self._build()
        numbers = await self.sets.members(_POOL)
        docs = [doc async for page in by_ids(self.replica, numbers) for doc in page if pool.belongs(doc)]
        await self.update((), set(numbers) - {doc["_id"] for doc in docs})
        return docs

    async def _build(self) -> list[Document]:
        docs = [doc async for doc in self.replica.find({"in_pool": True}) if pool.belongs(doc)]
        await self.update([doc["_id"] for doc in docs], ())
        await self.sets.mark_built(len(docs))
        log.info("pool index built from the replica", patents=len(docs))
        return docs
