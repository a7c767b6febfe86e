"""Idempotent, ordered effects for consumers: apply an event only if it is the next one of its aggregate.

:class:`SequencedView` is the mechanism every consumer of a service is built from: a collection of one document
per aggregate, changed by the mappings of an :class:`~patentflow.kit.eventmap.EventMap`.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

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

    def consumer(self) -> ConsumerSpec:
        """The consumer that keeps this view."""
        return ConsumerSpec(self.table.name, self.table.topic_names, self.apply, self.table)
