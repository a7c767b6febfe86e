"""Named sets of ids kept in small documents read and written by ``_id``: how a service finds "every patent of this
institution" or "every patent in the pool" without a filter, which FerretDB answers by decoding the whole
collection (over a minute at 1 000 000 documents).

A set is split over ``buckets`` documents (``_id`` ``<name>/<bucket>``, the ids in ``members``) by a crc32 of the id,
the same on every process. Adding is ``$addToSet`` and removing ``$pullAll``, so a repeated change changes nothing;
one change is one bulk write. ``built`` marks sets first filled from a scan of a store an earlier version wrote.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.decisions import Document

BUCKETS = 16
_BUILT = "built"  # a set's documents always hold a slash: no clash
PAGE = 200  # documents read by id at once (one gather on the connection pool)


class IdSets:
    """The sets of one collection, changed one bulk write at a time."""

    def __init__(self, collection: AsyncCollection[Document], buckets: int = BUCKETS) -> None:
        self.collection = collection
        self.buckets = buckets
        # FerretDB 1.x applies an update by reading the document and writing it back: two updates of one document at
        # once (a batch applied event by event, 32 at a time; a replay) could lose one. One change at a time.
        self._lock = asyncio.Lock()

    def bucket(self, name: str, member: str) -> str:
        """The document of set ``name`` that holds ``member``."""
        return f"{name}/{zlib.crc32(member.encode()) % self.buckets:02d}"

    async def change(self, added: Mapping[str, Iterable[str]] = {}, removed: Mapping[str, Iterable[str]] = {}) -> None:
        """Add and remove members of sets by name, in one round trip; a member both added and removed stays in."""
        adds: dict[str, set[str]] = defaultdict(set)
        pulls: dict[str, set[str]] = defaultdict(set)
        for name, members in added.items():
            for member in members:
                adds[self.bucket(name, member)].add(member)
        for name, members in removed.items():
            for member in members:
                key = self.bucket(name, member)
                if member not in adds.get(key, ()):
                    pulls[key].add(member)
        writes = [
            UpdateOne({"_id": key}, {"$addToSet": {"members": {"$each": sorted(ids)}}}, upsert=True)
            for key, ids in adds.items()
        ] + [UpdateOne({"_id": key}, {"$pullAll": {"members": sorted(ids)}}) for key, ids in pulls.items() if ids]
        if writes:
            async with self._lock:
                await self.collection.bulk_write(writes, ordered=False)

    async def members(self, name: str) -> list[str]:
        """The members of set ``name``, sorted."""
        docs = await asyncio.gather(
            *(self.collection.find_one({"_id": f"{name}/{b:02d}"}) for b in range(self.buckets))
        )
        return sorted({m for doc in docs if doc is not None for m in doc.get("members", ())})

    async def built(self) -> bool:
        """Whether the sets were filled from a scan already (or started empty with the store)."""
        return await self.collection.find_one({"_id": _BUILT}) is not None

    async def mark_built(self, members: int) -> None:
        """Mark the sets filled; ``members`` says how many the scan found."""
        await self.collection.update_one({"_id": _BUILT}, {"$set": {"members": members}}, upsert=True)


async def by_ids(
    collection: AsyncCollection[Document], ids: Sequence[str], fields: Document | None = None, page: int = PAGE
) -> AsyncIterator[list[Document]]:
    """The documents of ``ids`` (those that exist), a page at a time, each read by ``_id``."""
    for start in range(0, len(ids), page):
        found = await asyncio.gather(*(collection.find_one({"_id": i}, fields) for i in ids[start : start + page]))
        yield [doc for doc in found if doc is not None]
