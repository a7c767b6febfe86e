"""Inventory domain rules for patent master records; no I/O."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.events.inventory import PatentRecordCorrected, PatentRecorded
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory.models import PatentCreate, PatentUpdate
from patentflow.kit.aggregates import Aggregate, Decision
from patentflow.kit.errors import RuleViolation


def record_patent(current: Aggregate | None, command: PatentCreate, *, by: str) -> Decision:
    """Record a new master record; an application number is recorded once."""
    if current is not None:
        raise RuleViolation(ReasonCode.PATENT_ALREADY_RECORDED, application_number=command.application_number)
    event = PatentRecorded(**command.model_dump(), recorded_by=by)
    state = event.model_dump(mode="json")
    return Decision(state=state, events=[event], response=_public(command.application_number, 1, state))


def correct_patent(current: Aggregate, command: PatentUpdate, *, by: str) -> Decision:
    """Correct descriptive fields; a correction that changes nothing records nothing."""
    changes = {name: getattr(command, name) for name in command.model_fields_set}
    event = PatentRecordCorrected(
        application_number=current.id, corrected=tuple(sorted(changes)), corrected_by=by, **changes
    )
    data = event.model_dump(mode="json")
    changed = {k: data[k] for k in changes if current.state.get(k) != data[k]}
    if not changed:
        return Decision(state=current.state, events=[], response=_public(current.id, current.version, current.state))
    if changed.keys() != changes.keys():
        event = PatentRecordCorrected(application_number=current.id, corrected=tuple(sorted(changed)), corrected_by=by,
                                      **{k: changes[k] for k in changed})  # fmt: skip
    state = {**current.state, **changed}
    return Decision(state=state, events=[event], response=_public(current.id, current.version + 1, state))


def _public(number: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    return {"application_number": number, "version": version, "record": state}
