"""Builders for inventory unit tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from patentflow.contracts.events.common import Owner
from patentflow.inventory import domain
from patentflow.inventory.commands import InventoryRecord
from patentflow.inventory.models import InventoryRecordInput, PatentCreate
from patentflow.kit.decisions import Aggregate, Decision

OWNER = Owner(credit_code="91350100M000100Y43", name="示范大学", province="350000")
TODAY = date(2026, 11, 21)


def body(**changes: Any) -> dict[str, Any]:
    base = {
        "application_number": "ZL201310699744.2",
        "title": "名称",
        "ipc_main": "g06f16/35",
        "filing_date": "2013-12-18",
        "grant_date": "2016-05-04",
        "owner_credit_code": OWNER.credit_code,
        "inventor_ids": ["inv-1"],
        "school_id": "cs",
    }
    return {**base, **changes}


def record_input(**changes: Any) -> InventoryRecord:
    base = {
        "conversion_intents": ["transfer", "licence_ordinary"],
        "implementation_status": "not_implemented",
        "trl": 6,
        "self_grade": 4,
    }
    return InventoryRecordInput(**{**base, **changes}).command()


def after(decision: Decision, previous: Aggregate | None = None) -> Aggregate:
    """The aggregate as the store would hold it after ``decision``."""
    version = (previous.version if previous else 0) + (1 if decision.events else 0)
    sequence = (previous.last_sequence if previous else 0) + len(decision.events)
    return Aggregate(decision.response["application_number"], version, sequence, decision.state)


def recorded(today: date = TODAY, **changes: Any) -> Aggregate:
    return after(domain.record_patent(None, PatentCreate(**body(**changes)).command(), OWNER, by="admin", today=today))


def in_state(review: str, **changes: Any) -> Aggregate:
    current = recorded(**changes)
    return Aggregate(
        current.id,
        current.version,
        current.last_sequence,
        {**current.state, "review_state": review, "inventory": {"implementation_status": "not_implemented"}},
    )
