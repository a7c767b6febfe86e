"""Who may do what with the inventory's records (docs/domain.md, "Who uses it"); answers are yes or no, no I/O."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.access import Role
from patentflow.kit.principal import Principal


def reads_everything(principal: Principal) -> bool:
    """National administrators and operators see every record (docs/domain.md §2)."""
    return principal.role in (Role.NATIONAL_ADMIN, Role.OPERATOR)


def may_register_institution(principal: Principal, province: str) -> bool:
    """National administrators, and a province office for its own province."""
    return principal.role is Role.NATIONAL_ADMIN or (
        principal.role is Role.PROVINCE_OFFICE and principal.scope.province == province
    )


def _owner(state: dict[str, Any]) -> str:
    return str(state["patent"]["owner"]["credit_code"])


def is_inventor_of(principal: Principal, state: dict[str, Any]) -> bool:
    """An inventor named on the patent, of the patent's institution: inventor ids are unique only within one."""
    return (
        principal.role is Role.INVENTOR
        and principal.scope.institution == _owner(state)
        and principal.scope.person in state["patent"].get("inventor_ids", [])
    )


def is_school_reviewer_of(principal: Principal, state: dict[str, Any]) -> bool:
    """A reviewer of the patent's school in its institution."""
    return (
        principal.role is Role.SCHOOL_REVIEWER
        and principal.scope.institution == _owner(state)
        and state["patent"].get("school_id") is not None
        and principal.scope.school == state["patent"]["school_id"]
    )


def may_read(principal: Principal, state: dict[str, Any]) -> bool:
    """Its institution, its province's office and the platform's administrators, its inventors and its school's
    reviewers. Ministries follow their institutions through the registry and coverage, not patent by patent."""
    owner = state["patent"]["owner"]
    return (
        principal.may_see(institution=owner["credit_code"], province=owner["province"])
        or is_inventor_of(principal, state)
        or is_school_reviewer_of(principal, state)
    )


def may_fill(principal: Principal, state: dict[str, Any]) -> bool:
    """Inventors fill their own patents; administrators any of their institution's."""
    return principal.acts_for_institution(_owner(state)) or is_inventor_of(principal, state)


def may_review_as_school(principal: Principal, state: dict[str, Any]) -> bool:
    """The school's reviewer; the institution's administrator may always stand in (and must, where no school
    is named)."""
    return is_school_reviewer_of(principal, state) or principal.acts_for_institution(_owner(state))


def may_act_as_institution(principal: Principal, state: dict[str, Any]) -> bool:
    """The institution's administrator (or a national administrator)."""
    return principal.acts_for_institution(_owner(state))


def may_see_for_the_register(principal: Principal, state: dict[str, Any]) -> bool:
    """Those who may read the patent, and the register's integrator, which records legal status for any patent."""
    return principal.role is Role.INTEGRATOR or may_read(principal, state)


def may_record_legal_status(principal: Principal, state: dict[str, Any]) -> bool:
    """The register's data arrives from the national platform (an integrator) or the institution itself."""
    return principal.role is Role.INTEGRATOR or principal.acts_for_institution(_owner(state))


def sees_institution(principal: Principal, data: dict[str, Any]) -> bool:
    """May see an institution's registry data: itself, its province, its ministry."""
    return principal.may_see(institution=data["credit_code"], province=data["province"]) or (
        principal.role is Role.MINISTRY
        and principal.scope.ministry is not None
        and principal.scope.ministry == data.get("ministry")
    )


def may_see_institution(principal: Principal, state: dict[str, Any]) -> bool:
    """May see an institution aggregate."""
    return sees_institution(principal, state["institution"])
