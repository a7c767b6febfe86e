"""The integrated patent view: one document per patent, kept by the ``consumers.PATENTS`` table, and its queries."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document
from patentflow.kit.readmodel import SequencedView
from patentflow.projection.consumers import PATENTS

COLLECTION = "patents"


class PatentView(SequencedView):
    """Applies the patent events to the view and answers queries on it."""

    def __init__(self, collection: AsyncCollection[Document], writes: GuardedWrites | None = None) -> None:
        super().__init__(collection, PATENTS, writes)

    async def ensure_indexes(self) -> None:
        """Queries by institution and by province."""
        await self.collection.create_index([("institution", ASCENDING)])
        await self.collection.create_index([("province", ASCENDING)])

    async def get(self, aggregate_id: str) -> Document | None:
        """One patent's view (None until its PatentRecorded arrived)."""
        doc = await super().get(aggregate_id)
        return doc if doc is not None and "patent" in doc else None

    async def page(self, query: Document, *, skip: int, limit: int) -> tuple[int, list[Document]]:
        """A page of patents matching ``query``, by application number."""
        query = {**query, "patent": {"$exists": True}}
        total = await self.collection.count_documents(query)
        docs = await self.collection.find(query).sort("_id", ASCENDING).skip(skip).limit(limit).to_list()
        return total, docs
