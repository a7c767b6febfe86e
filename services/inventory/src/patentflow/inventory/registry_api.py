"""HTTP commands and queries of the institution registry, and the coverage denominators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, status

from patentflow.contracts.identifiers import normalize_credit_code
from patentflow.inventory import access, handlers
from patentflow.inventory.coverage import coverage_rows
from patentflow.inventory.deps import Deps
from patentflow.inventory.models import InstitutionCreate, InventorCreate, SchoolCreate
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import CREDIT_CODE_PATTERN, ServiceRouter

router = ServiceRouter(tags=["institutions"])
Answer = dict[str, Any]


def credit_code(
    code: Annotated[
        str,
        Path(
            description="Unified social credit code with its check character, e.g. 12100000400000624D",
            examples=["12100000400000624D"],
            json_schema_extra={"pattern": CREDIT_CODE_PATTERN},
        ),
    ],
) -> str:
    try:
        return normalize_credit_code(code)
    except ValueError as exc:
        raise HTTPException(422, [{"loc": ["path", "code"], "msg": str(exc), "type": "value_error"}]) from exc


Code = Annotated[str, Depends(credit_code)]


@router.post("/institutions", status_code=status.HTTP_201_CREATED, summary="Register an institution")
async def register(body: InstitutionCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.register_institution(deps, call.actor(body), body.command()))


@router.get("/institutions/{code}", summary="An institution with its schools and inventors")
async def get_institution(code: Code, principal: CurrentPrincipal, deps: Deps) -> Answer:
    return await handlers.institution(deps, principal, code)


@router.post("/institutions/{code}/schools", status_code=status.HTTP_201_CREATED, summary="Add a school")
async def add_school(code: Code, body: SchoolCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.add_school(deps, call.actor(body), code, body.command()))


@router.post("/institutions/{code}/inventors", status_code=status.HTTP_201_CREATED, summary="Add an inventor account")
async def add_inventor(code: Code, body: InventorCreate, call: CommandCall, deps: Deps) -> Answer:
    return call.answer(await handlers.add_inventor(deps, call.actor(body), code, body.command()))


@router.get("/coverage", summary="Coverage denominators: valid stock patents, inventoried and pooled, per institution")
async def coverage(principal: CurrentPrincipal, deps: Deps) -> Answer:
    rows = await coverage_rows(deps.registry, deps.patents)
    visible = [r for r in rows if access.sees_institution(principal, r)]
    provinces: dict[str, dict[str, int]] = {}
    for row in visible:
        totals = provinces.setdefault(row["province"], {"stock_valid": 0, "inventoried": 0, "pooled": 0})
        for key in totals:
            totals[key] += row[key]
    return {"institutions": visible, "provinces": [{"province": p, **t} for p, t in sorted(provinces.items())]}
