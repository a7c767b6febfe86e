"""Hostile input against every endpoint of every service, in process: oversized, chunked, malformed, non-finite,
surrogate, injection and mistyped bodies and parameters. No answer may be a 5xx, hang or grow with the input."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from patentflow.contracts.access import Role
from patentflow.testing.inprocess import MemoryRuntime, auth, running, settings_for

SERVICES = ["inventory", "evaluation", "matching", "transactions", "pledge", "projection"]
LIMIT = 1 << 20  # the default body limit
UPLOAD_LIMIT = 2 << 20  # uploads' limit, lowered for the test (50 MiB by default)
ANSWER_BOUND = 64 << 10  # no answer grows with the input past this
FIXED_DOCUMENTS = ("/asyncapi.json",)  # may outgrow the bound, as the catalogue does, but never vary with the input
TIMEOUT = 10.0
PATHS = {"number": "201310699744.2", "code": "12100000400000624D", "import_id": "0" * 32}
HOSTILE_PATHS = ["..%2F..%2Fetc%2Fpasswd", "%00", "9" * 4000, "%F0%9F%98%80", "$where", "{}"]

BODIES: dict[str, bytes] = {
    "surrogate": b'{"title": "\\ud800x", "reason": "\\udfff", "name": "\\ud83d", "\\ud800": 1}',
    "non-finite": b'{"trl": 1e400, "self_grade": -1e400, "intended_price": NaN, "x": Infinity}',
    "nested": b"[" * 5000 + b"]" * 5000,
    "injection": b'{"application_number": {"$gt": ""}, "title": "\'; DROP TABLE patents;--", '
    b'"reason": {"$where": "sleep(10000)"}, "owner_credit_code": {"$ne": null}}',
    "mistyped-list": b"[1, 2, 3]",
    "mistyped-string": b'"just a string"',
    "mistyped-fields": b'{"title": 12, "trl": "nine", "state_funded": "maybe", "inventors": {"a": 1}}',
    "malformed": b'{"title": "unterminated',
    "big-but-allowed": b'{"title": "' + b"x" * (LIMIT - 100) + b'"}',
}
QUERIES = [
    {"skip": str(2**63)},
    {"skip": "-1", "limit": "0"},
    {"limit": str(10**30)},
    {"review_state": "<script>alert(1)</script>", "non_use_flagged": "perhaps"},
    {"province": "\u0000" * 10, "institution": "x" * 10_000},
    {"group": "../../x", "subject": "\ud800".encode("utf-8", "surrogatepass").decode("latin-1")},
]


def _app(service: str) -> Any:
    settings = settings_for(
        importlib.import_module(f"patentflow.{service}.config").Settings, http_max_upload_bytes=UPLOAD_LIMIT
    )
    return importlib.import_module(f"patentflow.{service}.app").create_app(settings, runtime=MemoryRuntime(settings))


@dataclass
class Target:
    """A service to send hostile input to: in process, or a real process (``tests/e2e``)."""

    http: httpx.AsyncClient
    openapi: dict[str, Any]
    upload_limit: int | None  # None: too large for this run to send (a real service's 50 MiB)


def _routes(target: Target) -> Iterator[tuple[str, str, bool]]:
    """Every documented operation; ``guarded``: it authenticates (documents 401)."""
    for path, operations in target.openapi["paths"].items():
        for method, operation in sorted(operations.items()):
            yield method.upper(), path, "401" in operation.get("responses", {})


def _takes_json(target: Target, method: str, path: str) -> bool:
    operation = target.openapi["paths"][path][method.lower()]
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def test_the_suite_reaches_every_documented_operation() -> None:
    counts = {
        service: len(list(_routes(Target(httpx.AsyncClient(), _app(service).openapi(), None)))) for service in SERVICES
    }
    assert counts["inventory"] >= 20
    assert all(count >= 4 for count in counts.values()), counts  # health, readiness, asyncapi at least


def _url(path: str, value: str | None = None) -> str:
    for name, default in PATHS.items():
        path = path.replace("{" + name + "}", value or default)
    return path


async def _send(target: Target, method: str, url: str, **kwargs: Any) -> httpx.Response:
    started = time.perf_counter()
    response = await asyncio.wait_for(target.http.request(method, url, **kwargs), TIMEOUT)
    assert time.perf_counter() - started < TIMEOUT
    assert response.status_code < 500, f"{method} {url}: {response.status_code} {response.text[:500]}"
    if url.split("?")[0] in FIXED_DOCUMENTS:
        unprovoked = await target.http.get(url.split("?")[0])
        assert response.status_code != 200 or response.content == unprovoked.content, f"{method} {url} varies"
    else:
        assert len(response.content) < ANSWER_BOUND, f"{method} {url}: an answer of {len(response.content)} bytes"
    return response


@pytest.fixture(params=SERVICES)
async def service(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    app = _app(request.param)
    async with running(app) as running_service:
        yield Target(running_service.http, app.openapi(), UPLOAD_LIMIT)


ADMIN = auth(Role.NATIONAL_ADMIN)
JSON = {**ADMIN, "Content-Type": "application/json"}


async def test_every_body_over_the_limit_is_refused_with_413_however_it_is_framed(service: Target) -> None:
    await every_body_over_the_limit_is_refused(service)


async def every_body_over_the_limit_is_refused(service: Target) -> None:
    """Each operation that takes a body, sent one over its limit: 413, framed with a length or chunked."""
    for method, path, _ in _routes(service):
        if method == "GET":
            continue
        if path.startswith("/imports"):
            if service.upload_limit is None:
                continue
            part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
            too_big = part + b"x" * service.upload_limit + b"\r\n--x--\r\n"
        else:
            too_big = b'{"title": "' + b"x" * LIMIT + b'"}'
        await _refused_as_too_large(service, method, _url(path), too_big)


async def _refused_as_too_large(service: Target, method: str, url: str, too_big: bytes) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(too_big), 64 << 10):
            yield too_big[start : start + (64 << 10)]

    for headers in (JSON, {**ADMIN, "Content-Type": "text/plain"}, {**ADMIN, "Content-Type": "application/x+json"}):
        assert (await _send(service, method, url, content=too_big, headers=headers)).status_code == 413
    # a form route reads a body only if it is a form: stream one, of unknown length, past the limit
    stream = {
        **ADMIN,
        "Content-Type": "multipart/form-data; boundary=x" if url.startswith("/imports") else "application/json",
    }
    assert (await _send(service, method, url, content=chunks(), headers=stream)).status_code == 413


async def test_hostile_bodies_get_a_bounded_4xx_naming_what_is_wrong(service: Target) -> None:
    await hostile_bodies_get_a_bounded_4xx(service)


async def hostile_bodies_get_a_bounded_4xx(service: Target) -> None:
    """Every hostile body to every operation: never 5xx, never unbounded; unstorable JSON 422 where JSON is read."""
    for method, path, _ in _routes(service):
        for kind, body in BODIES.items():
            answer = await _send(service, method, _url(path), content=body, headers=JSON)
            if _takes_json(service, method, path) and kind in ("surrogate", "non-finite", "nested"):
                assert answer.status_code == 422, (method, path, kind, answer.text[:300])
                assert answer.json()["detail"][0]["loc"][0] == "body"


async def test_hostile_path_and_query_parameters_never_fail_the_service(service: Target) -> None:
    await hostile_parameters_never_fail(service)


async def hostile_parameters_never_fail(service: Target) -> None:
    """Hostile path values and query strings to every operation: never 5xx, never unbounded."""
    for method, path, _ in _routes(service):
        values = HOSTILE_PATHS if "{" in path else [None]
        for value in values:
            for query in QUERIES:
                await _send(service, method, _url(path, value), params=query, headers=JSON, content=b"{}")


async def test_a_caller_without_a_token_learns_nothing_but_401(service: Target) -> None:
    await without_a_token_only_401(service)


async def without_a_token_only_401(service: Target) -> None:
    """No token: 401 from every authenticated operation, whatever the body or path."""
    for method, path, guarded in _routes(service):
        if not guarded:
            continue
        for body in (BODIES["surrogate"], BODIES["malformed"], b"{}"):
            answer = await _send(
                service, method, _url(path, "0"), content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 401, (method, path, answer.text[:200])
