"""The index of each institution's patents (``consumers.OWNED``), one id set per institution (``kit.idsets``):
kept by the inventory's index consumer (``indexes.py``), so a redelivered event or batch changes nothing, and read by
id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.decisions import Document
from patentflow.kit.idsets import IdSets


def owner_of(event: ReceivedEvent) -> tuple[str, str]:
    """(institution, number) of a ``PatentRecorded``, read from its payload without validating the whole record: the
    index consumer reads every event of the topic beside five others on the same cores, and the two fields are all
    it needs (a payload without them is refused, and dead-lettered, all the same)."""
    try:
        return str(event.data["owner"]["credit_code"]), str(event.data["application_number"])
    except (KeyError, TypeError) as missing:
        raise ValueError(f"PatentRecorded without owner.credit_code or application_number: {missing}") from None


class OwnedIndex:
    """The index: added to by the index consumer, read by the export."""

    def __init__(self, collection: AsyncCollection[Document], patents: AsyncCollection[Document]) -> None:
        self.sets = IdSets(collection)
        self.patents = patents

    async def add(self, owned: Iterable[tuple[str, str]]) -> None:
        """Patents ``(institution, number)`` added in one round trip."""
        added: dict[str, list[str]] = defaultdict(list)
        for institution, number in owned:
            added[institution].append(number)
        await self.sets.change(added)

    async def build(self) -> None:
        """At start, once per store: the index from one scan of the patents, for a store an earlier version wrote
        (the consumer, a new group, would list them only once it had read the whole topic again)."""
        if await self.sets.built():
            return
        found: list[tuple[str, str]] = []
        async for doc in self.patents.find({}, {"state.patent.owner.credit_code": 1}):
            owner = doc.get("state", {}).get("patent", {}).get("owner", {}).get("credit_code")
            if owner:
                found.append((owner, doc["_id"]))
        await self.add(found)
        await self.sets.mark_built(len(found))

    async def numbers_of(self, institution: str) -> list[str]:
        """The institution's application numbers, sorted."""
        return await self.sets.members(institution)
