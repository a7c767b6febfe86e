"""Operator endpoints: inspect dead letters and replay a parked aggregate."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Query, Request

from patentflow.contracts.access import Role
from patentflow.kit.auth import require_roles
from patentflow.kit.routing import FORBIDDEN, NOT_FOUND, ServiceRouter

router = ServiceRouter(
    prefix="/admin", tags=["operations"], dependencies=[require_roles(Role.OPERATOR, Role.NATIONAL_ADMIN)]
)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in {"_id", "value", "headers", "key"}}
    out["id"] = doc["_id"]
    out["at"] = doc["at"].isoformat() if "at" in doc else None
    return out


@router.get("/dead-letters", summary="Dead letters of this service's consumers, newest first", responses=FORBIDDEN)
async def list_dead_letters(
    request: Request, group: str | None = None, status: str | None = Query(None, pattern="^(failed|parked|replayed)$")
) -> list[dict[str, Any]]:
    docs = await request.app.state.runtime.dead_letters.list(group, status)
    return [_public(d) for d in docs]


@router.post(
    "/dead-letters/replay",
    summary="Replay the failed and parked events of one aggregate, in order",
    responses=NOT_FOUND,
)
async def replay(request: Request, group: str, subject: str) -> dict[str, Any]:
    consumer = request.app.state.runtime.consumer(group)
    if consumer is None:
        raise HTTPException(404, f"no consumer group {group!r} in this service")
    report = await consumer.replay(subject)
    return {
        "subject": report.subject,
        "replayed": report.replayed,
        "remaining": report.remaining,
        "error": report.error,
    }
