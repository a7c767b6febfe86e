"""The evaluation service's replica of the inventory's patent facts: the fields its own rules need, from its own table.

Only pool patents may be evaluated, and remaining term, legal status, ownership and TRL are indicators of value (the
type, IPC and filing date decide the high-value flags), so the replica keeps those and the owner. ``Reactions``
revalues a patent's evaluation when the replica learns what changes its value: pool entry and legal status.
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
PATENT_FACTS = EventMap("patent-replica", (topics.PATENTS,), "The facts of inventory patents evaluation's rules need.")
PATENT_FACTS.ignore(
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
            "institution": event.owner.credit_code,
            "province": event.owner.province,
            "ipc_main": event.ipc_main,
            "patent_type": event.patent_type.value,
            "filing_date": _day(event.filing_date),
            "legal_status": event.legal_status.value,
            "expiry_date": _day(event.expiry_date),
            "co_owned": bool(event.co_owners),
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


@PATENT_FACTS.on(InventoryRecordFilled)
def filled(event: InventoryRecordFilled, meta: EventMeta) -> Document:
    """Maturity and industry from the inventory record."""
    return {"$set": {"trl": event.trl, "industry_codes": list(event.industry_codes)}}


@PATENT_FACTS.on(PatentRecordCorrected)
def corrected(event: PatentRecordCorrected, meta: EventMeta) -> Document:
    """The corrected fields this replica keeps."""
    values = event.model_dump(mode="json")
    kept = [name for name in event.corrected if name in ("ipc_main",)]
    return {"$set": {name: values[name] for name in kept}} if kept else {}


TABLES: tuple[EventMap, ...] = (PATENT_FACTS,)


REVALUED_BY = (EnteredConversionPool, LegalStatusChanged)  # evidence of value that arrives from the inventory
