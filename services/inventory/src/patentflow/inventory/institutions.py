"""Rules of the institution registry: institutions, their schools and inventors; no I/O.

State of one institution aggregate: ``{institution: {...InstitutionRegistered}, schools: {id: name},
inventors: {id: {name, school_id}}}``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.institutions import InstitutionRegistered, InventorAdded, SchoolAdded
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory.commands import AddInventor, AddSchool, RegisterInstitution
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import RuleViolation


def public(code: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    """The answer about one institution."""
    return {"credit_code": code, "version": version, **state}


def register(current: Aggregate | None, command: RegisterInstitution, *, by: str) -> Decision:
    """Register an institution once."""
    if current is not None:
        raise RuleViolation(ReasonCode.INSTITUTION_ALREADY_REGISTERED, credit_code=command.credit_code)
    event = InstitutionRegistered(**asdict(command), registered_by=by)
    state = {"institution": event.model_dump(mode="json", exclude={"registered_by"}), "schools": {}, "inventors": {}}
    return Decision(state, [event], public(command.credit_code, 1, state))


def add_school(current: Aggregate, command: AddSchool, *, by: str) -> Decision:
    """Add a school; its id is unique within the institution."""
    if command.school_id in current.state["schools"]:
        raise RuleViolation(ReasonCode.SCHOOL_ALREADY_EXISTS, school_id=command.school_id)
    event = SchoolAdded(credit_code=current.id, school_id=command.school_id, name=command.name, added_by=by)
    state = {**current.state, "schools": {**current.state["schools"], command.school_id: command.name}}
    return Decision(state, [event], public(current.id, current.version + 1, state))


def add_inventor(current: Aggregate, command: AddInventor, *, by: str) -> Decision:
    """Add an inventor account, in a school of the institution if one is named."""
    if command.inventor_id in current.state["inventors"]:
        raise RuleViolation(ReasonCode.INVENTOR_ALREADY_EXISTS, inventor_id=command.inventor_id)
    if command.school_id is not None and command.school_id not in current.state["schools"]:
        raise RuleViolation(ReasonCode.UNKNOWN_SCHOOL, school_id=command.school_id)
    event = InventorAdded(
        credit_code=current.id,
        inventor_id=command.inventor_id,
        name=command.name,
        school_id=command.school_id,
        added_by=by,
    )
    inventor = {"name": command.name, "school_id": command.school_id}
    state = {**current.state, "inventors": {**current.state["inventors"], command.inventor_id: inventor}}
    return Decision(state, [event], public(current.id, current.version + 1, state))


def owner_of(institution: Aggregate | None, credit_code: str, school_id: str | None) -> Owner:
    """The owner of a patent to record: a registered institution (and one of its schools, if named)."""
    if institution is None:
        raise RuleViolation(ReasonCode.UNKNOWN_INSTITUTION, credit_code=credit_code)
    if school_id is not None and school_id not in institution.state["schools"]:
        raise RuleViolation(ReasonCode.UNKNOWN_SCHOOL, school_id=school_id)
    data = institution.state["institution"]
    return Owner(credit_code=credit_code, name=data["name"], province=data["province"])
