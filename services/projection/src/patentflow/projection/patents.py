"""The integrated patent view: one document per patent, built from the services' events in sequence."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    PatentRecordCorrected,
    PatentRecorded,
    StateFundedNonUseCleared,
    StateFundedNonUseFlagged,
    WithdrawnFromPool,
)
from patentflow.contracts.events.inventory_enums import LegalStatus, ReviewState
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document
from patentflow.kit.readmodel import apply_in_sequence

COLLECTION = "patents"


_REVIEW_STATES = {
    InventorySubmitted.event_type: ReviewState.SUBMITTED,
    InventoryApprovedBySchool.event_type: ReviewState.SCHOOL_APPROVED,
    EnteredConversionPool.event_type: ReviewState.POOLED,
    InventoryReturned.event_type: ReviewState.RETURNED,
    WithdrawnFromPool.event_type: ReviewState.WITHDRAWN,
}


def _update_for(event: ReceivedEvent) -> dict[str, Any]:
    """The read-model change an event makes; event types this view does not use change only the sequence."""
    data, kind, at = event.data, event.meta.type, event.meta.time
    if kind == PatentRecorded.event_type:
        recorded = PatentRecorded.model_validate(data)
        return {"$set": {"patent": recorded.model_dump(mode="json"), "institution": recorded.owner.credit_code,
                         "province": recorded.owner.province, "recorded_at": at, "updated_at": at,
                         "review_state": ReviewState.DRAFT.value, "legal_status": LegalStatus.VALID.value,
                         "non_use_flagged": False}}  # fmt: skip
    if kind == PatentRecordCorrected.event_type:
        corrected = PatentRecordCorrected.model_validate(data)
        values = corrected.model_dump(mode="json")
        return {"$set": {**{f"patent.{name}": values[name] for name in corrected.corrected}, "updated_at": at}}
    if kind == InventoryRecordFilled.event_type:
        record = InventoryRecordFilled.model_validate(data).model_dump(mode="json", exclude={"application_number"})
        return {"$set": {"inventory": record, "updated_at": at}}
    if kind in _REVIEW_STATES:
        return {"$set": {"review_state": _REVIEW_STATES[kind].value, "updated_at": at}}
    if kind == LegalStatusChanged.event_type:
        changed = LegalStatusChanged.model_validate(data)
        return {"$set": {"legal_status": changed.status.value, "updated_at": at}}
    if kind in (StateFundedNonUseFlagged.event_type, StateFundedNonUseCleared.event_type):
        return {"$set": {"non_use_flagged": kind == StateFundedNonUseFlagged.event_type, "updated_at": at}}
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
        doc = await self.collection.find_one({"_id": number})  # exactly {_id}: the one filter FerretDB indexes
        return doc if doc is not None and "patent" in doc else None

    async def page(self, query: Document, *, skip: int, limit: int) -> tuple[int, list[Document]]:
        """A page of patents matching ``query``, by application number."""
        query = {**query, "patent": {"$exists": True}}
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("_id", ASCENDING).skip(skip).limit(limit).to_list()
        return total, docs
