"""A local replica of the inventory's patent facts, for services that must respect them without calling inventory."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts import topics
from patentflow.contracts.events import PatentRecordCorrected, PatentRecorded
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document
from patentflow.kit.readmodel import apply_in_sequence
from patentflow.kit.runtime import ConsumerSpec, Runtime

COLLECTION = "patent_replica"
# Only what guards and matching need; a tolerant reader keeps its own, smaller copy of the event.
KEPT = ("patent_type", "title", "ipc_main", "ipc_secondary", "filing_date", "grant_date", "owner", "co_owners",
        "state_funded")  # fmt: skip


class PatentReplica:
    """The replica collection of one service."""

    def __init__(self, collection: AsyncCollection[Document], writes: GuardedWrites | None = None) -> None:
        self.collection = collection
        self.writes = writes

    async def apply(self, event: ReceivedEvent) -> None:
        """Keep the facts of recorded and corrected patents, in order, once."""
        update: dict[str, Any] = {}
        if event.meta.type == PatentRecorded.event_type:
            update = {"$set": {k: event.data.get(k) for k in KEPT}}
        elif event.meta.type == PatentRecordCorrected.event_type:
            corrected = [k for k in event.data.get("corrected", []) if k in KEPT]
            if corrected:
                update = {"$set": {k: event.data.get(k) for k in corrected}}
        await apply_in_sequence(self.collection, event, update, self.writes)

    async def get(self, number: str) -> Document | None:
        """The replicated facts of one patent."""
        return await self.collection.find_one({"_id": number})


def patent_replica_consumer(runtime: Runtime) -> ConsumerSpec:
    """The consumer that keeps a service's replica; the replica is ``runtime.services['patent_replica']``."""
    replica = PatentReplica(runtime.db[COLLECTION], runtime.writes)
    runtime.services[COLLECTION] = replica
    return ConsumerSpec("patent-replica", [topics.PATENTS.name], replica.apply)
