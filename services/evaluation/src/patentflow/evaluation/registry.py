"""Rules of the enterprise registry and the expert library; no I/O.

An enterprise aggregate (``_id`` its credit code) holds ``{profile}``; an expert aggregate (``_id`` its id) holds the
expert's fields, declared conflicts and availability. Both are read by id when a patent's evaluation is decided.
"""

from __future__ import annotations

from typing import Any

from patentflow.contracts.events.evaluation import (
    EnterpriseProfile,
    EnterpriseProfileUpdated,
    EnterpriseRegistered,
    ExpertRegistered,
    ExpertUpdated,
)
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.decisions import Aggregate, Decision
from patentflow.kit.errors import RuleViolation


def enterprise_answer(code: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    """The answer about one enterprise."""
    return {"credit_code": code, "version": version, **state["profile"]}


def register_enterprise(current: Aggregate | None, code: str, profile: EnterpriseProfile, *, by: str) -> Decision:
    """Register an enterprise once."""
    if current is not None:
        raise RuleViolation(ReasonCode.ENTERPRISE_ALREADY_REGISTERED, credit_code=code)
    event = EnterpriseRegistered(credit_code=code, profile=profile, registered_by=by)
    state = {"profile": profile.model_dump(mode="json")}
    return Decision(state, [event], enterprise_answer(code, 1, state))


def update_enterprise(current: Aggregate, profile: EnterpriseProfile, *, by: str) -> Decision:
    """Replace the profile; the province stays (an enterprise moving province registers anew with its office)."""
    if profile.province != current.state["profile"]["province"]:
        raise RuleViolation(ReasonCode.ENTERPRISE_OF_ANOTHER_PROVINCE, province=profile.province)
    state = {"profile": profile.model_dump(mode="json")}
    if state == current.state:
        return Decision(current.state, [], enterprise_answer(current.id, current.version, current.state))
    event = EnterpriseProfileUpdated(credit_code=current.id, profile=profile, updated_by=by)
    return Decision(state, [event], enterprise_answer(current.id, current.version + 1, state))


def expert_answer(expert_id: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    """The answer about one expert."""
    return {"expert_id": expert_id, "version": version, **state}


def register_expert(current: Aggregate | None, event: ExpertRegistered) -> Decision:
    """Add an expert to the library once."""
    if current is not None:
        raise RuleViolation(ReasonCode.EXPERT_ALREADY_REGISTERED, expert_id=event.expert_id)
    state = event.model_dump(mode="json", exclude={"expert_id", "registered_by"})
    return Decision(state, [event], expert_answer(event.expert_id, 1, state))


def update_expert(current: Aggregate, conflicts: tuple[str, ...], available: bool, *, by: str) -> Decision:
    """Replace the declared conflicts and the availability."""
    state = {**current.state, "conflicts": sorted(set(conflicts)), "available": available}
    if state == current.state:
        return Decision(current.state, [], expert_answer(current.id, current.version, current.state))
    event = ExpertUpdated(expert_id=current.id, conflicts=tuple(state["conflicts"]), available=available, updated_by=by)
    return Decision(state, [event], expert_answer(current.id, current.version + 1, state))
