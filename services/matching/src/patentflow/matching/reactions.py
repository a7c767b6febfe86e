"""What matching does when the inventory's events arrive: keep the replica, then keep the engine's pool and the
matches in step with it.

One consumer does all three, in that order, and its offsets are committed only after: a patent that enters the pool
(in force) is indexed, searchable once the batch is committed to the index, and matched against the open demands; a
patent that leaves the pool or force leaves the index and its open matches are withdrawn. Every step is idempotent
on the store's state (a pair already open is not found again, a withdrawn one not withdrawn again), so a redelivered
batch finishes what a crash interrupted and publishes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryRecordFilled,
    LegalStatusChanged,
    PatentRecordCorrected,
    WithdrawnFromPool,
)
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.decisions import Document
from patentflow.matching import pool
from patentflow.matching.consumers import PATENT_FACTS
from patentflow.matching.deps import MatchingDeps
from patentflow.matching.handlers import match_pooled, withdraw_patent

# Events after which a patent out of the engine may still have open matches (a crash between the index and the store).
_LEAVING = frozenset({WithdrawnFromPool.event_type, LegalStatusChanged.event_type})
# Events that may put a patent into the engine's pool or change what it indexes; the others (a patent recorded,
# its review steps) leave a patent out of the pool as it was, so a bulk import costs no lookups here.
_MAY_CHANGE = _LEAVING | {EnteredConversionPool.event_type, InventoryRecordFilled.event_type,
                          PatentRecordCorrected.event_type}  # fmt: skip


class Reactions:
    """The patent replica's consumer, with the engine and the matches it keeps."""

    def __init__(self, deps: MatchingDeps) -> None:
        self.deps = deps

    def consumer(self) -> ConsumerSpec:
        """The consumer (its group is the replica's, as before)."""
        return ConsumerSpec(PATENT_FACTS.name, PATENT_FACTS.topic_names, self.apply, PATENT_FACTS, self.apply_batch)

    async def apply(self, event: ReceivedEvent) -> None:
        """One event: the replica, then the engine and the matches."""
        await self.deps.patents.apply(event)
        if event.meta.type in _MAY_CHANGE or self.deps.engine.has_patent(event.meta.subject):
            leaving = {event.meta.subject} if event.meta.type in _LEAVING else set()
            await self.sync([event.meta.subject], leaving=leaving)

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """Whole runs: the replica in one write per patent, then each changed patent once."""
        applied = await self.deps.patents.apply_batch(groups)
        engine = self.deps.engine
        taken = [
            events
            for events in groups
            if events[0].meta.subject in applied
            and (engine.has_patent(events[0].meta.subject) or any(e.meta.type in _MAY_CHANGE for e in events))
        ]
        leaving = {events[0].meta.subject for events in taken if any(e.meta.type in _LEAVING for e in events)}
        await self.sync([events[0].meta.subject for events in taken], leaving=leaving)
        return applied

    async def sync(self, numbers: Sequence[str], *, leaving: set[str]) -> None:
        """Bring the pool's index, the engine and the matches of these patents in line with the replica."""
        engine = self.deps.engine
        entered: dict[str, Document] = {}
        out: dict[str, Document] = {}  # out of the pool now, and in the engine or just left: maybe in the index
        for number in numbers:
            doc = await self.deps.patents.get(number)
            if doc is not None and pool.belongs(doc):
                entered[number] = doc
            elif doc is not None and (engine.has_patent(number) or number in leaving):
                out[number] = doc
        await self.deps.pool_index.update(entered, out)  # before the engine: a start rebuilds it from this index
        for doc in entered.values():
            engine.put_patent(pool.entry(doc, self.deps.divisions))
        for number, doc in out.items():
            if engine.has_patent(number):
                engine.drop_patent(number)
            # withdrawn even if out of the engine already: a retry after a crash between the two
            await withdraw_patent(self.deps, number, pool.why_out(doc))
        engine.commit()
        for number in entered:
            await match_pooled(self.deps, number)
