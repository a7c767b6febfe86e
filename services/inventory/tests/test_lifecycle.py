"""The review lifecycle: every transition, every refusal with its reason code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from patentflow.contracts.events import (
    EnteredConversionPool,
    InventoryApprovedBySchool,
    InventoryRecordFilled,
    InventoryReturned,
    InventorySubmitted,
    LegalStatusChanged,
    WithdrawnFromPool,
)
from patentflow.contracts.events.inventory_enums import LegalStatus, ReviewState
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory import domain
from patentflow.inventory.models import LegalStatusInput
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import RuleViolation

from .helpers import TODAY, after, in_state, record_input, recorded

Step = Callable[[Aggregate], Decision]
STEPS: dict[str, Step] = {
    "submit": lambda a: domain.submit(a, by="inv", today=TODAY),
    "approve_by_school": lambda a: domain.approve_by_school(a, by="school", today=TODAY),
    "approve_by_institution": lambda a: domain.approve_by_institution(a, by="admin", today=TODAY),
    "return": lambda a: domain.return_record(a, "补充应用场景", by="school", today=TODAY),
    "withdraw": lambda a: domain.withdraw(a, "已转让", by="admin", today=TODAY),
}
ALLOWED = {
    ("draft", "submit"): ("submitted", InventorySubmitted),
    ("returned", "submit"): ("submitted", InventorySubmitted),
    ("withdrawn", "submit"): ("submitted", InventorySubmitted),
    ("submitted", "approve_by_school"): ("school_approved", InventoryApprovedBySchool),
    ("submitted", "return"): ("returned", InventoryReturned),
    ("school_approved", "approve_by_institution"): ("pooled", EnteredConversionPool),
    ("school_approved", "return"): ("returned", InventoryReturned),
    ("pooled", "withdraw"): ("withdrawn", WithdrawnFromPool),
}


@pytest.mark.parametrize("state", [s.value for s in ReviewState])
@pytest.mark.parametrize("step", list(STEPS))
def test_every_step_from_every_state_moves_on_or_is_refused(state: str, step: str) -> None:
    current = in_state(state)
    expected = ALLOWED.get((state, step))

    if expected is None:
        with pytest.raises(RuleViolation) as caught:
            STEPS[step](current)
        assert caught.value.reason.code is ReasonCode.INVALID_TRANSITION
        assert caught.value.context == {"review_state": state, "action": step}
    else:
        decision = STEPS[step](current)
        assert decision.state["review_state"] == expected[0]
        assert isinstance(decision.events[0], expected[1])
        assert decision.response["version"] == current.version + 1


def test_the_whole_way_into_the_pool_and_back() -> None:
    current = recorded()
    for make in (
        lambda a: domain.fill_inventory(a, record_input(), by="inv-1", today=TODAY),
        STEPS["submit"],
        STEPS["return"],
        lambda a: domain.fill_inventory(a, record_input(trl=7), by="inv-1", today=TODAY),
        STEPS["submit"],
        STEPS["approve_by_school"],
        STEPS["approve_by_institution"],
    ):
        current = after(make(current), current)

    assert current.state["review_state"] == "pooled"
    assert current.state["inventory"]["trl"] == 7
    assert current.state["return_reason"] is None
    assert current.version == 8


def test_returning_keeps_the_reason_and_the_stage() -> None:
    decision = STEPS["return"](in_state("school_approved"))

    [event] = decision.events
    assert isinstance(event, InventoryReturned)
    assert event.stage is ReviewState.SCHOOL_APPROVED
    assert decision.state["return_reason"] == "补充应用场景"


def test_submitting_needs_a_filled_record() -> None:
    with pytest.raises(RuleViolation) as caught:
        STEPS["submit"](recorded())

    assert caught.value.reason.code is ReasonCode.INVENTORY_INCOMPLETE


@pytest.mark.parametrize("review", ["submitted", "school_approved", "pooled"])
def test_the_record_cannot_change_under_review_or_in_the_pool(review: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        domain.fill_inventory(in_state(review), record_input(), by="inv-1", today=TODAY)

    assert caught.value.reason.code is ReasonCode.RECORD_UNDER_REVIEW


def test_filling_the_same_record_again_records_nothing() -> None:
    current = after(domain.fill_inventory(recorded(), record_input(), by="inv-1", today=TODAY), recorded())

    again = domain.fill_inventory(current, record_input(), by="inv-1", today=TODAY)

    assert again.events == []
    [filled] = domain.fill_inventory(recorded(), record_input(), by="inv-1", today=TODAY).events
    assert isinstance(filled, InventoryRecordFilled)


@pytest.mark.parametrize("status", ["terminated", "invalidated", "expired"])
def test_a_patent_no_longer_in_force_cannot_be_submitted_or_pooled(status: str) -> None:
    for review, step in (("draft", "submit"), ("school_approved", "approve_by_institution")):
        current = in_state(review)
        current = Aggregate(
            current.id, current.version, current.last_sequence, {**current.state, "legal_status": status}
        )
        with pytest.raises(RuleViolation) as caught:
            STEPS[step](current)
        assert caught.value.reason.code is ReasonCode.PATENT_NOT_IN_FORCE


def test_a_pooled_patent_that_terminates_leaves_the_pool() -> None:
    change = LegalStatusInput(
        status=LegalStatus.TERMINATED, effective_date=date(2026, 1, 1), reason="年费未缴"
    ).command()

    decision = domain.change_legal_status(in_state("pooled"), change, by="integrator", today=TODAY)

    changed, withdrawn = decision.events
    assert isinstance(changed, LegalStatusChanged)
    assert changed.previous is LegalStatus.VALID
    assert isinstance(withdrawn, WithdrawnFromPool)
    assert decision.state["review_state"] == "withdrawn"
    assert decision.state["legal_status"] == "terminated"


@pytest.mark.parametrize("final", ["expired", "invalidated"])
def test_expired_and_invalidated_are_final(final: str) -> None:
    current = recorded()
    current = Aggregate(current.id, current.version, current.last_sequence, {**current.state, "legal_status": final})
    change = LegalStatusInput(status=LegalStatus.VALID, effective_date=date(2026, 1, 1)).command()

    with pytest.raises(RuleViolation) as caught:
        domain.change_legal_status(current, change, by="integrator", today=TODAY)

    assert caught.value.reason.code is ReasonCode.LEGAL_STATUS_FINAL


def test_a_terminated_patent_can_be_restored() -> None:
    current = recorded()
    current = after(
        domain.change_legal_status(
            current,
            LegalStatusInput(status=LegalStatus.TERMINATED, effective_date=date(2026, 1, 1)).command(),
            by="i",
            today=TODAY,
        ),
        current,
    )

    decision = domain.change_legal_status(
        current,
        LegalStatusInput(status=LegalStatus.VALID, effective_date=date(2026, 2, 1), reason="权利恢复").command(),
        by="i",
        today=TODAY,
    )

    assert decision.state["legal_status"] == "valid"


def test_the_same_status_again_records_nothing() -> None:
    change = LegalStatusInput(status=LegalStatus.VALID, effective_date=date(2026, 1, 1)).command()

    assert domain.change_legal_status(recorded(), change, by="i", today=TODAY).events == []


def test_justification_is_for_state_funded_patents_only() -> None:
    with pytest.raises(RuleViolation) as caught:
        domain.record_justification(recorded(), "保密", by="admin", today=TODAY)

    assert caught.value.reason.code is ReasonCode.NOT_STATE_FUNDED
