"""The pledge service's replica of the inventory's patent facts: the fields its own rules need, from its own table.

A pledge needs a patent in force whose term outlasts the loan, pledged by its owners together, so the replica
keeps the owners, the legal status and the expiry.
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
PATENT_FACTS = EventMap("patent-replica", (topics.PATENTS,), "The facts of inventory patents pledge's rules need.")
PATENT_FACTS.ignore(
    PatentRecordCorrected,
    InventoryRecordFilled,
    InventorySubmitted,
    InventoryApprovedBySchool,
    EnteredConversionPool,
    InventoryReturned,
    WithdrawnFromPool,
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
        }
    }


@PATENT_FACTS.on(LegalStatusChanged)
def legal_status(event: LegalStatusChanged, meta: EventMeta) -> Document:
    """The new legal status (a patent no longer in force also leaves the pool, by its own event)."""
    return {"$set": {"legal_status": event.status.value}}


TABLES: tuple[EventMap, ...] = (PATENT_FACTS,)
