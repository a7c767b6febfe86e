"""HTTP commands and queries about stock patents: master record, inventory record, review, legal status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status

from patentflow.contracts.access import Role
from patentflow.contracts.events.inventory_enums import ReviewState
from patentflow.contracts.identifiers import normalize_application_number
from patentflow.inventory import access, domain, institutions
from patentflow.inventory.models import (
    InventoryRecordInput,
    Justification,
    LegalStatusInput,
    PatentCreate,
    PatentPublic,
    PatentUpdate,
    Reason,
)
from patentflow.kit.aggregates import Aggregate, AggregateStore, Decision, Outcome
from patentflow.kit.auth import CurrentPrincipal, Principal
from patentflow.kit.errors import NotFound
from patentflow.kit.http import command_context

router = APIRouter(prefix="/patents", tags=["patents"])
IDEMPOTENCY_DOC = "Send an Idempotency-Key to repeat safely: the same key and body return the first answer."
Rule = Callable[[Principal, dict[str, Any]], bool]


def patents(request: Request) -> AggregateStore:
    store: AggregateStore = request.app.state.runtime.services["patents"]
    return store


def registry(request: Request) -> AggregateStore:
    store: AggregateStore = request.app.state.runtime.services["institutions"]
    return store


def today(request: Request) -> date:
    clock: Callable[[], date] = request.app.state.runtime.services["clock"]
    return clock()


def application_number(number: Annotated[str, Path(description="Application number, e.g. 201310699744.2")]) -> str:
    try:
        return normalize_application_number(number)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "number"], "msg": str(exc), "type": "value_error"}]) from exc


Patents = Annotated[AggregateStore, Depends(patents)]
Registry = Annotated[AggregateStore, Depends(registry)]
Today = Annotated[date, Depends(today)]
Number = Annotated[str, Depends(application_number)]


def _answer(outcome: Outcome, response: Response) -> dict[str, Any]:
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.response


def _visible(current: Aggregate | None, principal: Principal) -> Aggregate:
    # Records another body may not see answer exactly like records that do not exist.
    if current is None or not access.may_read(principal, current.state):
        raise NotFound("no such patent")
    return current


async def _command(
    request: Request, response: Response, principal: Principal, store: AggregateStore, number: str,
    payload: Any, allowed: Rule, decide: Callable[[Aggregate], Decision],
) -> dict[str, Any]:  # fmt: skip
    """Load, check access (404 if hidden, 403 if visible but not allowed), decide and save atomically."""
    current = _visible(await store.get(number), principal)
    if not allowed(principal, current.state):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may see this record but not do this")
    ctx = command_context(request, principal, payload)
    return _answer(await store.execute(number, ctx, lambda latest: decide(_visible(latest, principal))), response)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PatentPublic, summary="Record a stock patent",
             description=IDEMPOTENCY_DOC, responses={409: {"description": "Already recorded, unknown institution …"}})  # fmt: skip
async def record_patent(body: PatentCreate, request: Request, response: Response, principal: CurrentPrincipal,
                        store: Patents, institutions_store: Registry, day: Today) -> dict[str, Any]:  # fmt: skip
    if not principal.acts_for_institution(body.owner_credit_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may record patents of your own institution only")
    owner = institutions.owner_of(await institutions_store.get(body.owner_credit_code), body.owner_credit_code,
                                  body.school_id)  # fmt: skip
    ctx = command_context(request, principal, body.model_dump(mode="json"))
    outcome = await store.execute(body.application_number, ctx,
                                  lambda current: domain.record_patent(current, body, owner, by=principal.sub, today=day))  # fmt: skip
    return _answer(outcome, response)


@router.get("/{number}", response_model=PatentPublic, summary="A recorded patent, as far as you may see it")
async def get_patent(number: Number, principal: CurrentPrincipal, store: Patents) -> dict[str, Any]:
    current = _visible(await store.get(number), principal)
    return domain.public(current.id, current.version, current.state)


@router.get("", summary="Patents of your institution, by review state or five-year flag")
async def list_patents(
    principal: CurrentPrincipal, store: Patents,
    review_state: ReviewState | None = None, non_use_flagged: bool | None = None,
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:  # fmt: skip
    query: dict[str, Any] | None = principal.listing_filter(institution_field="state.patent.owner.credit_code",
                                     province_field="state.patent.owner.province")  # fmt: skip
    if query is None and principal.role is Role.INVENTOR and principal.scope.person:
        query = {"state.patent.inventor_ids": principal.scope.person}
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
    total, docs = await store.page(query, skip=skip, limit=limit)
    return {"total": total, "items": [domain.public(d.id, d.version, d.state) for d in docs]}


@router.patch(
    "/{number}", response_model=PatentPublic, summary="Correct descriptive fields", description=IDEMPOTENCY_DOC
)
async def correct_patent(number: Number, body: PatentUpdate, request: Request, response: Response,
                         principal: CurrentPrincipal, store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(mode="json", exclude_unset=True),
                          access.may_act_as_institution,
                          lambda cur: domain.correct_patent(cur, body, by=principal.sub, today=day))  # fmt: skip


@router.put("/{number}/inventory", response_model=PatentPublic, summary="Fill in the inventory record (盘点建档)",
            description="Inventors fill their own patents, administrators any of their institution's. " + IDEMPOTENCY_DOC)  # fmt: skip
async def fill_inventory(number: Number, body: InventoryRecordInput, request: Request, response: Response,
                         principal: CurrentPrincipal, store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(mode="json"), access.may_fill,
                          lambda cur: domain.fill_inventory(cur, body, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/submission", response_model=PatentPublic, summary="Submit for school review")
async def submit(number: Number, request: Request, response: Response, principal: CurrentPrincipal, store: Patents,
                 day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, {}, access.may_fill,
                          lambda cur: domain.submit(cur, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/school-approval", response_model=PatentPublic, summary="School review: approve")
async def approve_by_school(number: Number, request: Request, response: Response, principal: CurrentPrincipal,
                            store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, {}, access.may_review_as_school,
                          lambda cur: domain.approve_by_school(cur, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/institution-approval", response_model=PatentPublic,
             summary="Institution review: approve into the conversion resource pool")  # fmt: skip
async def approve_by_institution(number: Number, request: Request, response: Response, principal: CurrentPrincipal,
                                 store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, {}, access.may_act_as_institution,
                          lambda cur: domain.approve_by_institution(cur, by=principal.sub, today=day))  # fmt: skip


def _may_return(principal: Principal, state: dict[str, Any]) -> bool:
    if state["review_state"] == ReviewState.SUBMITTED.value:
        return access.may_review_as_school(principal, state)
    return access.may_act_as_institution(principal, state)


@router.post("/{number}/return", response_model=PatentPublic, summary="Return the record for revision, with a reason")
async def return_record(number: Number, body: Reason, request: Request, response: Response,
                        principal: CurrentPrincipal, store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(), _may_return,
                          lambda cur: domain.return_record(cur, body.reason, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/withdrawal", response_model=PatentPublic, summary="Withdraw from the conversion pool")
async def withdraw(number: Number, body: Reason, request: Request, response: Response, principal: CurrentPrincipal,
                   store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(), access.may_act_as_institution,
                          lambda cur: domain.withdraw(cur, body.reason, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/legal-status", response_model=PatentPublic, summary="Record a legal status from the register")
async def change_legal_status(number: Number, body: LegalStatusInput, request: Request, response: Response,
                              principal: CurrentPrincipal, store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(mode="json"),
                          access.may_record_legal_status,
                          lambda cur: domain.change_legal_status(cur, body, by=principal.sub, today=day))  # fmt: skip


@router.post("/{number}/non-use-justification", response_model=PatentPublic,
             summary="Record why a state-funded patent is not implemented (正当理由)")  # fmt: skip
async def record_justification(number: Number, body: Justification, request: Request, response: Response,
                               principal: CurrentPrincipal, store: Patents, day: Today) -> dict[str, Any]:  # fmt: skip
    return await _command(request, response, principal, store, number, body.model_dump(), access.may_act_as_institution,
                          lambda cur: domain.record_justification(cur, body.justification, by=principal.sub, today=day))  # fmt: skip
