"""Which registered enterprises belong to which industry: one document per GB/T 4754 division (``_id`` its two
digits), kept from the registry's own events, so a navigation result is pushed to an industry's enterprises by one
lookup by id. Adding is ``$addToSet`` and leaving is ``$pull``: a repeated event changes nothing."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts import topics
from patentflow.contracts.events.evaluation import EnterpriseProfileUpdated, EnterpriseRegistered
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.consumer import ConsumerSpec
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap

COLLECTION = "industry_index"
INDUSTRY_INDEX = EventMap(
    "industry-index", (topics.ENTERPRISES,), "Registered enterprises by GB/T 4754 division, for pushes by industry."
)


@INDUSTRY_INDEX.on(EnterpriseRegistered, EnterpriseProfileUpdated)
def divisions(event: EnterpriseRegistered | EnterpriseProfileUpdated, meta: EventMeta) -> Document:
    """The divisions the enterprise is in now."""
    return {"enterprise": event.credit_code, "divisions": sorted({c[:2] for c in event.profile.industry_codes})}


class IndustryIndex:
    """The index and the consumer that keeps it."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    def consumer(self) -> ConsumerSpec:
        """Event by event: few enterprises change at once."""
        return ConsumerSpec(INDUSTRY_INDEX.name, INDUSTRY_INDEX.topic_names, self.apply, INDUSTRY_INDEX)

    async def apply(self, event: ReceivedEvent) -> None:
        """In the divisions it now names, out of every other."""
        change = INDUSTRY_INDEX.update_for(event)
        if not change:
            return
        code, now = change["enterprise"], change["divisions"]
        for division in now:
            await self.collection.update_one({"_id": division}, {"$addToSet": {"enterprises": code}}, upsert=True)
        await self.collection.update_many({"_id": {"$nin": now}, "enterprises": code}, {"$pull": {"enterprises": code}})

    async def enterprises_of(self, industry: str) -> list[str]:
        """The registered enterprises of an industry's division."""
        doc = await self.collection.find_one({"_id": industry[:2]})
        return list((doc or {}).get("enterprises", []))
