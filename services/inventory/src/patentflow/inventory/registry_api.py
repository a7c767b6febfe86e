"""HTTP commands and queries of the institution registry."""

from __future__ import annotations

from typing import Any

from fastapi import status

from patentflow.inventory import handlers
from patentflow.inventory.deps import Deps
from patentflow.inventory.models import InstitutionCreate, InventorCreate, SchoolCreate
from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.http import CommandCall
from patentflow.kit.routing import CodePath, ServiceRouter

router = ServiceRouter(tags=["institutions"])
Answer = dict[str, Any]


Code = CodePath


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
