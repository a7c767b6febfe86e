"""HTTP commands and queries of the inventory service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from patentflow.contracts.identifiers import normalize_application_number
from patentflow.inventory import domain
from patentflow.inventory.models import PatentCreate, PatentPublic, PatentUpdate
from patentflow.kit.aggregates import Aggregate, AggregateStore, Decision, Outcome
from patentflow.kit.auth import CurrentPrincipal, Principal
from patentflow.kit.errors import NotFound
from patentflow.kit.http import command_context

router = APIRouter(prefix="/patents", tags=["patents"])
IDEMPOTENCY_DOC = "Repeat a command safely: the same key and body return the first answer and change nothing."


def patents(request: Request) -> AggregateStore:
    store: AggregateStore = request.app.state.runtime.services["patents"]
    return store


Patents = Annotated[AggregateStore, Depends(patents)]


def application_number(number: Annotated[str, Path(description="Application number, e.g. 201310699744.2")]) -> str:
    try:
        return normalize_application_number(number)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "number"], "msg": str(exc), "type": "value_error"}]) from exc


Number = Annotated[str, Depends(application_number)]


def _answer(outcome: Outcome, response: Response) -> dict[str, Any]:
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.response


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PatentPublic,
             summary="Record a stock patent", description=IDEMPOTENCY_DOC,
             responses={409: {"description": "Already recorded, or Idempotency-Key reused"}})  # fmt: skip
async def record_patent(
    body: PatentCreate, request: Request, response: Response, principal: CurrentPrincipal, store: Patents
) -> dict[str, Any]:
    if not principal.acts_for_institution(body.owner.credit_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may record patents of your own institution only")
    ctx = command_context(request, principal, body.model_dump(mode="json"))
    outcome = await store.execute(
        body.application_number, ctx, lambda current: domain.record_patent(current, body, by=principal.sub)
    )
    return _answer(outcome, response)


@router.get("/{number}", response_model=PatentPublic, summary="A recorded patent of your institution")
async def get_patent(number: Number, principal: CurrentPrincipal, store: Patents) -> dict[str, Any]:
    current = _visible(await store.get(number), principal)
    return {"application_number": current.id, "version": current.version, "record": current.state}


@router.patch(
    "/{number}", response_model=PatentPublic, summary="Correct descriptive fields", description=IDEMPOTENCY_DOC
)
async def correct_patent(
    number: Number,
    body: PatentUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    store: Patents,
) -> dict[str, Any]:
    current = _visible(await store.get(number), principal)
    if not principal.acts_for_institution(current.state["owner"]["credit_code"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may read this record but not change it")
    ctx = command_context(request, principal, body.model_dump(mode="json", exclude_unset=True))

    def decide(latest: Aggregate | None) -> Decision:
        return domain.correct_patent(_visible(latest, principal), body, by=principal.sub)

    return _answer(await store.execute(number, ctx, decide), response)


def _visible(current: Aggregate | None, principal: Principal) -> Aggregate:
    # Records another body may not see answer exactly like records that do not exist.
    if current is None or not principal.may_see(
        institution=current.state["owner"]["credit_code"], province=current.state["owner"]["province"]
    ):
        raise NotFound("no such patent")
    return current
