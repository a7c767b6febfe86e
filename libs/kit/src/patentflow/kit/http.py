"""HTTP plumbing shared by every service: request context, bounded error answers and command contexts."""

from __future__ import annotations

import math
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patentflow.kit.auth import CurrentPrincipal
from patentflow.kit.decisions import CommandContext, Document, Outcome, fingerprint
from patentflow.kit.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from patentflow.kit.limits import safe_text
from patentflow.kit.principal import Principal
from patentflow.kit.ratelimit import RateLimited, too_many_response
from patentflow.kit.usecase import Actor

MAX_ERRORS = 50  # errors listed in one 422 answer
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def new_traceparent(incoming: str | None = None) -> str:
    """Continue the caller's W3C trace with a new span, or start a trace."""
    trace = incoming.split("-")[1] if incoming and _TRACEPARENT.match(incoming) else secrets.token_hex(16)
    return f"00-{trace}-{secrets.token_hex(8)}-01"


class RequestContextMiddleware:
    """Binds request, correlation and trace ids into every log line of a request and echoes them back.

    Pure ASGI: Starlette's ``BaseHTTPMiddleware`` runs every request through a task group and memory streams, a
    cost each of the read API's requests paid (200 a second in the read bench)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the ids, call the route, echo the ids."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = str(uuid.uuid4())
        correlation_id = headers.get("x-correlation-id") or request_id
        state = scope.setdefault("state", {})  # what ``request.state`` reads
        state["request_id"] = request_id
        state["correlation_id"] = correlation_id
        state["traceparent"] = new_traceparent(headers.get("traceparent"))

        async def echo(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                answer["X-Request-ID"] = request_id
                answer["X-Correlation-ID"] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id, correlation_id=correlation_id):
            await self.app(scope, receive, echo)


def install_error_handlers(app: FastAPI) -> None:
    """Rule violations become 409 with a reason code; hidden or missing records 404."""

    async def on_rule(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleViolation)
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": exc.body()})

    async def on_missing(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": str(exc) or "not found"})

    async def on_forbidden(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_403_FORBIDDEN, content={"detail": str(exc) or "forbidden"})

    async def on_invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InvalidInput)
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": exc.detail()})

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": [_bounded(e) for e in exc.errors()[:MAX_ERRORS]]},
        )

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(RuleViolation, on_rule)
    app.add_exception_handler(NotFound, on_missing)
    app.add_exception_handler(Forbidden, on_forbidden)
    app.add_exception_handler(InvalidInput, on_invalid)

    async def on_rate(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RateLimited)
        return too_many_response(exc)

    app.add_exception_handler(RateLimited, on_rate)


def _bounded(error: Any) -> dict[str, Any]:
    # Never echo unbounded input: a 20 MB body must not come back as a 20 MB answer, nor text that cannot be
    # encoded (a lone surrogate) fail the answer itself.
    out: dict[str, Any] = {
        "loc": [p if isinstance(p, int) else safe_text(str(p), 100) for p in error.get("loc", ())],
        "msg": safe_text(str(error.get("msg", "")), 300),
        "type": str(error.get("type", "value_error")),
    }
    value = error.get("input")
    if isinstance(value, str):
        out["input"] = safe_text(value, 100)
    elif isinstance(value, bool | int) or value is None:
        out["input"] = value if not isinstance(value, int) or abs(value) < 1 << 63 else safe_text(str(value), 30)
    elif isinstance(value, float):
        out["input"] = value if math.isfinite(value) else str(value)
    return out


def command_context(request: Request, principal: Principal, payload: Any) -> CommandContext:
    """The context of a command: who, which ids to trace with, and its Idempotency-Key with a fingerprint."""
    key = request.headers.get("idempotency-key")
    if key is not None and not _KEY.match(key):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["header", "Idempotency-Key"], "msg": "1-200 printable ASCII characters", "type": "value_error"}],
        )
    return CommandContext(
        principal=principal.sub,
        command_id=request.state.request_id,
        correlation_id=request.state.correlation_id,
        traceparent=request.state.traceparent,
        idempotency_key=key,
        fingerprint=fingerprint({"path": request.url.path, "method": request.method, "body": payload}),
    )


@dataclass(frozen=True, slots=True)
class Call:
    """What a route knows about the HTTP side of a command: the caller, the request and the response to mark."""

    principal: Principal
    request: Request
    response: Response

    def actor(self, payload: Any = None, *, only_sent: bool = False) -> Actor:
        """The caller and the command's context; ``payload`` (a body model or plain data) is fingerprinted, whole
        or, for a partial update (``only_sent``), only the fields the caller sent: there an absent field and one
        sent as null are different commands. (Fingerprints stored by earlier versions were made the same way.)"""
        if hasattr(payload, "model_dump"):
            payload = payload.model_dump(mode="json", exclude_unset=only_sent)
        return Actor(self.principal, command_context(self.request, self.principal, payload or {}))

    def answer(self, outcome: Outcome) -> Document:
        """The answer of a command; a replay of an earlier identical one says so in ``Idempotent-Replayed``."""
        if outcome.replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return outcome.response


def _call(request: Request, response: Response, principal: CurrentPrincipal) -> Call:
    return Call(principal, request, response)


CommandCall = Annotated[Call, Depends(_call)]
