"""Who may do what in matching (docs/domain.md, "Who uses it"); answers are yes or no, no I/O."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.access import Role
from patentflow.kit.principal import ALL_OF_THEM, Principal


def may_publish(principal: Principal, enterprise: str, province: str) -> bool:
    """The enterprise for itself, its province's office for an enterprise of the province (demands it collected
    offline, seed 001 §二(二)), a national administrator."""
    return (
        principal.role is Role.NATIONAL_ADMIN
        or (principal.role is Role.ENTERPRISE and principal.scope.enterprise == enterprise)
        or (principal.role is Role.PROVINCE_OFFICE and principal.scope.province == province)
    )


def may_read_demand(principal: Principal, state: dict[str, Any]) -> bool:
    """A demand and its matches: its enterprise, its province's office, the platform's administrators."""
    return principal.role in ALL_OF_THEM or may_publish(principal, state["enterprise"], state["province"])


def may_end_demand(principal: Principal, state: dict[str, Any]) -> bool:
    """Whoever may publish it may close or withdraw it."""
    return may_publish(principal, state["enterprise"], state["province"])


def may_read_patent_matches(principal: Principal, institution: str | None, province: str | None) -> bool:
    """A patent's matches: its institution, its province's office, the administrators."""
    return principal.may_see(institution=institution, province=province)


def acts_for_enterprise(principal: Principal, code: str) -> bool:
    """An enterprise acts for itself only."""
    return principal.role is Role.ENTERPRISE and principal.scope.enterprise == code


def may_organise(principal: Principal, province: str) -> bool:
    """Provincial offices organise matchmaking sessions in their province; national administrators anywhere."""
    return principal.role is Role.NATIONAL_ADMIN or (
        principal.role is Role.PROVINCE_OFFICE and principal.scope.province == province
    )
