"""HTTP commands and queries about stock patents: master record, inventory record, review, legal status."""

from __future__ import annotations

from typing import Any

from fastapi import status

from patentflow.inventory import handlers
from patentflow.inventory.deps import Deps
from patentflow.inventory.models import (
    InventoryRecordInput,
    Justification,
    LegalStatusInput,
    PatentCreate,
    PatentPublic,
    PatentUpdate,
    Reason,
)
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import NumberPath, ServiceRouter

router = ServiceRouter(prefix="/patents", tags=["patents"])
IDEMPOTENCY_DOC = "Send an Idempotency-Key to repeat safely: the same key and body return the first answer."
Answer = dict[str, Any]


Number = NumberPath


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PatentPublic,
    summary="Record a stock patent",
    description=IDEMPOTENCY_DOC,
    responses={409: {"description": "Already recorded, unknown institution …"}},
)
async def record_patent(body: PatentCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.record_patent(deps, call.actor(body), body.command()))


@router.get("/{number}", response_model=PatentPublic, summary="A recorded patent, as far as you may see it")
async def get_patent(number: Number, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.patent(deps, principal, number)


@router.patch(
    "/{number}", response_model=PatentPublic, summary="Correct descriptive fields", description=IDEMPOTENCY_DOC
)
async def correct_patent(number: Number, body: PatentUpdate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.correct_patent(deps, call.actor(body, only_sent=True), number, body.command()))


@router.put(
    "/{number}/inventory",
    response_model=PatentPublic,
    summary="Fill in the inventory record (盘点建档)",
    description="Inventors fill their own patents, administrators any of their institution's. " + IDEMPOTENCY_DOC,
)
async def fill_inventory(number: Number, body: InventoryRecordInput, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.fill_inventory(deps, call.actor(body), number, body.command()))


@router.post("/{number}/submission", response_model=PatentPublic, summary="Submit for school review")
async def submit(number: Number, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.submit(deps, call.actor(), number))


@router.post("/{number}/school-approval", response_model=PatentPublic, summary="School review: approve")
async def approve_by_school(number: Number, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.approve_by_school(deps, call.actor(), number))


@router.post(
    "/{number}/institution-approval",
    response_model=PatentPublic,
    summary="Institution review: approve into the conversion resource pool",
)
async def approve_by_institution(number: Number, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.approve_by_institution(deps, call.actor(), number))


@router.post("/{number}/return", response_model=PatentPublic, summary="Return the record for revision, with a reason")
async def return_record(number: Number, body: Reason, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.return_record(deps, call.actor(body), number, body.reason))


@router.post("/{number}/withdrawal", response_model=PatentPublic, summary="Withdraw from the conversion pool")
async def withdraw(number: Number, body: Reason, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.withdraw(deps, call.actor(body), number, body.reason))


@router.post("/{number}/legal-status", response_model=PatentPublic, summary="Record a legal status from the register")
async def change_legal_status(number: Number, body: LegalStatusInput, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.change_legal_status(deps, call.actor(body), number, body.command()))


@router.post(
    "/{number}/non-use-justification",
    response_model=PatentPublic,
    summary="Record why a state-funded patent is not implemented (正当理由)",
)
async def record_justification(number: Number, body: Justification, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.record_justification(deps, call.actor(body), number, body.justification))
