"""Idempotent, ordered effects for consumers: apply an event only if it is the next one of its aggregate.

:class:`SequencedView` is the mechanism every consumer of a service is built from: a collection of one document
per aggregate, changed by the mappings of an :class:`~patentflow.kit.eventmap.EventMap`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.eventmap import EventMap
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document

_COMPOUND = GuardedWrites()


class SequenceGap(Exception):
    """An event arrived before one that precedes it; retried, then dead-lettered (and its aggregate parked)."""

    def __init__(self, subject: str, expected: int, got: int) -> None:
        super().__init__(f"{subject}: expected sequence {expected}, got {got}")
        self.expected = expected
        self.got = got


def stream_of(event: ReceivedEvent) -> str:
    """The name under which a document records how far it has read one source's stream."""
    return event.meta.source.rstrip("/").rsplit("/", 1)[-1]


async def apply_in_sequence(
    collection: AsyncCollection[Document],
    event: ReceivedEvent,
    update: dict[str, Any],
    writes: GuardedWrites | None = None,
) -> bool:
    """Apply ``update`` to the event's aggregate document and advance its sequence in the same write.

    Returns False for a duplicate (already applied); raises :class:`SequenceGap` if an earlier event is missing.
    """
    subject, sequence = event.meta.subject, event.meta.sequence
    field = f"seq.{stream_of(event)}"
    update = {**update, "$set": {**update.get("$set", {}), field: sequence}}
    guard: Document = {field: sequence - 1 if sequence > 1 else {"$exists": False}}
    if await (writes or _COMPOUND).update_if(collection, subject, guard, update, upsert=sequence == 1):
        return True
    doc = await collection.find_one({"_id": subject}, {"seq": 1})
    current = int(((doc or {}).get("seq") or {}).get(stream_of(event), 0))
    if current >= sequence:
        return False
    raise SequenceGap(subject, current + 1, sequence)


class SequencedView:
    """One document per aggregate, kept by the mappings of one event table, in sequence and exactly once."""

    def __init__(
        self, collection: AsyncCollection[Document], table: EventMap, writes: GuardedWrites | None = None
    ) -> None:
        self.collection = collection
        self.table = table
        self.writes = writes

    async def apply(self, event: ReceivedEvent) -> None:
        """Apply one event (duplicates are dropped, gaps raise :class:`SequenceGap`)."""
        await apply_in_sequence(self.collection, event, self.table.update_for(event), self.writes)

    async def get(self, aggregate_id: str) -> Document | None:
        """The document of one aggregate (exactly ``{_id}``: the one filter FerretDB indexes)."""
        return await self.collection.find_one({"_id": aggregate_id})

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """Apply whole runs of events, one store write per aggregate, and all new aggregates in one insert.

        Each group holds one aggregate's events of one fetch, in order. A group is taken here only if its events
        come from one stream with consecutive sequences and map to plain ``$set`` updates; then its updates merge
        into one. New aggregates (first sequence 1) are inserted together; the others are each one guarded update.
        Returns the aggregates applied; the rest (a repeat, a gap, a document that already exists) the caller
        applies event by event, which sorts them out exactly as for a single event.
        """
        new: dict[str, Document] = {}
        later: list[tuple[str, Document, Document]] = []
        for events in groups:
            merged = self._merged(events)
            if merged is None:
                continue
            subject, field, first, last, values = merged
            if first == 1:
                doc: Document = {"_id": subject}
                for path, value in values.items():
                    _set_path(doc, path, value)
                _set_path(doc, field, last)
                new[subject] = doc
            else:
                later.append((subject, {field: first - 1}, {"$set": {**values, field: last}}))
        applied: set[str] = set()
        if new:
            try:
                await self.collection.insert_many(list(new.values()), ordered=False)
                applied.update(new)
            except BulkWriteError as exc:
                docs = list(new.values())
                taken = {docs[error["index"]]["_id"] for error in exc.details.get("writeErrors", [])}
                applied.update(set(new) - taken)
        writes = self.writes or _COMPOUND
        results = await asyncio.gather(
            *(writes.update_if(self.collection, subject, guard, update) for subject, guard, update in later)
        )
        applied.update(subject for (subject, _, _), done in zip(later, results, strict=True) if done)
        return applied

    def _merged(self, events: Sequence[ReceivedEvent]) -> tuple[str, str, int, int, Document] | None:
        streams = {stream_of(e) for e in events}
        sequences = [e.meta.sequence for e in events]
        if len(streams) != 1 or sequences != list(range(sequences[0], sequences[0] + len(sequences))):
            return None
        values: Document = {}
        for event in events:
            update = self.table.update_for(event)
            if set(update) - {"$set"}:
                return None  # not a plain $set: applied one by one
            values.update(update.get("$set", {}))
        if _nested(values):
            return None  # a path and its parent in one merge: their order matters
        return events[0].meta.subject, f"seq.{streams.pop()}", sequences[0], sequences[-1], values

    def consumer(self) -> ConsumerSpec:
        """The consumer that keeps this view (event by event, or whole runs per batch)."""
        return ConsumerSpec(self.table.name, self.table.topic_names, self.apply, self.table, self.apply_batch)


def _nested(paths: Document) -> bool:
    """Whether one of these dotted paths lies inside another (each path's parents looked up: pairs cost the
    projection a quarter of its document consumer's time)."""
    for path in paths:
        dot = path.find(".")
        while dot != -1:
            if path[:dot] in paths:
                return True
            dot = path.find(".", dot + 1)
    return False


def _set_path(doc: Document, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.setdefault(part, {})
    doc[parts[-1]] = value
