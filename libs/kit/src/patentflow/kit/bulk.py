"""Bulk creation of many new aggregates with their events: one ``insert_many`` per chunk, published by the writer.

Each aggregate document still holds its own events (atomic with its state). What changes is who publishes them:
instead of marking every document (one indexed write each), a chunk document lists the chunk's aggregates and
is marked once when their events are on Kafka. A crash before that mark leaves the chunk unpublished; ``recover``
publishes such chunks again from the documents (consumers drop the repeats by sequence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from patentflow.kit.aggregates import AggregateStore, CommandContext, Decision
from patentflow.kit.mongo import Document
from patentflow.kit.outbox import Publisher, to_record

log = structlog.get_logger(__name__)
DUPLICATE_KEY = 11000


class PublishFailed(RuntimeError):
    """Some events of a chunk did not reach Kafka; the chunk stays unpublished and is recovered later."""


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk did: aggregates created, and ids that already existed (nothing written for them)."""

    created: list[str]
    existing: list[str]
    events: int


class BulkCreator:
    """Creates new aggregates of one store in chunks and publishes their events."""

    def __init__(self, store: AggregateStore, chunks: AsyncCollection[Document], publisher: Publisher) -> None:
        self._store = store
        self._chunks = chunks
        self._publisher = publisher

    async def create(self, chunk_id: str, items: Sequence[tuple[str, Decision]], ctx: CommandContext) -> ChunkResult:
        """Insert the aggregates that do not exist yet, publish their events, mark the chunk published."""
        done = await self._chunks.find_one({"_id": chunk_id})
        if done is not None and done.get("published"):
            return ChunkResult([], [i for i, _ in items], 0)  # a resumed import: this chunk is complete
        docs = [self._store.new_document(i, d, ctx, published=True) for i, d in items]
        await self._chunks.update_one({"_id": chunk_id}, {"$set": {"ids": [d["_id"] for d in docs],
                                      "published": False, "at": datetime.now(UTC)}}, upsert=True)  # fmt: skip
        existing: set[str] = set()
        if docs:
            try:
                await self._store.collection.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                other = [e for e in exc.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
                if other:
                    raise
                existing = {docs[e["index"]]["_id"] for e in exc.details["writeErrors"]}
        created = [d for d in docs if d["_id"] not in existing]
        events = await self._publish(created)
        await self._chunks.update_one({"_id": chunk_id}, {"$set": {"published": True, "created": len(created)}})
        self._store.on_write()
        return ChunkResult([d["_id"] for d in created], sorted(existing), events)

    async def _publish(self, docs: Sequence[Document]) -> int:
        records = [to_record(self._store.source, e) for d in docs for e in d["outbox"]]
        errors = [e for e in await self._publisher.send_each(records) if e is not None] if records else []
        if errors:
            raise PublishFailed(f"{len(errors)} of {len(records)} events not published: {errors[0]!r}")
        return len(records)

    async def recover(self) -> int:
        """Publish the events of chunks a crash left unpublished; returns how many chunks were completed."""
        done = 0
        for chunk in await self._chunks.find({"published": False}).to_list():
            docs = [d for i in chunk["ids"] if (d := await self._store.collection.find_one({"_id": i})) is not None]
            mine = [d for d in docs if d.get("published_sequence") == d.get("last_sequence") and d["version"] == 1]
            await self._publish(mine)
            await self._chunks.update_one({"_id": chunk["_id"]}, {"$set": {"published": True, "created": len(mine)}})
            done += 1
        if done:
            log.warning("published chunks left by an interrupted bulk write", chunks=done)
        return done
