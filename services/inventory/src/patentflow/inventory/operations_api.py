"""Operator endpoints of the inventory: run the daily sweep now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from patentflow.contracts.access import Role
from patentflow.inventory.deps import Deps
from patentflow.inventory.sweep import sweep
from patentflow.kit.auth import require_roles
from patentflow.kit.routing import ServiceRouter

router = ServiceRouter(
    prefix="/operations", tags=["operations"], dependencies=[require_roles(Role.OPERATOR, Role.NATIONAL_ADMIN)]
)


@router.post("/sweep", summary="Run the daily pass now: expiry and the five-year rule")
async def run_sweep(
    deps: Deps,
    every: Annotated[
        bool,
        Query(
            description="Look at every patent, not only those due since the last pass: on the embedded store this "
            "lists the whole collection (minutes at a million patents)"
        ),
    ] = False,
) -> dict[str, Any]:
    done = await sweep(deps.patents, deps.due, deps.clock.today(), every=every)
    return {
        "today": done.today.isoformat(),
        "first_due_day": done.first and done.first.isoformat(),
        "looked_at": done.looked_at,
        "changed": done.changed,
    }
