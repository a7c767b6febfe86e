"""Operational endpoints: liveness, readiness (store and broker answer), Prometheus metrics, the AsyncAPI document."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from patentflow.contracts.schema import asyncapi
from patentflow.kit.eventmap import receives_of

router = APIRouter(tags=["operations"])


@router.get("/health/live", summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready", summary="The store and the broker answer, and consumers run")
async def ready(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    checks: dict[str, Any] = {}
    try:
        await asyncio.wait_for(runtime.mongo.admin.command("ping"), 2)
        checks["mongodb"] = "ok"
    except Exception as exc:
        checks["mongodb"] = f"unavailable: {type(exc).__name__}"
    try:
        checks["kafka"] = "ok" if await runtime.broker.ping(timeout=2) else "unavailable"
    except Exception as exc:
        checks["kafka"] = f"unavailable: {type(exc).__name__}"
    checks["started"] = "ok" if runtime.started else "starting"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status_code=200 if healthy else 503
    )


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def prometheus(request: Request) -> Response:
    await request.app.state.runtime.refresh_gauges()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/asyncapi.json",
    summary="AsyncAPI 3.0 document of every topic and event type, with what this service receives",
    description="The platform's document with every service's receive operations is contracts/asyncapi.json.",
)
async def asyncapi_document(request: Request) -> dict[str, Any]:
    return asyncapi(receives_of(request.app.state.runtime.settings.service_name, request.app.state.tables))
