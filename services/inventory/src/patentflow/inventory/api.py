"""HTTP commands and queries about stock patents: master record, inventory record, review, legal status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, status

from patentflow.contracts.access import Role
from patentflow.contracts.events.inventory_enums import ReviewState
from patentflow.contracts.identifiers import normalize_application_number
from patentflow.inventory import domain, handlers
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
from patentflow.kit.routing import APPLICATION_NUMBER_PATTERN, ServiceRouter, Skip

router = ServiceRouter(prefix="/patents", tags=["patents"])
IDEMPOTENCY_DOC = "Send an Idempotency-Key to repeat safely: the same key and body return the first answer."
Answer = dict[str, Any]


def application_number(
    number: Annotated[
        str,
        Path(
            description="Application number with its check digit, e.g. 201310699744.2 (ZL/CN prefixes accepted)",
            examples=["201310699744.2"],
            json_schema_extra={"pattern": APPLICATION_NUMBER_PATTERN},
        ),
    ],
) -> str:
    try:
        return normalize_application_number(number)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "number"], "msg": str(exc), "type": "value_error"}]) from exc


Number = Annotated[str, Depends(application_number)]


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


@router.get("", summary="Patents of your institution, by review state or five-year flag")
async def list_patents(
    principal: CurrentPrincipal,
    deps: Deps,
    review_state: ReviewState | None = None,
    non_use_flagged: bool | None = None,
    skip: Skip = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Answer:
    scope = principal.listing_filter(
        institution_field="state.patent.owner.credit_code", province_field="state.patent.owner.province"
    )
    query: dict[str, Any] | None = scope
    if query is None and principal.role is Role.INVENTOR and principal.scope.person and principal.scope.institution:
        query = {
            "state.patent.owner.credit_code": principal.scope.institution,
            "state.patent.inventor_ids": principal.scope.person,
        }
    if query is None and principal.role is Role.SCHOOL_REVIEWER and principal.scope.school:
        query = {
            "state.patent.owner.credit_code": principal.scope.institution,
            "state.patent.school_id": principal.scope.school,
        }
    if query is None:
        return {"total": 0, "items": []}
    if review_state is not None:
        query["state.review_state"] = review_state.value
    if non_use_flagged is not None:
        query["state.non_use_flagged"] = non_use_flagged
    total, docs = await deps.patents.page(query, skip=skip, limit=limit)
    return {"total": total, "items": [domain.public(d.id, d.version, d.state) for d in docs]}


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
