"""Every domain event type of the platform, registered by its CloudEvents type."""

from __future__ import annotations

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.inventory import PatentRecordCorrected, PatentRecorded

ALL_EVENTS: tuple[type[DomainEvent], ...] = (PatentRecorded, PatentRecordCorrected)
EVENT_TYPES: dict[str, type[DomainEvent]] = {e.event_type: e for e in ALL_EVENTS}

__all__ = ["ALL_EVENTS", "EVENT_TYPES", "PatentRecordCorrected", "PatentRecorded"]
