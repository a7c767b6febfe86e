"""The index of each institution's patents (``consumers.OWNED``): kept by its consumer with ``$addToSet``, so a
redelivered event or batch changes nothing, and read by id."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts.events import PatentRecorded
from patentflow.inventory.consumers import BUCKETS, OWNED, bucket_id
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.decisions import Document

_RECORDED = PatentRecorded.event_type
_BUILT = "built"  # marks an index complete since its store's first start with it (institutions' ids hold a slash)


def owner_of(event: ReceivedEvent) -> tuple[str, str] | None:
    """(institution, number) of a PatentRecorded, read from its payload without validating the whole record: this
    consumer reads every event of the topic beside five others on the same cores, and the two fields are all it
    needs (a payload without them is refused, and dead-lettered, all the same). ``OWNED`` states the mapping."""
    if event.meta.type != _RECORDED:
        OWNED.update_for(event)  # an ignored type changes nothing; an unlisted one raises, as in every table
        return None
    try:
        return str(event.data["owner"]["credit_code"]), str(event.data["application_number"])
    except (KeyError, TypeError) as missing:
        raise ValueError(f"PatentRecorded without owner.credit_code or application_number: {missing}") from None


class OwnedIndex:
    """The index and the consumer that keeps it."""

    def __init__(self, collection: AsyncCollection[Document], patents: AsyncCollection[Document]) -> None:
        self.collection = collection
        self.patents = patents
        # FerretDB 1.x applies an update by reading the document and writing it back: two updates of one bucket at
        # once (a batch applied event by event, 32 at a time; a replay) could lose one. One at a time here.
        self._lock = asyncio.Lock()

    def consumer(self) -> ConsumerSpec:
        """Event by event, or a whole fetch in one bulk write."""
        return ConsumerSpec(OWNED.name, OWNED.topic_names, self.apply, OWNED, self.apply_batch)

    async def apply(self, event: ReceivedEvent) -> None:
        """Add the recorded patent's number to its institution's document."""
        await self.apply_batch([[event]])

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """One ``$addToSet`` per index document the batch touches, all in one round trip; every aggregate applies."""
        added: dict[str, list[str]] = defaultdict(list)
        for events in groups:
            for event in events:
                change = owner_of(event)
                if change is not None:
                    added[bucket_id(*change)].append(change[1])
        if added:
            async with self._lock:
                await self._add(added)
        return {events[0].meta.subject for events in groups if events}

    async def _add(self, added: dict[str, list[str]]) -> None:
        await self.collection.bulk_write(
            [
                UpdateOne({"_id": key}, {"$addToSet": {"numbers": {"$each": sorted(set(numbers))}}}, upsert=True)
                for key, numbers in added.items()
            ],
            ordered=False,
        )

    async def build(self) -> None:
        """At start, once per store: the index from one scan of the patents, for a store an earlier version wrote
        (the consumer, a new group, would list them only once it had read the whole topic again)."""
        if await self.collection.find_one({"_id": _BUILT}) is not None:
            return
        added: dict[str, list[str]] = defaultdict(list)
        async for doc in self.patents.find({}, {"state.patent.owner.credit_code": 1}):
            owner = doc.get("state", {}).get("patent", {}).get("owner", {}).get("credit_code")
            if owner:
                added[bucket_id(owner, doc["_id"])].append(doc["_id"])
        if added:
            async with self._lock:
                await self._add(added)
        await self.collection.update_one(
            {"_id": _BUILT}, {"$set": {"patents": sum(map(len, added.values()))}}, upsert=True
        )

    async def numbers_of(self, institution: str) -> list[str]:
        """The institution's application numbers, sorted."""
        docs = await asyncio.gather(
            *(self.collection.find_one({"_id": f"{institution}/{b:02d}"}) for b in range(BUCKETS))
        )
        return sorted(number for doc in docs if doc is not None for number in doc.get("numbers", ()))
