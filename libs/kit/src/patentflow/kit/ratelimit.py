"""Limits of read APIs: a token bucket per bearer token (429 with ``Retry-After`` when empty), and a service too busy
to take more work (503 with ``Retry-After``)."""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many requests for this token; retry after the seconds in Retry-After",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}


class RateLimited(Exception):
    """The caller's bucket is empty."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limit exceeded; retry after {retry_after:.2f} s")
        self.retry_after = retry_after


BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The service has more work waiting than it takes on; retry after the seconds in Retry-After",
        "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
}


class TokenBuckets:
    """``rate`` requests per second per key with bursts of ``burst``; at most ``keys`` buckets kept (LRU)."""

    def __init__(self, rate: float, burst: int, *, keys: int = 100_000, now: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.rate, self.burst, self.keys, self.now = rate, burst, keys, now
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0 if allowed, else the seconds until one is available."""
        now = self.now()
        tokens, since = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > self.keys:
            self._buckets.popitem(last=False)
        return wait


def limited_by(buckets: Callable[[Request], TokenBuckets | None]) -> Any:
    """A route dependency charging each request to its bearer token (hashed; the token itself is not kept)."""

    async def charge(request: Request) -> None:
        found = buckets(request)
        if found is None:
            return
        token = request.headers.get("authorization", "")
        wait = found.take(hashlib.blake2b(token.encode(), digest_size=16).hexdigest())
        if wait > 0:
            raise RateLimited(wait)

    return Depends(charge)


SHED = Counter("patentflow_requests_shed_total", "Requests answered 503 at once because too many were under way")


class InFlight:
    """At most ``limit`` requests under ``paths`` under way at once; one more is shed at once (503) rather than queued.

    A process whose requests queue takes longer over each, and starves what else it runs (the projection's consumer
    shares its event loop and cores): a quick 503 with ``Retry-After`` lets a caller come back when it has caught up.
    """

    def __init__(self, limit: int, paths: Sequence[str], retry_after: float = 1.0) -> None:
        if limit < 1:
            raise ValueError("an in-flight limit needs at least 1")
        self.limit, self.paths, self.retry_after = limit, tuple(paths), retry_after
        self.current = 0
        self.shed = 0

    def covers(self, path: str) -> bool:
        """Whether requests to ``path`` are counted."""
        return any(path == p or path.startswith(p + "/") for p in self.paths)


class SheddingGate:
    """Pure ASGI, inside authentication and before routing: a request beyond the limit costs neither the route's
    dependencies nor its parameters' validation (about two thirds of a read's 1.5 ms of CPU), only its 503."""

    def __init__(self, app: ASGIApp, gate: InFlight) -> None:
        self.app, self.gate = app, gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request while it runs, or shed it."""
        gate = self.gate
        if scope["type"] != "http" or not gate.covers(scope["path"]):
            await self.app(scope, receive, send)
            return
        if gate.current >= gate.limit:  # one event loop: the count needs no lock
            gate.shed += 1
            SHED.inc()
            busy = busy_response(f"{gate.current} requests are under way; try again shortly", gate.retry_after)
            await busy(scope, receive, send)
            return
        gate.current += 1
        try:
            await self.app(scope, receive, send)
        finally:
            gate.current -= 1


def too_many_response(exc: RateLimited) -> JSONResponse:
    """The 429 answer: Retry-After in whole seconds (at least 1), the exact wait in the body."""
    return JSONResponse(
        {"detail": str(exc), "retry_after_seconds": round(exc.retry_after, 3)},
        status_code=429,
        headers={"Retry-After": str(max(1, math.ceil(exc.retry_after)))},
    )


def busy_response(detail: str, retry_after: float) -> JSONResponse:
    """The 503 answer: Retry-After in whole seconds (at least 1)."""
    return JSONResponse(
        {"detail": detail, "retry_after_seconds": round(retry_after, 3)},
        status_code=503,
        headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
    )
