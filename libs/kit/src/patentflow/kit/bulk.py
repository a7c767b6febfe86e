"""Bulk creation of many new aggregates with their events: one ``insert_many`` per chunk, published by the writer.

Each aggregate document still holds its own events (atomic with its state). What changes is who publishes them:
instead of marking every document (one indexed write each), a chunk document lists the chunk's aggregates and
is marked once when their events are on Kafka; each document names its chunk (``bulk``), so that the outbox relay
knows whether those first events are out when a later write comes (``OutboxRelay._published_through``).

Nothing is lost when a chunk stops half-way (a crash, a broker outage): the chunk stays unpublished, and its events
are published again from the documents by ``recover`` (run periodically) or when the same chunk is written again
(an import resumed, which also inserts what the earlier attempt did not). Consumers drop the repeats by sequence.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import CommandContext, Decision
from patentflow.kit.mongo import Document
from patentflow.kit.outbox import Publisher, to_record

log = structlog.get_logger(__name__)
DUPLICATE_KEY = 11000
# A chunk is recovered only once it is this old: younger ones may still be on their way in another task or process.
RECOVER_AFTER = timedelta(minutes=1)


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

    def __init__(
        self,
        store: AggregateStore,
        chunks: AsyncCollection[Document],
        publisher: Publisher,
        *,
        pending: AsyncCollection[Document] | None = None,
    ) -> None:
        self._store = store
        self._chunks = chunks
        self._publisher = publisher
        self._writes = store.writes  # chunk marks are guarded like any other write (a lock per id on FerretDB)
        # The chunks not published yet, one small marker each, deleted once published: what recovery reads every
        # half-minute. It read the chunks themselves before, which keep every chunk's ids: at 1 000 000 imported
        # patents FerretDB decoded them for 3-5 s of a core each time (a filter scans there), and every consumer
        # on the machine waited for the cores meanwhile.
        self._pending = pending if pending is not None else chunks.database[f"{chunks.name}_pending"]
        self._unmarked: set[str] | None = None  # unpublished chunks without a marker (an earlier version's)

    async def create(self, chunk_id: str, items: Sequence[tuple[str, Decision]], ctx: CommandContext) -> ChunkResult:
        """Insert the aggregates that do not exist yet, publish their events, mark the chunk published.

        A chunk written again (an import resumed) inserts what an earlier attempt did not, and publishes what it
        left unsent; marks are guarded by the attempt, so a stale attempt or recovery never marks a newer one.
        """
        earlier = await self._chunks.find_one({"_id": chunk_id}, {"published": 1})
        mark = {"collection": self._chunks.name, "chunk": chunk_id}
        docs: list[Document] = []
        given: set[str] = set()
        repeated: set[str] = set()  # an id given twice: the first is written, the later ones count as existing
        for aggregate_id, decision in items:
            if aggregate_id in given:
                repeated.add(aggregate_id)
                continue
            given.add(aggregate_id)
            docs.append(self._store.new_document(aggregate_id, decision, ctx, bulk=mark))
        attempt = uuid.uuid4().hex
        # The marker first: whenever the chunk is unpublished, recovery finds it.
        await self._pending.replace_one({"_id": chunk_id}, {"attempt": attempt, "at": time.time()}, upsert=True)
        await self._writes.update_if(
            self._chunks,
            chunk_id,
            {},
            {
                "$set": {
                    "ids": [d["_id"] for d in docs],
                    "published": False,
                    "attempt": attempt,
                    "at": datetime.now(UTC),
                }
            },
            upsert=True,
        )
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
        entries = [e for d in created for e in d["outbox"]]
        if earlier is not None and not earlier.get("published") and existing:
            entries += await self._unsent(chunk_id, sorted(existing))  # what an earlier attempt wrote, maybe unsent
        events = await self._publish(entries)
        await self._writes.update_if(
            self._chunks, chunk_id, {"attempt": attempt}, {"$set": {"published": True, "created": len(created)}}
        )
        await self._writes.delete_if(self._pending, chunk_id, {"attempt": attempt})  # a newer attempt keeps its own
        return ChunkResult([d["_id"] for d in created], sorted(existing | repeated), events)

    async def _publish(self, entries: Sequence[Document]) -> int:
        records = [to_record(self._store.source, e) for e in entries]
        errors = [e for e in await self._publisher.send_each(records) if e is not None] if records else []
        if errors:
            raise PublishFailed(f"{len(errors)} of {len(records)} events not published: {errors[0]!r}")
        return len(records)

    async def _unsent(self, chunk_id: str, ids: Sequence[str]) -> list[Document]:
        """The first events of this chunk's aggregates among ``ids`` that the relay has not published since."""
        entries: list[Document] = []
        for aggregate_id in ids:  # one lookup each: FerretDB indexes only an exact {_id}, an $in would scan
            doc = await self._store.collection.find_one(
                {"_id": aggregate_id}, {"outbox": 1, "published_sequence": 1, "bulk": 1}
            )
            bulk = (doc or {}).get("bulk") or {}
            if doc is None or bulk.get("chunk") != chunk_id:
                continue  # never inserted, or created by another writer
            floor = doc.get("published_sequence", 0)
            entries.extend(e for e in doc["outbox"] if floor < e["sequence"] <= bulk["through"])
        return entries

    async def recover(self, *, older_than: timedelta = RECOVER_AFTER) -> int:
        """Publish the events of chunks left unpublished (for at least ``older_than``); returns how many."""
        cutoff = datetime.now(UTC) - older_than
        done = 0
        if self._unmarked is None:  # once a process: chunks left by a version that wrote no markers
            found = await self._chunks.find({"published": False}, {"_id": 1}).to_list()
            self._unmarked = {d["_id"] for d in found}
        listed = self._unmarked | {d["_id"] for d in await self._pending.find({}, {"_id": 1}).to_list()}
        for chunk_id in sorted(listed):
            chunk = await self._chunks.find_one({"_id": chunk_id})  # afresh: an attempt may have moved on
            if chunk is None or chunk.get("published"):
                self._unmarked.discard(chunk_id)
                # Nothing to publish (never written, or published and its marker left by a crash). A marker younger
                # than ``older_than`` may be an attempt under way that is about to write the chunk: it stays.
                await self._writes.delete_if(self._pending, chunk_id, {"at": {"$lt": cutoff.timestamp()}})
                continue
            at: datetime = chunk["at"] if chunk["at"].tzinfo else chunk["at"].replace(tzinfo=UTC)
            if at > cutoff:
                continue
            try:
                events = await self._publish(await self._unsent(chunk["_id"], chunk.get("ids", [])))
            except Exception:  # one chunk that cannot be published does not hold up the others
                log.exception("recovering a chunk failed; retried on the next pass", chunk=chunk["_id"])
                continue
            guard = {"published": False, "attempt": chunk.get("attempt")}
            if await self._writes.update_if(self._chunks, chunk["_id"], guard, {"$set": {"published": True}}):
                await self._writes.delete_if(self._pending, chunk["_id"], {"at": {"$lt": cutoff.timestamp()}})
                self._unmarked.discard(chunk["_id"])
                log.warning("published a chunk left by an interrupted bulk write", chunk=chunk["_id"], events=events)
                done += 1
        return done
