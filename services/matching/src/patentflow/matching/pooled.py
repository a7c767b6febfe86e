"""Which patents are in the engine's pool, by id: a start rebuilds the engine from lookups by id, not a scan.

The replica holds every inventory patent (1 000 000 at national scale), of which the pool is a few per cent; a
filter on ``in_pool`` decodes every replica document on the embedded store (over a minute at 1 000 000), and that
held the service's start. So the consumer that keeps the engine in step (``reactions.py``) also keeps ``BUCKETS``
small documents of the pool's application numbers, after the replica and before the engine; the start reads them
and then each member's replica document by id. The replica stays the truth: a number listed here whose document no
longer ``pool.belongs`` is left out. A store an earlier version wrote has no index yet: the first start builds it
from one scan and marks it built.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import defaultdict
from collections.abc import Iterable

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.decisions import Document
from patentflow.matching import pool

log = structlog.get_logger(__name__)

COLLECTION = "pool_index"
BUCKETS = 16  # 16 documents of about 1 000 numbers each for a national pool of 16 000
_BUILT = "built"  # marks an index complete since its store's first start with it
_PAGE = 200  # replica documents read by id at once


def bucket_of(number: str) -> str:
    """The index document that lists ``number`` (crc32: the same on every process)."""
    return f"pool/{zlib.crc32(number.encode()) % BUCKETS:02d}"


class PoolIndex:
    """The pool's numbers by id, over the replica that stays their truth."""

    def __init__(self, collection: AsyncCollection[Document], replica: AsyncCollection[Document]) -> None:
        self.collection = collection
        self.replica = replica
        # FerretDB 1.x applies an update by reading the document and writing it back: two updates of one bucket at
        # once (a batch applied patent by patent, 32 at a time; a replay) could lose one. One at a time here.
        self._lock = asyncio.Lock()

    async def update(self, entered: Iterable[str], left: Iterable[str]) -> None:
        """Add the numbers that entered the pool and remove those that left it, one round trip (idempotent; a number
        named in both stays in)."""
        adds: dict[str, list[str]] = defaultdict(list)
        pulls: dict[str, list[str]] = defaultdict(list)
        entered = set(entered)
        for number in entered:
            adds[bucket_of(number)].append(number)
        for number in set(left) - entered:
            pulls[bucket_of(number)].append(number)
        writes = [
            UpdateOne({"_id": key}, {"$addToSet": {"numbers": {"$each": sorted(numbers)}}}, upsert=True)
            for key, numbers in adds.items()
        ] + [UpdateOne({"_id": key}, {"$pullAll": {"numbers": sorted(numbers)}}) for key, numbers in pulls.items()]
        if writes:
            async with self._lock:
                await self.collection.bulk_write(writes, ordered=False)

    async def members(self) -> list[Document]:
        """The replica documents of the pool's patents (built from one scan the first time); numbers whose document
        no longer belongs (a crash between the replica and the index) leave the index here, before any consumer runs."""
        if await self.collection.find_one({"_id": _BUILT}) is None:
            return await self._build()
        found = await asyncio.gather(*(self.collection.find_one({"_id": f"pool/{b:02d}"}) for b in range(BUCKETS)))
        numbers = sorted({n for doc in found if doc is not None for n in doc.get("numbers", ())})
        docs: list[Document] = []
        for start in range(0, len(numbers), _PAGE):
            page = await asyncio.gather(*(self.replica.find_one({"_id": n}) for n in numbers[start : start + _PAGE]))
            docs += [doc for doc in page if doc is not None and pool.belongs(doc)]
        await self.update((), set(numbers) - {doc["_id"] for doc in docs})
        return docs

    async def _build(self) -> list[Document]:
        docs = [doc async for doc in self.replica.find({"in_pool": True}) if pool.belongs(doc)]
        await self.update([doc["_id"] for doc in docs], ())
        await self.collection.update_one({"_id": _BUILT}, {"$set": {"patents": len(docs)}}, upsert=True)
        log.info("pool index built from the replica", patents=len(docs))
        return docs
