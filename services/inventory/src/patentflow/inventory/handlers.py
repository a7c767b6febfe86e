"""The inventory's use cases, one function each: load, check access, decide with the domain, save.

A handler takes the service's dependencies, the acting caller and the domain's command values; it knows no HTTP.
Routes (``*_api.py``), the importer and tests call the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from patentflow.contracts.events.inventory_enums import ReviewState
from patentflow.inventory import access, domain, institutions
from patentflow.inventory.commands import (
    AddInventor,
    AddSchool,
    ChangeLegalStatus,
    CorrectPatent,
    InventoryRecord,
    RecordPatent,
    RegisterInstitution,
)
from patentflow.inventory.deps import InventoryDeps
from patentflow.kit import usecase
from patentflow.kit.decisions import Aggregate, Decision, Outcome
from patentflow.kit.errors import Forbidden
from patentflow.kit.principal import Principal
from patentflow.kit.usecase import Actor, Rule

Decide = Callable[[Aggregate], Decision]
Step = Callable[..., Decision]  # a domain function: (current, *command, by=…, today=…) -> Decision
NO_PATENT = "no such patent"
NO_INSTITUTION = "no such institution"


async def _on_patent(
    deps: InventoryDeps,
    actor: Actor,
    number: str,
    may_act: Rule,
    step: Step,
    *args: Any,
    may_read: Rule = access.may_read,
) -> Outcome:
    """Run the domain's ``step(current, *args, by=…, today=…)`` on a patent, access checked."""
    today = deps.clock.today()
    return await usecase.run(
        deps.patents,
        number,
        actor,
        may_read=may_read,
        may_act=may_act,
        missing=NO_PATENT,
        decide=lambda current: step(current, *args, by=actor.by, today=today),
    )


async def record_patent(deps: InventoryDeps, actor: Actor, command: RecordPatent) -> Outcome:
    """Record a stock patent of the caller's (registered) institution."""
    if not actor.principal.acts_for_institution(command.owner_credit_code):
        raise Forbidden("you may record patents of your own institution only")
    registered = await deps.registry.get(command.owner_credit_code)
    owner = institutions.owner_of(registered, command.owner_credit_code, command.school_id, command.inventor_ids)
    today = deps.clock.today()
    return await deps.patents.execute(
        command.application_number,
        actor.context,
        lambda current: domain.record_patent(current, command, owner, by=actor.by, today=today),
    )


async def patent(deps: InventoryDeps, principal: Principal, number: str) -> dict[str, Any]:
    """One patent as far as the caller may see it."""
    current = usecase.visible(await deps.patents.get(number), principal, access.may_read, NO_PATENT)
    return domain.public(current.id, current.version, current.state)


async def correct_patent(deps: InventoryDeps, actor: Actor, number: str, command: CorrectPatent) -> Outcome:
    """Correct descriptive fields (the institution's administrator)."""
    return await _on_patent(deps, actor, number, access.may_act_as_institution, domain.correct_patent, command)


async def fill_inventory(deps: InventoryDeps, actor: Actor, number: str, record: InventoryRecord) -> Outcome:
    """Fill in the inventory record (its inventors, or the institution's administrator)."""
    return await _on_patent(deps, actor, number, access.may_fill, domain.fill_inventory, record)


async def submit(deps: InventoryDeps, actor: Actor, number: str) -> Outcome:
    """Submit the record for school review."""
    return await _on_patent(deps, actor, number, access.may_fill, domain.submit)


async def approve_by_school(deps: InventoryDeps, actor: Actor, number: str) -> Outcome:
    """The school's review approves the record."""
    return await _on_patent(deps, actor, number, access.may_review_as_school, domain.approve_by_school)


async def approve_by_institution(deps: InventoryDeps, actor: Actor, number: str) -> Outcome:
    """The institution's review approves the record into the conversion pool."""
    return await _on_patent(deps, actor, number, access.may_act_as_institution, domain.approve_by_institution)


def _may_return(principal: Principal, state: dict[str, Any]) -> bool:
    if state["review_state"] == ReviewState.SUBMITTED.value:
        return access.may_review_as_school(principal, state)
    return access.may_act_as_institution(principal, state)


async def return_record(deps: InventoryDeps, actor: Actor, number: str, reason: str) -> Outcome:
    """The reviewer at the record's stage returns it for revision."""
    return await _on_patent(deps, actor, number, _may_return, domain.return_record, reason)


async def withdraw(deps: InventoryDeps, actor: Actor, number: str, reason: str) -> Outcome:
    """The institution takes the patent out of the pool."""
    return await _on_patent(deps, actor, number, access.may_act_as_institution, domain.withdraw, reason)


async def change_legal_status(deps: InventoryDeps, actor: Actor, number: str, change: ChangeLegalStatus) -> Outcome:
    """Record a legal status from the register (the register's integrator, or the institution itself)."""
    return await _on_patent(
        deps,
        actor,
        number,
        access.may_record_legal_status,
        domain.change_legal_status,
        change,
        may_read=access.may_see_for_the_register,
    )


async def record_justification(deps: InventoryDeps, actor: Actor, number: str, justification: str) -> Outcome:
    """Record why a state-funded patent is not implemented."""
    return await _on_patent(
        deps, actor, number, access.may_act_as_institution, domain.record_justification, justification
    )


async def register_institution(deps: InventoryDeps, actor: Actor, command: RegisterInstitution) -> Outcome:
    """Register an institution (national administrators, or the office of its province)."""
    if not access.may_register_institution(actor.principal, command.province):
        raise Forbidden("national administrators or the province's office register")
    return await deps.registry.execute(
        command.credit_code, actor.context, lambda current: institutions.register(current, command, by=actor.by)
    )


async def institution(deps: InventoryDeps, principal: Principal, code: str) -> dict[str, Any]:
    """One institution with its schools and inventors, as far as the caller may see it."""
    current = usecase.visible(await deps.registry.get(code), principal, access.may_see_institution, NO_INSTITUTION)
    return institutions.public(current.id, current.version, current.state)


async def _on_institution(deps: InventoryDeps, actor: Actor, code: str, decide: Decide) -> Outcome:
    def manages(principal: Principal, state: dict[str, Any]) -> bool:
        return principal.acts_for_institution(state["institution"]["credit_code"])

    return await usecase.run(
        deps.registry,
        code,
        actor,
        may_read=access.may_see_institution,
        may_act=manages,
        decide=decide,
        missing=NO_INSTITUTION,
        refused="the institution's administrator manages it",
    )


async def add_school(deps: InventoryDeps, actor: Actor, code: str, command: AddSchool) -> Outcome:
    """Add a school to an institution (its administrator)."""
    return await _on_institution(deps, actor, code, lambda cur: institutions.add_school(cur, command, by=actor.by))


async def add_inventor(deps: InventoryDeps, actor: Actor, code: str, command: AddInventor) -> Outcome:
    """Add an inventor account to an institution (its administrator)."""
    return await _on_institution(deps, actor, code, lambda cur: institutions.add_inventor(cur, command, by=actor.by))
