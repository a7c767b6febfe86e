"""Master records and wire-model validation of the inventory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from patentflow.contracts.events import InventoryRecordFilled, PatentRecordCorrected, PatentRecorded
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory import domain
from patentflow.inventory.models import InventoryRecordInput, PatentCreate, PatentUpdate
from patentflow.kit.errors import InvalidInput, RuleViolation
from patentflow.testing.samples import number

from .helpers import OWNER, TODAY, after, body, record_input, recorded


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
        ({"application_number": "201350699744.2"}, "application_number", "unknown patent type digit"),
        ({"ipc_main": "G06F"}, "ipc_main", "IPC symbol"),
        ({"ipc_secondary": ["Q06F 1/00"]}, "ipc_secondary", "IPC symbol"),
        ({"owner_credit_code": "91350100M000100Y44"}, "owner_credit_code", "check character"),
        ({"grant_date": "2012-01-01"}, None, "grant_date is before filing_date"),
        ({"patent_type": "design"}, None, "contradicts the application number"),
        ({"state_funded": True}, None, "state_funding"),
        ({"inventors": ["x" * 101]}, "inventors", "at most 100"),
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


@pytest.mark.parametrize("field", ["filing_date", "grant_date"])
def test_a_date_after_the_service_day_is_refused_by_that_day_not_the_machines(field: str) -> None:
    day_after = (TODAY + timedelta(days=1)).isoformat()
    this_year = number(TODAY.year, 1)
    changes = (
        {"application_number": this_year, "filing_date": day_after, "grant_date": None}
        if field == "filing_date"
        else {"grant_date": day_after}
    )
    command = PatentCreate(**body(**changes)).command()

    with pytest.raises(InvalidInput) as caught:
        domain.record_patent(None, command, OWNER, by="admin", today=TODAY)
    assert caught.value.detail() == [{"loc": ["body", field], "msg": "lies in the future", "type": "value_error"}]
    # the same record is fine on a later service day
    assert domain.record_patent(None, command, OWNER, by="admin", today=TODAY + timedelta(days=1)).events


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"filing_date": "2012-12-18"},
            ("filing_date", "2012-12-18 does not agree with the application number, which was filed in 2013"),
        ),
        (
            {"application_number": number(2027, 3), "filing_date": "2026-01-05", "grant_date": None},
            ("application_number", "申请年份 2027 晚于今年 / its year 2027 lies after 2026"),
        ),
    ],
)
def test_the_filing_date_agrees_with_the_year_the_number_carries(changes: dict[str, Any], problem: Any) -> None:
    command = PatentCreate(**body(**changes)).command()
    with pytest.raises(InvalidInput) as caught:
        domain.record_patent(None, command, OWNER, by="admin", today=TODAY)
    assert problem in caught.value.problems


def test_a_pct_national_phase_number_may_carry_a_later_year_than_its_international_filing() -> None:
    command = PatentCreate(**body(application_number=number(2015, 12, kind=8), filing_date="2013-12-18")).command()
    assert domain.record_patent(None, command, OWNER, by="admin", today=TODAY).events


def test_records_a_new_patent_for_its_registered_owner() -> None:
    decision = domain.record_patent(None, PatentCreate(**body()).command(), OWNER, by="admin", today=TODAY)

    [event] = decision.events
    assert isinstance(event, PatentRecorded)
    assert event.owner == OWNER
    assert decision.state["review_state"] == "draft"
    assert decision.state["legal_status"] == "valid"
    assert decision.response["version"] == 1
    assert decision.response["expiry_date"] == "2033-12-17"


def test_a_row_with_an_inventory_record_is_one_change_equal_to_record_then_fill() -> None:
    record = record_input(implementation_status="self_implemented")
    together = domain.record_patent(
        None, PatentCreate(**body()).command(), OWNER, by="admin", today=TODAY, inventory=record
    )
    first = domain.record_patent(None, PatentCreate(**body()).command(), OWNER, by="admin", today=TODAY)
    then = domain.fill_inventory(after(first), record, by="admin", today=TODAY)

    assert [type(e) for e in together.events] == [PatentRecorded, InventoryRecordFilled]
    assert together.state == then.state
    assert together.response == {**then.response, "version": 1}
    assert [e.json_data() for e in together.events] == [e.json_data() for e in [*first.events, *then.events]]


def test_a_record_past_its_term_is_recorded_as_expired() -> None:
    decision = domain.record_patent(
        None, PatentCreate(**body(application_number="201320699744.8")).command(), OWNER, by="admin", today=TODAY
    )

    assert decision.state["legal_status"] == "expired"  # utility model filed 2013: ten years ended 2023-12-17


def test_refuses_to_record_a_number_twice() -> None:
    with pytest.raises(RuleViolation) as caught:
        domain.record_patent(recorded(), PatentCreate(**body()).command(), OWNER, by="admin", today=TODAY)

    assert caught.value.reason.code is ReasonCode.PATENT_ALREADY_RECORDED
    assert "context" not in caught.value.body()  # nothing about whose it is


def test_correction_names_only_fields_that_changed() -> None:
    current = recorded()

    decision = domain.correct_patent(
        current, PatentUpdate(title="新名称", ipc_main="G06F 16/35").command(), by="b", today=TODAY
    )

    [event] = decision.events
    assert isinstance(event, PatentRecordCorrected)
    assert event.corrected == ("title",)
    assert decision.state["patent"]["title"] == "新名称"
    assert decision.response["version"] == current.version + 1


def test_correction_that_changes_nothing_records_nothing() -> None:
    current = recorded()

    decision = domain.correct_patent(current, PatentUpdate(title="名称").command(), by="b", today=TODAY)

    assert decision.events == []
    assert decision.state is current.state
    assert decision.response["version"] == current.version


@pytest.mark.parametrize("payload", [{}, {"title": None}, {"ipc_main": None}])
def test_correction_must_change_something_and_keep_required_fields(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PatentUpdate(**payload)


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"conversion_intents": []}, "at least 1"),
        ({"conversion_intents": ["none", "transfer"]}, "'none' cannot be combined"),
        ({"conversion_intents": ["barter"]}, "Input should be"),
        ({"trl": 10}, "less than or equal to 9"),
        ({"trl": 0}, "greater than or equal to 1"),
        ({"self_grade": 6}, "less than or equal to 5"),
        ({"intended_price": "-1"}, "greater than or equal to 0"),
        ({"industry_codes": ["6511"]}, "GB/T 4754"),
        ({"implementation_status": "dormant"}, "Input should be"),
    ],
)
def test_rejects_bad_inventory_records(changes: dict[str, Any], text: str) -> None:
    base = {"conversion_intents": ["transfer"], "implementation_status": "not_implemented", "trl": 5, "self_grade": 3}

    with pytest.raises(ValidationError, match=text):
        InventoryRecordInput(**{**base, **changes})


def test_inventory_record_keeps_intents_unique_and_ordered() -> None:
    record = InventoryRecordInput(
        conversion_intents=["self_use", "transfer", "transfer"],
        implementation_status="licensed",
        trl=7,
        self_grade=5,
        industry_codes=["I6511", "C"],
    )

    assert [i.value for i in record.conversion_intents] == ["transfer", "self_use"]


def test_patent_helper_builds_a_consistent_aggregate() -> None:
    current = after(domain.record_patent(None, PatentCreate(**body()).command(), OWNER, by="a", today=TODAY))

    assert current.version == 1
    assert current.last_sequence == 1
