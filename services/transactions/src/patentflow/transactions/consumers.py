"""The transactions service's replica of the inventory's patent facts: the fields its own rules need, from its own table.

A transfer or licence needs the owner and every co-owner's consent, a patent in force and within its term,
and state-funded patents follow their own rules, so the replica keeps owners, legal status, expiry and funding.
"""

from __future__ import annotations

from datetime import date

from patentflow.contracts import topics
from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    PatentRecordCorrected,
    PatentRecorded,
    StateFundedNonUseCleared,
    StateFundedNonUseFlagged,
    WithdrawnFromPool,
)
from patentflow.kit.cloudevents import EventMeta
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap

COLLECTION = "patent_replica"
PATENT_FACTS = EventMap(
    "patent-replica", (topics.PATENTS,), "The facts of inventory patents transactions's rules need."
)
PATENT_FACTS.ignore(
    PatentRecordCorrected,
    InventoryRecordFilled,
    InventorySubmitted,
    InventoryApprovedBySchool,
    InventoryReturned,
    NonUseJustificationRecorded,
    StateFundedNonUseFlagged,
    StateFundedNonUseCleared,
)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


@PATENT_FACTS.on(PatentRecorded)
def recorded(event: PatentRecorded, meta: EventMeta) -> Document:
    """A patent as inventory recorded it, with its legal status on that day."""
    return {
        "$set": {
            "owner": event.owner.credit_code,
            "co_owners": [c.name for c in event.co_owners],
            "legal_status": event.legal_status.value,
            "expiry_date": _day(event.expiry_date),
            "state_funded": event.state_funded,
            "in_pool": False,
        }
    }


@PATENT_FACTS.on(LegalStatusChanged)
def legal_status(event: LegalStatusChanged, meta: EventMeta) -> Document:
    """The new legal status (a patent no longer in force also leaves the pool, by its own event)."""
    return {"$set": {"legal_status": event.status.value}}


@PATENT_FACTS.on(EnteredConversionPool, WithdrawnFromPool)
def pool(event: EnteredConversionPool | WithdrawnFromPool, meta: EventMeta) -> Document:
    """In the conversion pool, or out of it again."""
    return {"$set": {"in_pool": isinstance(event, EnteredConversionPool)}}


TABLES: tuple[EventMap, ...] = (PATENT_FACTS,)
