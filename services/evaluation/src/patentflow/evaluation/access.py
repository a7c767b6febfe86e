"""Who may do what in evaluation (docs/domain.md, "Who uses it"); answers are yes or no, no I/O."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.access import Role
from patentflow.kit.principal import ALL_OF_THEM, Principal


def may_register_enterprise(principal: Principal, code: str, province: str) -> bool:
    """The enterprise itself (self-service), its province's office, or a national administrator."""
    return (
        principal.role is Role.NATIONAL_ADMIN
        or (principal.role is Role.ENTERPRISE and principal.scope.enterprise == code)
        or (principal.role is Role.PROVINCE_OFFICE and principal.scope.province == province)
    )


def may_read_enterprise(principal: Principal, state: dict[str, Any], code: str) -> bool:
    """The enterprise itself, its province's office, the platform's administrators."""
    return principal.role in ALL_OF_THEM or may_register_enterprise(principal, code, state["profile"]["province"])


def may_register_expert(principal: Principal, province: str) -> bool:
    """A province office recommends experts of its province; national administrators any."""
    return principal.role is Role.NATIONAL_ADMIN or (
        principal.role is Role.PROVINCE_OFFICE and principal.scope.province == province
    )


def may_read_expert(principal: Principal, state: dict[str, Any], expert_id: str) -> bool:
    """The library is shared nationally among the offices; an expert sees itself."""
    return principal.role in ALL_OF_THEM | {Role.PROVINCE_OFFICE} or is_expert(principal, expert_id)


def may_update_expert(principal: Principal, state: dict[str, Any], expert_id: str) -> bool:
    """The expert (its conflicts and availability are its own declaration), its office, national administrators."""
    return is_expert(principal, expert_id) or may_register_expert(principal, state["province"])


def is_expert(principal: Principal, expert_id: str) -> bool:
    """The expert's own account."""
    return principal.role is Role.EXPERT and principal.scope.person == expert_id


def may_assign(principal: Principal) -> bool:
    """Provincial offices organise evaluations (001 §二(二)1); national administrators may too."""
    return principal.role in (Role.NATIONAL_ADMIN, Role.PROVINCE_OFFICE)


def office_province(principal: Principal) -> str | None:
    """The province a provincial office's assignments are limited to (None: any)."""
    return principal.scope.province if principal.role is Role.PROVINCE_OFFICE else None


def acts_for_enterprise(principal: Principal, code: str) -> bool:
    """An enterprise acts for itself only."""
    return principal.role is Role.ENTERPRISE and principal.scope.enterprise == code


def may_read_feedback(principal: Principal, institution: str) -> bool:
    """The patent's institution (001 §二(四)) and the platform's administrators; nobody else learns it exists."""
    return principal.role in ALL_OF_THEM or (
        principal.role is Role.INSTITUTION_ADMIN and principal.scope.institution == institution
    )


def may_read_evaluation(principal: Principal, institution: str, province: str) -> bool:
    """The whole evaluation of a patent: its institution, its province's office, the administrators."""
    return principal.may_see(institution=institution, province=province)


def may_record_family(principal: Principal, institution: str) -> bool:
    """The institution, the integrator that brings family data, national administrators."""
    return principal.role is Role.INTEGRATOR or principal.acts_for_institution(institution)


def may_assess(principal: Principal, institution: str, province: str) -> bool:
    """Those who read the whole evaluation, and valuers and banks for their scenarios (finance, reporting)."""
    return may_read_evaluation(principal, institution, province) or principal.role in (Role.VALUER, Role.BANK)


def may_file_base(principal: Principal, province: str) -> bool:
    """The province's office files (after its assessment) and rates its bases; national administrators too."""
    return may_register_expert(principal, province)


def hosts_base(principal: Principal, state: dict[str, Any]) -> bool:
    """The host's accounts act for the base: an institution's administrator or an enterprise, by credit code."""
    host = state["host_credit_code"]
    return (principal.role is Role.INSTITUTION_ADMIN and principal.scope.institution == host) or (
        principal.role is Role.ENTERPRISE and principal.scope.enterprise == host
    )


def may_read_base(principal: Principal, state: dict[str, Any]) -> bool:
    """Bases are public programme facts to the administrators and offices; the host sees its own."""
    return principal.role in ALL_OF_THEM | {Role.PROVINCE_OFFICE, Role.MINISTRY} or hosts_base(principal, state)


def may_report_for_base(principal: Principal, state: dict[str, Any]) -> bool:
    """The host submits the self-evaluation and publishes results; its office may stand in."""
    return hosts_base(principal, state) or may_file_base(principal, state["province"])


def may_rate_base(principal: Principal, state: dict[str, Any]) -> bool:
    """The province's office rates and accepts rectifications."""
    return may_file_base(principal, state["province"])
