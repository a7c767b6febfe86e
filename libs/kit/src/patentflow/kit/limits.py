"""Bounds on what a request may bring: bytes of any body (whatever its content type or framing), and JSON that a
store can keep (no lone surrogates, no non-finite numbers, bounded nesting).

:class:`BodyGuard` is pure ASGI, outside everything else: it refuses an oversized body with 413 before reading it
when ``Content-Length`` says so, and as soon as the bytes read pass the limit otherwise (chunked bodies too).
JSON it cannot let through is answered 422 naming where; the authentication gate runs before this, so a caller
without a token learns nothing but 401.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_DEPTH = 32


class _TooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes its limit; an HTTPException so that body parsers which
    catch other errors (FastAPI's JSON reading turns them into 400 or 422) let it through as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body may have at most {limit} bytes")


class BodyGuard:
    """Limits every request body by bytes: ``max_bytes``, or ``upload_max_bytes`` under ``upload_paths``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int, upload_paths: Sequence[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, read and check, or stream with a count."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].startswith(self.upload_paths) if self.upload_paths else False
        limit = self.upload_max_bytes if upload else self.max_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        if upload:
            await self._stream(scope, receive, send, limit)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body.extend(message.get("body", b""))
            if len(body) > limit:
                await _too_large(send, limit)
                return
            more = message.get("more_body", False)
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if body and (content_type == "application/json" or content_type.endswith("+json")):
            problems = json_problems(bytes(body))
            if problems:
                await _answer(send, 422, {"detail": [_safe(p) for p in problems]})
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen, over, answered = 0, False, False

        async def counting() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise _TooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            # Past the limit, whatever the app answers (a parser may have turned the error into a 400 of its
            # own), the caller gets 413.
            nonlocal answered
            if not over:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                answered = True
                await _too_large(send, limit)

        try:
            await self.app(scope, counting, sending)
        except _TooLarge:
            if not answered:
                await _too_large(send, limit)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the client to disconnect, as Starlette expects

    return replayed


async def _answer(send: Send, status_code: int, content: dict[str, Any]) -> None:
    body = json.dumps(content, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send, limit: int) -> None:
    await _answer(send, 413, {"detail": f"the body may have at most {limit} bytes"})


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def json_problems(body: bytes) -> list[dict[str, Any]]:
    """Why a JSON body cannot be stored or answered, each with its location; [] when it can (or is not JSON at
    all: the route's validation says so)."""
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        return [{"loc": ["body"], "msg": "a JSON body must be UTF-8 text", "type": "json_invalid"}]
    except ValueError as exc:
        if "not a number JSON allows" in str(exc):
            return [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
        return []  # malformed JSON: FastAPI answers it with its own 422
    except RecursionError:
        return [{"loc": ["body"], "msg": f"nested more than {MAX_DEPTH} levels", "type": "value_error"}]
    found: list[dict[str, Any]] = []
    _walk(data, ["body"], found, 0)
    return found[:20]


def _walk(value: Any, loc: list[Any], found: list[dict[str, Any]], depth: int) -> None:
    if depth > MAX_DEPTH:
        found.append({"loc": loc, "msg": f"nested more than {MAX_DEPTH} levels", "type": "value_error"})
        return
    if isinstance(value, str):
        if not _encodable(value):
            found.append(
                {"loc": loc, "msg": "text must be valid Unicode (a lone surrogate is not)", "type": "value_error"}
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            found.append({"loc": loc, "msg": "number out of range", "type": "value_error"})
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _encodable(key):
                found.append({"loc": loc, "msg": "a key must be valid Unicode", "type": "value_error"})
                continue
            _walk(item, [*loc, key], found, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*loc, index], found, depth + 1)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe(problem: dict[str, Any]) -> dict[str, Any]:
    loc = [p if isinstance(p, int) else safe_text(str(p), 100) for p in problem["loc"]]
    return {**problem, "loc": loc}


def safe_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters and made encodable (lone surrogates escaped), for answers and logs."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")
