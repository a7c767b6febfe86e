"""Every domain event type of the platform, registered by its CloudEvents type as its class is defined."""

from __future__ import annotations

import importlib
import pkgutil

from patentflow.contracts.envelope import REGISTRY, DomainEvent
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


def _import_every_module() -> None:
    # Defining an event class registers it (envelope.REGISTRY); importing every module here defines them all,
    # including those of a module nobody imported by name yet.
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_every_module()
EVENT_TYPES: dict[str, type[DomainEvent]] = REGISTRY
ALL_EVENTS: tuple[type[DomainEvent], ...] = tuple(REGISTRY.values())

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
