"""Inventory domain and wire-model rules, without I/O."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from patentflow.contracts.events import PatentRecordCorrected, PatentRecorded
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory import domain
from patentflow.inventory.models import PatentCreate, PatentUpdate
from patentflow.kit.aggregates import Aggregate
from patentflow.kit.errors import RuleViolation

OWNER = {"credit_code": "91350100M000100Y43", "name": "示范大学", "province": "350000"}


def body(**changes: Any) -> dict[str, Any]:
    base = {"application_number": "ZL201310699744.2", "title": "名称", "ipc_main": "g06f16/35",
            "filing_date": "2013-12-18", "grant_date": "2016-05-04", "owner": OWNER}  # fmt: skip
    return {**base, **changes}


def test_normalizes_identifiers_and_derives_the_type_from_the_number() -> None:
    command = PatentCreate(**body())

    assert command.application_number == "201310699744.2"
    assert command.ipc_main == "G06F 16/35"
    assert command.patent_type is not None
    assert command.patent_type.value == "invention"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"application_number": "201310699744.3"}, "application_number", "check digit"),
        ({"ipc_main": "G06F"}, "ipc_main", "IPC symbol"),
        ({"owner": {**OWNER, "credit_code": "91350100M000100Y44"}}, "credit_code", "check character"),
        ({"owner": {**OWNER, "province": "990000"}}, "province", "province"),
        ({"grant_date": "2012-01-01"}, None, "grant_date is before filing_date"),
        ({"filing_date": (date.today() + timedelta(days=2)).isoformat(), "grant_date": None}, None, "future"),
        ({"patent_type": "design"}, None, "contradicts the application number"),
        ({"state_funded": True}, None, "state_funding"),
        ({"unexpected": 1}, "unexpected", "Extra inputs"),
    ],
)
def test_rejects_bad_records_naming_the_field(changes: dict[str, Any], field: str | None, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PatentCreate(**body(**changes))

    errors = caught.value.errors()
    assert any(text in e["msg"] for e in errors), errors
    if field is not None:
        assert any(field in e["loc"] for e in errors), errors


def test_records_a_new_patent_as_one_event() -> None:
    decision = domain.record_patent(None, PatentCreate(**body()), by="admin")

    [event] = decision.events
    assert isinstance(event, PatentRecorded)
    assert event.recorded_by == "admin"
    assert decision.state["application_number"] == "201310699744.2"
    assert decision.response["version"] == 1


def test_refuses_to_record_a_number_twice() -> None:
    existing = Aggregate("201310699744.2", 1, 1, {})

    with pytest.raises(RuleViolation) as caught:
        domain.record_patent(existing, PatentCreate(**body()), by="admin")

    assert caught.value.reason.code is ReasonCode.PATENT_ALREADY_RECORDED


def test_correction_names_only_fields_that_changed() -> None:
    state = domain.record_patent(None, PatentCreate(**body()), by="a").state
    current = Aggregate("201310699744.2", 1, 1, state)

    decision = domain.correct_patent(current, PatentUpdate(title="新名称", ipc_main="G06F 16/35"), by="b")

    [event] = decision.events
    assert isinstance(event, PatentRecordCorrected)
    assert event.corrected == ("title",)
    assert decision.state["title"] == "新名称"
    assert decision.response["version"] == 2


def test_correction_that_changes_nothing_records_nothing() -> None:
    state = domain.record_patent(None, PatentCreate(**body()), by="a").state
    current = Aggregate("201310699744.2", 3, 3, state)

    decision = domain.correct_patent(current, PatentUpdate(title="名称"), by="b")

    assert decision.events == []
    assert decision.response["version"] == 3


@pytest.mark.parametrize("payload", [{}, {"title": None}, {"ipc_main": None}])
def test_correction_must_change_something_and_keep_required_fields(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PatentUpdate(**payload)
