"""Schemathesis against every service's OpenAPI, in process: generated requests (valid and invalid) with a valid
token; no server error and no status code the document does not name. Bounded: a few examples per operation."""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from patentflow.contracts.access import Role
from patentflow.testing.inprocess import MemoryRuntime, auth, running, settings_for

SERVICES = ["inventory", "evaluation", "matching", "transactions", "pledge", "projection"]
EXAMPLES = 12  # per operation and mode: the suite stays within seconds
TOKENS = {
    "national": auth(Role.NATIONAL_ADMIN),
    "institution": auth(Role.INSTITUTION_ADMIN, institution="12100000400000624D"),
}


def _app(service: str) -> Any:
    config = importlib.import_module(f"patentflow.{service}.config")
    settings_ = settings_for(config.Settings)
    return importlib.import_module(f"patentflow.{service}.app").create_app(settings_, runtime=MemoryRuntime(settings_))


def _cases(operation: Any, mode: schemathesis.GenerationMode) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case: Any) -> None:
        found.append(case)

    with contextlib.suppress(Unsatisfiable):  # no invalid request of an operation without parameters or body
        collect()
    return found


@pytest.mark.parametrize("service", SERVICES)
async def test_no_server_error_and_no_undocumented_status(service: str) -> None:
    app = _app(service)
    schema = schemathesis.openapi.from_dict(app.openapi())
    failures: list[str] = []
    sent = 0
    async with running(app) as running_service:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                for case in _cases(operation, mode):
                    for token in TOKENS.values():
                        kwargs = case.as_transport_kwargs(base_url="http://service.test", headers=token)
                        try:
                            request = running_service.http.build_request(**_httpx(kwargs))
                            request.read()  # multipart streams: read it now, as the checks read it back
                        except (TypeError, AttributeError):
                            continue  # a generated form part no HTTP client can encode (a number as a file)
                        response = await running_service.http.send(request)
                        sent += 1
                        try:
                            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
                        except Exception as failure:  # a check failed: collect them all, then report
                            failures.append(
                                f"{case.method} {case.formatted_path} -> {response.status_code}: {str(failure)[:300]}"
                            )
    assert sent > 0
    assert failures == [], "\n".join(failures[:20])


def _httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in kwargs.items() if k in ("method", "url", "headers", "params")}
    for name in ("json", "data", "files", "content"):
        if name in kwargs and kwargs[name] is not None:
            raw = name == "data" and isinstance(kwargs[name], bytes | str)
            out["content" if raw else name] = kwargs[name]
    return out
