"""Operator endpoints of the inventory: run the daily sweep now."""

from __future__ import annotations

from typing import Any

from patentflow.contracts.access import Role
from patentflow.inventory.deps import Deps
from patentflow.inventory.sweep import sweep
from patentflow.kit.auth import require_roles
from patentflow.kit.routing import ServiceRouter

router = ServiceRouter(
    prefix="/operations", tags=["operations"], dependencies=[require_roles(Role.OPERATOR, Role.NATIONAL_ADMIN)]
)


@router.post("/sweep", summary="Run the daily pass now: expiry and the five-year rule")
async def run_sweep(deps: Deps) -> dict[str, Any]:
    day = deps.clock.today()
    return {"today": day.isoformat(), "changed": await sweep(deps.patents, day)}
