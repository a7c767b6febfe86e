"""The request-context middleware: ids echoed on every answer, bound into log lines, visible to the route."""

from __future__ import annotations

import httpx
import pytest
import structlog
from fastapi import FastAPI, Request

from patentflow.kit.http import RequestContextMiddleware


def app() -> FastAPI:
    """One route that reports what it saw of the request's context."""
    made = FastAPI()
    made.add_middleware(RequestContextMiddleware)

    @made.get("/seen")
    async def seen(request: Request) -> dict[str, object]:
        return {
            "state": [request.state.request_id, request.state.correlation_id, request.state.traceparent],
            "logged": structlog.contextvars.get_contextvars(),
        }

    return made


@pytest.mark.asyncio
async def test_ids_are_echoed_bound_and_unbound_after() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        trace = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
        answer = await http.get("/seen", headers={"X-Correlation-ID": "corr-1", "traceparent": trace})
    body = answer.json()
    request_id, correlation_id, traceparent = body["state"]
    assert answer.headers["X-Request-ID"] == request_id
    assert answer.headers["X-Correlation-ID"] == correlation_id == "corr-1"
    assert traceparent.startswith("00-" + "a" * 32 + "-")  # the caller's trace ...
    assert traceparent != trace  # ... with a span of its own
    assert body["logged"] == {"request_id": request_id, "correlation_id": "corr-1"}
    assert "request_id" not in structlog.contextvars.get_contextvars()


@pytest.mark.asyncio
async def test_without_a_correlation_id_the_request_id_stands_for_it() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        first = await http.get("/seen")
        second = await http.get("/seen")
    assert first.headers["X-Correlation-ID"] == first.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert first.json()["state"][2].startswith("00-")
