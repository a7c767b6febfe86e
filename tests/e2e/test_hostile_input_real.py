"""The hostile-input suite against the real inventory and projection processes, on the real store: what the memory
store would accept but FerretDB or MongoDB would not (a lone surrogate, a dotted key) must not reach them either."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from patentflow.testing.processes import ServiceUnderTest
from tests.test_hostile_input import (
    Target,
    every_body_over_the_limit_is_refused,
    hostile_bodies_get_a_bounded_4xx,
    hostile_parameters_never_fail,
    without_a_token_only_401,
)


@pytest.fixture(params=["inventory", "projection"])
async def real(
    request: pytest.FixtureRequest, inventory: ServiceUnderTest, projection: ServiceUnderTest
) -> AsyncIterator[Target]:
    service = inventory if request.param == "inventory" else projection
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as http:
        openapi = (await http.get("/openapi.json")).json()
        yield Target(http, openapi, None)  # the real upload limit (50 MiB) is not worth sending here


async def test_bodies_over_the_limit_get_413_from_a_real_server(real: Target) -> None:
    await every_body_over_the_limit_is_refused(real)


async def test_hostile_bodies_never_reach_the_real_store(real: Target) -> None:
    await hostile_bodies_get_a_bounded_4xx(real)


async def test_hostile_parameters_never_fail_a_real_service(real: Target) -> None:
    await hostile_parameters_never_fail(real)


async def test_without_a_token_a_real_service_answers_only_401(real: Target) -> None:
    await without_a_token_only_401(real)
