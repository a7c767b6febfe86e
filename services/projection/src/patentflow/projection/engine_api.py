"""Operating the query engine: start a rebuild and follow it (events/s, lag, ETA, differences found)."""

from __future__ import annotations

from typing import Any

from fastapi import status
from fastapi.responses import JSONResponse

from patentflow.contracts.access import Role
from patentflow.kit.auth import require_roles
from patentflow.kit.routing import FORBIDDEN, ServiceRouter
from patentflow.projection.deps import Deps

router = ServiceRouter(
    prefix="/admin/engine",
    tags=["operations"],
    dependencies=[require_roles(Role.OPERATOR, Role.NATIONAL_ADMIN)],
)


@router.post(
    "/rebuild",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Rebuild the query engine from the topics into a fresh file, then swap it in",
    responses={**FORBIDDEN, 409: {"description": "A rebuild is already under way"}},
)
async def start_rebuild(deps: Deps) -> Any:
    if deps.generations.running:
        return JSONResponse(
            {"detail": {"code": "REBUILD_RUNNING", "message": "a rebuild is already under way"},
             "progress": deps.generations.progress.as_dict()},
            status_code=status.HTTP_409_CONFLICT,
        )  # fmt: skip
    return deps.generations.start_rebuild().as_dict()


@router.get("/rebuild", summary="Progress of the last rebuild", responses=FORBIDDEN)
async def rebuild_progress(deps: Deps) -> dict[str, Any]:
    return deps.generations.progress.as_dict()


@router.get("", summary="The serving engine: its file, rows and positions", responses=FORBIDDEN)
async def engine_state(deps: Deps) -> dict[str, Any]:
    engine = deps.engine
    positions = await engine.positions()
    return {
        "file": None if engine.path is None else engine.path.name,
        "ready": engine.ready,
        "rows": await engine.count_events(),
        "positions": [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in sorted(positions.items())],
    }
