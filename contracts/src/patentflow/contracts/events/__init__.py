"""Every domain event type of the platform, registered by its CloudEvents type."""

from __future__ import annotations

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.institutions import InstitutionRegistered, InventorAdded, SchoolAdded
from patentflow.contracts.events.inventory import (
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

ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    InstitutionRegistered,
    SchoolAdded,
    InventorAdded,
    PatentRecorded,
    PatentRecordCorrected,
    InventoryRecordFilled,
    InventorySubmitted,
    InventoryApprovedBySchool,
    EnteredConversionPool,
    InventoryReturned,
    WithdrawnFromPool,
    LegalStatusChanged,
    NonUseJustificationRecorded,
    StateFundedNonUseFlagged,
    StateFundedNonUseCleared,
)
EVENT_TYPES: dict[str, type[DomainEvent]] = {e.event_type: e for e in ALL_EVENTS}

__all__ = [
    "ALL_EVENTS",
    "EVENT_TYPES",
    "EnteredConversionPool",
    "InstitutionRegistered",
    "InventorAdded",
    "InventoryApprovedBySchool",
    "InventoryRecordFilled",
    "InventoryReturned",
    "InventorySubmitted",
    "LegalStatusChanged",
    "NonUseJustificationRecorded",
    "PatentRecordCorrected",
    "PatentRecorded",
    "SchoolAdded",
    "StateFundedNonUseCleared",
    "StateFundedNonUseFlagged",
    "WithdrawnFromPool",
]
