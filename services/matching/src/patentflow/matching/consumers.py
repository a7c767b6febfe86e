"""The matching service's replicas, each from its own table: the inventory's patent facts its rules need, and the
registered enterprises (from the evaluation service's registry).

Matching searches the pool by text, IPC, industry, maturity and region, and withdraws matches of a patent that
leaves the pool or is no longer in force, so the patent replica keeps those fields; a demand is published for a
registered enterprise of a known province, so the enterprise replica keeps its profile.
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
from patentflow.contracts.events.evaluation import EnterpriseProfileUpdated, EnterpriseRegistered
from patentflow.kit.cloudevents import EventMeta
from patentflow.kit.decisions import Document
from patentflow.kit.eventmap import EventMap

COLLECTION = "patent_replica"
PATENT_FACTS = EventMap("patent-replica", (topics.PATENTS,), "The facts of inventory patents matching's rules need.")
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
            "title": event.title,
            "abstract": event.abstract,
            "ipc_main": event.ipc_main,
            "ipc_secondary": list(event.ipc_secondary),
            "province": event.owner.province,
            "institution": event.owner.credit_code,
            "legal_status": event.legal_status.value,
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
    return {"$set": {"trl": event.trl, "industry_codes": list(event.industry_codes), "product": event.product}}


@PATENT_FACTS.on(PatentRecordCorrected)
def corrected(event: PatentRecordCorrected, meta: EventMeta) -> Document:
    """The corrected fields this replica keeps."""
    values = event.model_dump(mode="json")
    kept = [name for name in event.corrected if name in ("title", "abstract", "ipc_main", "ipc_secondary")]
    return {"$set": {name: values[name] for name in kept}} if kept else {}


ENTERPRISE_COLLECTION = "enterprise_replica"
ENTERPRISE_FACTS = EventMap(
    "enterprise-replica", (topics.ENTERPRISES,), "The registered enterprises: province, industries, fields, products."
)


@ENTERPRISE_FACTS.on(EnterpriseRegistered, EnterpriseProfileUpdated)
def enterprise(event: EnterpriseRegistered | EnterpriseProfileUpdated, meta: EventMeta) -> Document:
    """The enterprise's whole profile as the registry holds it now."""
    profile = event.profile
    return {
        "$set": {
            "name": profile.name,
            "province": profile.province,
            "industry_codes": list(profile.industry_codes),
            "ipc_fields": list(profile.ipc_fields),
            "products": list(profile.products),
        }
    }


TABLES: tuple[EventMap, ...] = (PATENT_FACTS, ENTERPRISE_FACTS)
