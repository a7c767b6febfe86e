"""HTTP commands and queries of the institution registry, and the coverage denominators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from patentflow.contracts.access import Role
from patentflow.contracts.identifiers import normalize_credit_code
from patentflow.inventory import access, institutions
from patentflow.inventory.api import Patents, Registry, _answer
from patentflow.inventory.coverage import coverage_rows
from patentflow.inventory.models import InstitutionCreate, InventorCreate, SchoolCreate
from patentflow.kit.aggregates import Aggregate
from patentflow.kit.auth import CurrentPrincipal, Principal
from patentflow.kit.errors import NotFound
from patentflow.kit.http import command_context

router = APIRouter(tags=["institutions"])


def credit_code(code: str) -> str:
    try:
        return normalize_credit_code(code)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "code"], "msg": str(exc), "type": "value_error"}]) from exc


Code = Annotated[str, Depends(credit_code)]


def _may_see_institution(principal: Principal, data: dict[str, Any]) -> bool:
    return principal.may_see(institution=data["credit_code"], province=data["province"]) or (
        principal.role is Role.MINISTRY and principal.scope.ministry is not None
        and principal.scope.ministry == data.get("ministry")
    )  # fmt: skip


def _visible(current: Aggregate | None, principal: Principal) -> Aggregate:
    if current is None or not _may_see_institution(principal, current.state["institution"]):
        raise NotFound("no such institution")
    return current


@router.post("/institutions", status_code=status.HTTP_201_CREATED, summary="Register an institution")
async def register(body: InstitutionCreate, request: Request, response: Response, principal: CurrentPrincipal,
                   store: Registry) -> dict[str, Any]:  # fmt: skip
    if not access.may_register_institution(principal, body.province):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "national administrators or the province's office register")
    ctx = command_context(request, principal, body.model_dump(mode="json"))
    outcome = await store.execute(body.credit_code, ctx,
                                  lambda current: institutions.register(current, body, by=principal.sub))  # fmt: skip
    return _answer(outcome, response)


@router.get("/institutions/{code}", summary="An institution with its schools and inventors")
async def get_institution(code: Code, principal: CurrentPrincipal, store: Registry) -> dict[str, Any]:
    current = _visible(await store.get(code), principal)
    return institutions.public(current.id, current.version, current.state)


async def _manage(request: Request, response: Response, principal: Principal, store: Any, code: str, payload: Any,
                  decide: Any) -> dict[str, Any]:  # fmt: skip
    current = _visible(await store.get(code), principal)
    if not principal.acts_for_institution(current.id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the institution's administrator manages it")
    ctx = command_context(request, principal, payload)
    return _answer(await store.execute(code, ctx, lambda latest: decide(_visible(latest, principal))), response)


@router.post("/institutions/{code}/schools", status_code=status.HTTP_201_CREATED, summary="Add a school")
async def add_school(code: Code, body: SchoolCreate, request: Request, response: Response,
                     principal: CurrentPrincipal, store: Registry) -> dict[str, Any]:  # fmt: skip
    return await _manage(request, response, principal, store, code, body.model_dump(),
                         lambda cur: institutions.add_school(cur, body, by=principal.sub))  # fmt: skip


@router.post("/institutions/{code}/inventors", status_code=status.HTTP_201_CREATED, summary="Add an inventor account")
async def add_inventor(code: Code, body: InventorCreate, request: Request, response: Response,
                       principal: CurrentPrincipal, store: Registry) -> dict[str, Any]:  # fmt: skip
    return await _manage(request, response, principal, store, code, body.model_dump(),
                         lambda cur: institutions.add_inventor(cur, body, by=principal.sub))  # fmt: skip


@router.get("/coverage", summary="Coverage denominators: valid stock patents, inventoried and pooled, per institution")
async def coverage(principal: CurrentPrincipal, store: Registry, patents: Patents) -> dict[str, Any]:
    rows = await coverage_rows(store, patents)
    visible = [r for r in rows if _may_see_institution(principal, r)]
    provinces: dict[str, dict[str, int]] = {}
    for row in visible:
        totals = provinces.setdefault(row["province"], {"stock_valid": 0, "inventoried": 0, "pooled": 0})
        for key in totals:
            totals[key] += row[key]
    return {"institutions": visible, "provinces": [{"province": p, **t} for p, t in sorted(provinces.items())]}
