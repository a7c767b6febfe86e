"""The integrated patent view: one document per patent, kept by the ``consumers.PATENTS`` table, read by id.

Listings, counts and groups are the query engine's (``engine.py``): the document store answers lookups by ``_id``.
"""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.mongo import Document
from patentflow.kit.readmodel import SequencedView
from patentflow.projection.consumers import PATENTS

COLLECTION = "patents"


class PatentView(SequencedView):
    """Applies the patent events to the view and reads one patent."""

    def __init__(self, collection: AsyncCollection[Document], writes: GuardedWrites | None = None) -> None:
        super().__init__(collection, PATENTS, writes)

    async def get(self, aggregate_id: str) -> Document | None:
        """One patent's view (None until its PatentRecorded arrived)."""
        doc = await super().get(aggregate_id)
        return doc if doc is not None and "patent" in doc else None
