"""The integrated patent view: one document per patent, built from the services' events in sequence."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts.events import PatentRecordCorrected, PatentRecorded
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document
from patentflow.kit.readmodel import apply_in_sequence

COLLECTION = "patents"


def _update_for(event: ReceivedEvent) -> dict[str, Any]:
    """The read-model change an event makes; event types this view does not use change only the sequence."""
    data = event.data
    if event.meta.type == PatentRecorded.event_type:
        recorded = PatentRecorded.model_validate(data)
        return {"$set": {"patent": recorded.model_dump(mode="json"), "institution": recorded.owner.credit_code,
                         "province": recorded.owner.province, "recorded_at": event.meta.time,
                         "updated_at": event.meta.time}}  # fmt: skip
    if event.meta.type == PatentRecordCorrected.event_type:
        corrected = PatentRecordCorrected.model_validate(data)
        values = corrected.model_dump(mode="json")
        return {"$set": {**{f"patent.{name}": values[name] for name in corrected.corrected},
                         "updated_at": event.meta.time}}  # fmt: skip
    return {}


class PatentView:
    """Applies events to the view and answers queries on it."""

    def __init__(self, collection: AsyncCollection[Document], writes: GuardedWrites | None = None) -> None:
        self.collection = collection
        self.writes = writes

    async def ensure_indexes(self) -> None:
        """Queries by institution and by province."""
        await self.collection.create_index([("institution", ASCENDING)])
        await self.collection.create_index([("province", ASCENDING)])

    async def apply(self, event: ReceivedEvent) -> None:
        """Apply one event exactly once and in order (duplicates are dropped, gaps raise)."""
        await apply_in_sequence(self.collection, event, _update_for(event), self.writes)

    async def get(self, number: str) -> Document | None:
        """One patent's view."""
        return await self.collection.find_one({"_id": number, "patent": {"$exists": True}})

    async def page(self, query: Document, *, skip: int, limit: int) -> tuple[int, list[Document]]:
        """A page of patents matching ``query``, by application number."""
        query = {**query, "patent": {"$exists": True}}
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("_id", ASCENDING).skip(skip).limit(limit).to_list()
        return total, docs
