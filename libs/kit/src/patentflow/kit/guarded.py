"""Conditional single-document writes that stay fast on every MongoDB-compatible store.

``update_if(collection, id, guard, update)`` changes a document only while ``guard`` holds (optimistic concurrency,
sequence checks). On MongoDB that is one indexed ``update_one({_id, **guard})``. FerretDB 1.x uses an index only
for a filter that is exactly ``{_id: value}`` and scans the collection for anything else, so there the guard is
checked on the document read by ``_id`` while this process holds a lock on it, then written by ``_id``: two indexed
round trips instead of a scan. That is exact as long as one process writes a given document at a time, which holds
where FerretDB is used (one process per service locally and in tests); a scaled-out deployment runs on MongoDB.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from patentflow.kit.mongo import Document

Guard = Mapping[str, Any]


async def uses_compound_indexes(client: AsyncMongoClient[Document]) -> bool:
    """False on FerretDB 1.x, whose ``buildInfo`` names it."""
    info = await client.admin.command("buildInfo")
    return "ferretdbVersion" not in info


def _value(doc: Document, path: str) -> tuple[bool, Any]:
    current: Any = doc
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False, None
        current = current[part]
    return True, current


def holds(doc: Document | None, guard: Guard) -> bool:
    """Whether a document satisfies a guard: equality (``None`` also matching a missing field, as in MongoDB),
    ``{"$exists": bool}``, ``{"$lt": n}`` or ``{"$in": [...]}`` per field."""
    if doc is None:
        return all(isinstance(e, Mapping) and e.get("$exists") is False for e in guard.values())
    for path, expected in guard.items():
        present, value = _value(doc, path)
        if isinstance(expected, Mapping) and "$exists" in expected:
            if present is not bool(expected["$exists"]):
                return False
        elif isinstance(expected, Mapping) and "$lt" in expected:
            if not present or not value < expected["$lt"]:
                return False
        elif isinstance(expected, Mapping) and "$in" in expected:
            if (value if present else None) not in expected["$in"]:
                return False
        elif expected is None:
            if present and value is not None:
                return False
        elif not present or value != expected:
            return False
    return True


@dataclass(frozen=True, slots=True)
class GuardedUpdate:
    """One conditional update, for batches."""

    id: str
    guard: Guard
    update: Document


class GuardedWrites:
    """Conditional writes for one process; ``compound`` is decided once the store has been asked."""

    def __init__(self, *, compound: bool = True) -> None:
        self.compound = compound
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    async def configure(self, client: AsyncMongoClient[Document]) -> None:
        """Ask the store which way is fast."""
        self.compound = await uses_compound_indexes(client)

    def lock(self, collection: AsyncCollection[Document], doc_id: str) -> asyncio.Lock:
        """This process's lock on one document (unused locks are dropped)."""
        key = (collection.full_name, doc_id)
        found = self._locks.get(key)
        if found is None:
            found = self._locks[key] = asyncio.Lock()
        return found

    async def update_if(
        self,
        collection: AsyncCollection[Document],
        doc_id: str,
        guard: Guard,
        update: Document,
        *,
        upsert: bool = False,
    ) -> bool:
        """Apply ``update`` if ``guard`` holds (with ``upsert``, also when the document is missing and the guard
        allows that). True if it was applied; raises nothing for a failed guard."""
        if self.compound:
            try:
                result = await collection.update_one({"_id": doc_id, **guard}, update, upsert=upsert)
            except DuplicateKeyError:
                return False  # upsert met an existing document that fails the guard
            return bool(result.matched_count or result.upserted_id is not None)
        async with self.lock(collection, doc_id):
            doc = await collection.find_one({"_id": doc_id})
            if (doc is None and not upsert) or not holds(doc, guard):
                return False
            result = await collection.update_one({"_id": doc_id}, update, upsert=upsert)
            return bool(result.matched_count or result.upserted_id is not None)

    async def delete_if(self, collection: AsyncCollection[Document], doc_id: str, guard: Guard) -> bool:
        """Delete a document if ``guard`` holds, the same way as ``update_if``; True if it was deleted."""
        if self.compound:
            return bool((await collection.delete_one({"_id": doc_id, **guard})).deleted_count)
        async with self.lock(collection, doc_id):
            doc = await collection.find_one({"_id": doc_id})
            if doc is None or not holds(doc, guard):
                return False
            return bool((await collection.delete_one({"_id": doc_id})).deleted_count)

    async def update_many_if(self, collection: AsyncCollection[Document], items: Sequence[GuardedUpdate]) -> None:
        """Several conditional updates; on MongoDB one ordered bulk write."""
        if not items:
            return
        if self.compound:
            await collection.bulk_write([UpdateOne({"_id": i.id, **i.guard}, i.update) for i in items], ordered=True)
            return
        for item in items:
            await self.update_if(collection, item.id, item.guard, item.update)
