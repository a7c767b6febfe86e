"""Rules of the institution registry: institutions, their schools and inventors; no I/O.

State of one institution aggregate: ``{institution: {...InstitutionRegistered}, schools: [{school_id, name}],
inventors: [{inventor_id, name, school_id}]}``. Ids people chose are values, never keys of a stored document (a key
may not hold every character an id may, such as the dot of an e-mail address); answers show them keyed by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.institutions import InstitutionRegistered, InventorAdded, SchoolAdded
from patentflow.contracts.reasons import ReasonCode
from patentflow.inventory.commands import AddInventor, AddSchool, RegisterInstitution
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import RuleViolation


def schools_of(state: dict[str, Any]) -> dict[str, str]:
    """The institution's schools by id (also from documents stored when they were keyed by id)."""
    schools = state.get("schools") or []
    if isinstance(schools, dict):
        return dict(schools)
    return {s["school_id"]: s["name"] for s in schools}


def inventors_of(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The institution's inventor accounts by id (also from documents stored when they were keyed by id)."""
    inventors = state.get("inventors") or []
    if isinstance(inventors, dict):
        return dict(inventors)
    return {i["inventor_id"]: {"name": i["name"], "school_id": i.get("school_id")} for i in inventors}


def public(code: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    """The answer about one institution; schools and inventors keyed by id."""
    return {
        "credit_code": code,
        "version": version,
        **state,
        "schools": schools_of(state),
        "inventors": inventors_of(state),
    }


def _listed(state: dict[str, Any], key: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    current = state.get(key) or []
    if isinstance(current, dict):  # stored keyed by id: rewrite as a list
        current = (
            [{"school_id": k, "name": v} for k, v in current.items()]
            if key == "schools"
            else [{"inventor_id": k, **v} for k, v in current.items()]
        )
    return [*current, entry]


def register(current: Aggregate | None, command: RegisterInstitution, *, by: str) -> Decision:
    """Register an institution once."""
    if current is not None:
        raise RuleViolation(ReasonCode.INSTITUTION_ALREADY_REGISTERED, credit_code=command.credit_code)
    event = InstitutionRegistered(**asdict(command), registered_by=by)
    state = {"institution": event.model_dump(mode="json", exclude={"registered_by"}), "schools": [], "inventors": []}
    return Decision(state, [event], public(command.credit_code, 1, state))


def add_school(current: Aggregate, command: AddSchool, *, by: str) -> Decision:
    """Add a school; its id is unique within the institution."""
    if command.school_id in schools_of(current.state):
        raise RuleViolation(ReasonCode.SCHOOL_ALREADY_EXISTS, school_id=command.school_id)
    event = SchoolAdded(credit_code=current.id, school_id=command.school_id, name=command.name, added_by=by)
    school = {"school_id": command.school_id, "name": command.name}
    state = {**current.state, "schools": _listed(current.state, "schools", school)}
    return Decision(state, [event], public(current.id, current.version + 1, state))


def add_inventor(current: Aggregate, command: AddInventor, *, by: str) -> Decision:
    """Add an inventor account, in a school of the institution if one is named."""
    if command.inventor_id in inventors_of(current.state):
        raise RuleViolation(ReasonCode.INVENTOR_ALREADY_EXISTS, inventor_id=command.inventor_id)
    if command.school_id is not None and command.school_id not in schools_of(current.state):
        raise RuleViolation(ReasonCode.UNKNOWN_SCHOOL, school_id=command.school_id)
    event = InventorAdded(
        credit_code=current.id,
        inventor_id=command.inventor_id,
        name=command.name,
        school_id=command.school_id,
        added_by=by,
    )
    inventor = {"inventor_id": command.inventor_id, "name": command.name, "school_id": command.school_id}
    state = {**current.state, "inventors": _listed(current.state, "inventors", inventor)}
    return Decision(state, [event], public(current.id, current.version + 1, state))


def owner_of(
    institution: Aggregate | None, credit_code: str, school_id: str | None, inventor_ids: Sequence[str] = ()
) -> Owner:
    """The owner of a patent to record: a registered institution, one of its schools if named, and inventor
    accounts it registered (an inventor id names a person of one institution only)."""
    if institution is None:
        raise RuleViolation(ReasonCode.UNKNOWN_INSTITUTION, credit_code=credit_code)
    if school_id is not None and school_id not in schools_of(institution.state):
        raise RuleViolation(ReasonCode.UNKNOWN_SCHOOL, school_id=school_id)
    unknown = sorted(set(inventor_ids) - set(inventors_of(institution.state)))
    if unknown:
        raise RuleViolation(ReasonCode.UNKNOWN_INVENTOR, inventor_ids=unknown)
    data = institution.state["institution"]
    return Owner(credit_code=credit_code, name=data["name"], province=data["province"])
