"""Terms from the filing date, expiry by the calendar, and the five-year rule for state-funded patents."""

from __future__ import annotations

from datetime import date

import pytest

from patentflow.contracts.events import StateFundedNonUseCleared, StateFundedNonUseFlagged
from patentflow.contracts.events.common import PatentType
from patentflow.contracts.events.inventory_enums import LegalStatus
from patentflow.inventory import domain, legal
from patentflow.inventory.models import LegalStatusInput
from patentflow.kit.decisions import Aggregate

from .helpers import after, record_input, recorded

FUNDED = {
    "state_funded": True,
    "state_funding": {"project_number": "2015AA001", "funder": "科技部"},
    "grant_date": "2016-05-04",
}


@pytest.mark.parametrize(
    ("kind", "filed", "expiry"),
    [
        (PatentType.INVENTION, date(2013, 12, 18), date(2033, 12, 17)),
        (PatentType.UTILITY_MODEL, date(2020, 2, 29), date(2030, 2, 27)),
        (PatentType.DESIGN, date(2021, 5, 31), date(2031, 5, 30)),  # before the 2020 law: 10 years
        (PatentType.DESIGN, date(2021, 6, 1), date(2036, 5, 31)),  # from 2021-06-01: 15 years
    ],
)
def test_term_ends_the_day_before_the_anniversary_of_filing(kind: PatentType, filed: date, expiry: date) -> None:
    assert legal.expiry_date(kind, filed) == expiry


def test_daily_sweep_expires_a_patent_after_its_last_day() -> None:
    current = recorded(today=date(2033, 12, 17))

    assert domain.sweep(current, today=date(2033, 12, 17)).events == []
    decision = domain.sweep(current, today=date(2033, 12, 18))

    [changed] = decision.events
    assert changed.status is LegalStatus.EXPIRED
    assert changed.effective_date == date(2033, 12, 18)


def test_flags_a_state_funded_patent_five_years_after_grant_and_not_before() -> None:
    on_the_day = domain.record_patent(None, *_create(), by="a", today=date(2021, 5, 4))
    day_before = domain.record_patent(None, *_create(), by="a", today=date(2021, 5, 3))

    assert [type(e) for e in on_the_day.events][-1] is StateFundedNonUseFlagged
    assert on_the_day.state["non_use_flagged"] is True
    flagged = on_the_day.events[-1]
    assert isinstance(flagged, StateFundedNonUseFlagged)
    assert flagged.deadline == date(2021, 5, 4)
    assert day_before.state["non_use_flagged"] is False
    assert all(not isinstance(e, StateFundedNonUseFlagged) for e in day_before.events)


def test_sweep_raises_the_flag_when_the_five_years_pass() -> None:
    current = recorded(today=date(2020, 1, 1), **FUNDED)

    decision = domain.sweep(current, today=date(2021, 5, 4))

    assert isinstance(decision.events[-1], StateFundedNonUseFlagged)


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (
            lambda a: domain.fill_inventory(
                a, record_input(implementation_status="licensed"), by="x", today=date(2026, 1, 1)
            ),
            "implemented",
        ),
        (lambda a: domain.record_justification(a, "涉密，暂不实施", by="x", today=date(2026, 1, 1)), "justified"),
        (
            lambda a: domain.change_legal_status(
                a,
                LegalStatusInput(status=LegalStatus.TERMINATED, effective_date=date(2025, 12, 1)).command(),
                by="x",
                today=date(2026, 1, 1),
            ),
            "not_in_force",
        ),
    ],
    ids=["implementation-reported", "justification-recorded", "terminated"],
)
def test_the_flag_clears_when_the_rule_no_longer_applies(action: object, reason: str) -> None:
    current = recorded(today=date(2026, 1, 1), **FUNDED)
    assert current.state["non_use_flagged"] is True

    decision = action(current)  # type: ignore[operator]

    cleared = decision.events[-1]
    assert isinstance(cleared, StateFundedNonUseCleared)
    assert cleared.reason == reason
    assert decision.state["non_use_flagged"] is False


def test_not_state_funded_patents_are_never_flagged() -> None:
    current = recorded(today=date(2030, 1, 1))

    assert current.state["non_use_flagged"] is False
    assert domain.sweep(current, today=date(2030, 1, 2)).events == []


def test_an_unimplemented_record_keeps_the_flag() -> None:
    current = recorded(today=date(2026, 1, 1), **FUNDED)

    decision = domain.fill_inventory(current, record_input(), by="x", today=date(2026, 1, 2))

    assert decision.state["non_use_flagged"] is True
    assert not any(isinstance(e, StateFundedNonUseCleared) for e in decision.events)


@pytest.mark.parametrize(("status", "flagged"), [("not_implemented", True), ("self_implemented", False)])
def test_an_imported_row_is_judged_once_with_its_inventory_record(status: str, flagged: bool) -> None:
    patent, owner = _create()

    decision = domain.record_patent(
        None,
        patent,
        owner,
        by="import",
        today=date(2026, 1, 2),  # type: ignore[arg-type]
        inventory=record_input(implementation_status=status),
    )

    assert decision.state["non_use_flagged"] is flagged
    assert [isinstance(e, StateFundedNonUseFlagged) for e in decision.events] == [False, False, *([True] * flagged)]
    assert not any(isinstance(e, StateFundedNonUseCleared) for e in decision.events)


def _create() -> tuple[object, object]:
    from patentflow.inventory.models import PatentCreate

    from .helpers import OWNER, body

    return PatentCreate(**body(**FUNDED)).command(), OWNER


def test_after_helper_counts_versions() -> None:
    current = recorded()
    assert after(domain.sweep(current, today=date(2026, 1, 1)), current).version == current.version
    assert isinstance(current, Aggregate)
