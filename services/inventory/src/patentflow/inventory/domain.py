"""Rules of a stock patent's lifecycle: master record, inventory record, review and pool, legal status; no I/O.

State of one patent aggregate::

    {patent: {...PatentRecorded}, inventory: {...InventoryRecordFilled} | None, review_state, return_reason,
     legal_status, legal_status_since, non_use_justification, non_use_flagged}
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events.common import Owner, PatentType
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
    WithdrawnFromPool,
)
from patentflow.contracts.events.inventory_enums import IN_FORCE, LegalStatus, ReviewState
from patentflow.contracts.identifiers import application_year
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory import five_year, legal
from patentflow.inventory.commands import ChangeLegalStatus, CorrectPatent, InventoryRecord, RecordPatent
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import InvalidInput, RuleViolation

EDITABLE = frozenset({ReviewState.DRAFT, ReviewState.RETURNED, ReviewState.WITHDRAWN})
SYSTEM = "system:inventory"


def public(number: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    """The answer about one patent."""
    patent = state["patent"]
    expiry = legal.expiry_date(PatentType(patent["patent_type"]), date.fromisoformat(patent["filing_date"]))
    return {
        "application_number": number,
        "version": version,
        "record": patent,
        "inventory": state.get("inventory"),
        "review_state": state["review_state"],
        "return_reason": state.get("return_reason"),
        "legal_status": state["legal_status"],
        "legal_status_since": state["legal_status_since"],
        "expiry_date": expiry.isoformat(),
        "non_use_flagged": state.get("non_use_flagged", False),
        "non_use_justification": state.get("non_use_justification"),
    }


def _decide(
    current: Aggregate, state: dict[str, Any], events: list[DomainEvent], today: date, *, answer: bool = True
) -> Decision:
    """Close every change with the five-year rule, so the flag follows every relevant event."""
    state, flags = five_year.evaluate(current.id, state, today)
    events = [*events, *flags]
    version = current.version + (1 if events else 0)
    response = public(current.id, version, state) if answer else {}
    return Decision(state=state if events else current.state, events=events, response=response)


def check_dates(command: RecordPatent, today: date) -> None:
    """Dates of a record checked against the service's day and the application number (422 naming the field).

    None may lie after ``today``. The number carries its filing year: a Chinese filing (types 1-3) is filed in
    that year; a PCT application entering the national phase (8, 9) has the year of entry, and its international
    filing date may be earlier but not later (docs/domain.md §6).
    """
    problems: list[tuple[str, str]] = []
    year = application_year(command.application_number)
    if year > today.year:
        problems.append(("application_number", f"申请年份 {year} 晚于今年 / its year {year} lies after {today.year}"))
    for name, day in (("filing_date", command.filing_date), ("grant_date", command.grant_date)):
        if day is not None and day > today:
            problems.append((name, "lies in the future"))
    expiry = legal.expiry_date(command.patent_type, command.filing_date)
    if command.grant_date is not None and command.grant_date > expiry:
        problems.append(
            (
                "grant_date",
                f"授权日晚于保护期届满日 {expiry.isoformat()} / granted after its term ended on {expiry.isoformat()}",
            )
        )
    pct = command.application_number[4 if len(command.application_number) == 14 else 2] in "89"
    if (command.filing_date.year > year) if pct else (command.filing_date.year != year):
        problems.append(
            (
                "filing_date",
                f"{command.filing_date.isoformat()} does not agree with the application "
                f"number, which was filed in {year}",
            )
        )
    if problems:
        raise InvalidInput(*problems)


def record_patent(
    current: Aggregate | None,
    command: RecordPatent,
    owner: Owner,
    *,
    by: str,
    today: date,
    inventory: InventoryRecord | None = None,
    answer: bool = True,
) -> Decision:
    """Record a new master record for a registered institution; an application number is recorded once.

    ``answer=False`` for a batch import, whose rows nobody is answered about one by one: the answer is not built.

    The first event tells consumers the state they need (legal status as of ``today``, expiry), so none of them
    re-derives it. A batch import row may bring the inventory record along: then both are one change (two events,
    one evaluation of the five-year rule), as if the record had been filled right after.
    """
    if current is not None:
        # Says only what the register already makes public: that this number is taken, not by whom.
        raise RuleViolation(ReasonCode.PATENT_ALREADY_RECORDED)
    check_dates(command, today)
    status = legal.status_on(LegalStatus.VALID, command.patent_type, command.filing_date, today)
    expiry = legal.expiry_date(command.patent_type, command.filing_date)
    event = PatentRecorded(
        **command.fields(), owner=owner, recorded_by=by, legal_status=status, expiry_date=expiry, recorded_on=today
    )
    patent = {k: v for k, v in event.json_data().items() if k not in ("legal_status", "expiry_date", "recorded_on")}
    since = expiry + timedelta(days=1) if status is LegalStatus.EXPIRED else (event.grant_date or event.filing_date)
    state = {
        "patent": patent,
        "inventory": None,
        "review_state": ReviewState.DRAFT.value,
        "return_reason": None,
        "legal_status": status.value,
        "legal_status_since": since.isoformat(),
        "non_use_justification": None,
        "non_use_flagged": False,
    }
    events: list[DomainEvent] = [event]
    if inventory is not None:
        filled = _filled(command.application_number, inventory, by)
        state["inventory"] = _inventory_state(filled)
        events.append(filled)
    return _decide(Aggregate(command.application_number, 0, 0, {}), state, events, today, answer=answer)


def correct_patent(current: Aggregate, command: CorrectPatent, *, by: str, today: date) -> Decision:
    """Correct descriptive fields; a correction that changes nothing records nothing."""
    changes = dict(command.changes)
    probe = PatentRecordCorrected(
        application_number=current.id, corrected=tuple(sorted(changes)), corrected_by=by, **changes
    )
    data = probe.model_dump(mode="json")
    changed = {k: data[k] for k in changes if current.state["patent"].get(k) != data[k]}
    if not changed:
        return _decide(current, current.state, [], today)
    event = PatentRecordCorrected(
        application_number=current.id,
        corrected=tuple(sorted(changed)),
        corrected_by=by,
        **{k: changes[k] for k in changed},
    )
    return _decide(current, {**current.state, "patent": {**current.state["patent"], **changed}}, [event], today)


def fill_inventory(current: Aggregate, record: InventoryRecord, *, by: str, today: date) -> Decision:
    """Fill or change the inventory record while it is not under review or in the pool."""
    if ReviewState(current.state["review_state"]) not in EDITABLE:
        raise RuleViolation(ReasonCode.RECORD_UNDER_REVIEW, review_state=current.state["review_state"])
    event = _filled(current.id, record, by)
    data = _inventory_state(event)
    if data == current.state.get("inventory"):
        return _decide(current, current.state, [], today)
    return _decide(current, {**current.state, "inventory": data}, [event], today)


def _filled(number: str, record: InventoryRecord, by: str) -> InventoryRecordFilled:
    return InventoryRecordFilled(application_number=number, filled_by=by, **record.fields())


def _inventory_state(event: InventoryRecordFilled) -> dict[str, Any]:
    return {k: v for k, v in event.json_data().items() if k not in ("application_number", "filled_by")}


def _step(current: Aggregate, allowed: set[ReviewState], action: str) -> ReviewState:
    state = ReviewState(current.state["review_state"])
    if state not in allowed:
        raise RuleViolation(ReasonCode.INVALID_TRANSITION, review_state=state.value, action=action)
    return state


def _require_in_force(current: Aggregate) -> None:
    if LegalStatus(current.state["legal_status"]) not in IN_FORCE:
        raise RuleViolation(ReasonCode.PATENT_NOT_IN_FORCE, legal_status=current.state["legal_status"])


def submit(current: Aggregate, *, by: str, today: date) -> Decision:
    """Inventor or administrator submits the record for school review (again, after a return or withdrawal)."""
    _step(current, set(EDITABLE), "submit")
    if not current.state.get("inventory"):
        raise RuleViolation(ReasonCode.INVENTORY_INCOMPLETE)
    _require_in_force(current)
    state = {**current.state, "review_state": ReviewState.SUBMITTED.value, "return_reason": None}
    return _decide(current, state, [InventorySubmitted(application_number=current.id, submitted_by=by)], today)


def approve_by_school(current: Aggregate, *, by: str, today: date) -> Decision:
    """The school approves; the institution reviews next."""
    _step(current, {ReviewState.SUBMITTED}, "approve_by_school")
    state = {**current.state, "review_state": ReviewState.SCHOOL_APPROVED.value}
    return _decide(current, state, [InventoryApprovedBySchool(application_number=current.id, approved_by=by)], today)


def approve_by_institution(current: Aggregate, *, by: str, today: date) -> Decision:
    """The institution approves: the patent enters the conversion resource pool."""
    _step(current, {ReviewState.SCHOOL_APPROVED}, "approve_by_institution")
    _require_in_force(current)
    state = {**current.state, "review_state": ReviewState.POOLED.value}
    return _decide(current, state, [EnteredConversionPool(application_number=current.id, approved_by=by)], today)


def return_record(current: Aggregate, reason: str, *, by: str, today: date) -> Decision:
    """A reviewer returns the record with a reason; it can be changed and submitted again."""
    stage = _step(current, {ReviewState.SUBMITTED, ReviewState.SCHOOL_APPROVED}, "return")
    state = {**current.state, "review_state": ReviewState.RETURNED.value, "return_reason": reason}
    event = InventoryReturned(application_number=current.id, stage=stage, reason=reason, returned_by=by)
    return _decide(current, state, [event], today)


def withdraw(current: Aggregate, reason: str, *, by: str, today: date) -> Decision:
    """The institution takes the patent out of the pool."""
    _step(current, {ReviewState.POOLED}, "withdraw")
    state = {**current.state, "review_state": ReviewState.WITHDRAWN.value}
    event = WithdrawnFromPool(application_number=current.id, reason=reason, withdrawn_by=by)
    return _decide(current, state, [event], today)


def change_legal_status(current: Aggregate, change: ChangeLegalStatus, *, by: str, today: date) -> Decision:
    """Record a new legal status; a patent no longer in force leaves the pool with it."""
    if change.effective_date > today:
        raise InvalidInput(("effective_date", "lies in the future"))
    previous = LegalStatus(current.state["legal_status"])
    if previous in legal.FINAL:
        raise RuleViolation(ReasonCode.LEGAL_STATUS_FINAL, legal_status=previous.value)
    if change.status is previous:
        return _decide(current, current.state, [], today)
    events: list[DomainEvent] = [
        LegalStatusChanged(
            application_number=current.id,
            status=change.status,
            previous=previous,
            effective_date=change.effective_date,
            reason=change.reason,
            changed_by=by,
        )
    ]
    state = {
        **current.state,
        "legal_status": change.status.value,
        "legal_status_since": change.effective_date.isoformat(),
    }
    if change.status not in IN_FORCE and ReviewState(state["review_state"]) is ReviewState.POOLED:
        events.append(
            WithdrawnFromPool(
                application_number=current.id, reason=f"legal status {change.status.value}", withdrawn_by=SYSTEM
            )
        )
        state["review_state"] = ReviewState.WITHDRAWN.value
    return _decide(current, state, events, today)


def record_justification(current: Aggregate, justification: str, *, by: str, today: date) -> Decision:
    """Record why a state-funded patent is not implemented (正当理由); the five-year flag then clears."""
    if not current.state["patent"].get("state_funded"):
        raise RuleViolation(ReasonCode.NOT_STATE_FUNDED)
    state = {**current.state, "non_use_justification": justification}
    event = NonUseJustificationRecorded(application_number=current.id, justification=justification, recorded_by=by)
    return _decide(current, state, [event], today)


def sweep(current: Aggregate, *, today: date) -> Decision:
    """The daily pass: expiry by the calendar, then the five-year rule."""
    patent = current.state["patent"]
    now = legal.status_on(
        LegalStatus(current.state["legal_status"]),
        PatentType(patent["patent_type"]),
        date.fromisoformat(patent["filing_date"]),
        today,
    )
    if now is LegalStatus(current.state["legal_status"]):
        return _decide(current, current.state, [], today)
    expiry = legal.expiry_date(PatentType(patent["patent_type"]), date.fromisoformat(patent["filing_date"]))
    change = ChangeLegalStatus(status=now, effective_date=expiry + timedelta(days=1), reason="term ended")
    return change_legal_status(current, change, by=SYSTEM, today=today)
