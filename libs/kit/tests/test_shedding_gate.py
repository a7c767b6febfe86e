"""The shedding gate: requests under its paths beyond its limit get 503 at once; its count always comes back down."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from patentflow.kit.ratelimit import InFlight, SheddingGate


def app(gate: InFlight, release: asyncio.Event) -> FastAPI:
    """A held read, a failing read and an uncounted route behind the gate."""
    made = FastAPI()
    made.add_middleware(SheddingGate, gate=gate)

    @made.get("/reads/held")
    async def held() -> dict[str, str]:
        await release.wait()
        return {"ok": "yes"}

    @made.get("/reads/broken")
    async def broken() -> dict[str, str]:
        raise RuntimeError("the route failed")

    @made.get("/readsx")
    async def elsewhere() -> dict[str, str]:
        return {"ok": "yes"}

    return made


def test_only_the_gates_paths_are_counted() -> None:
    gate = InFlight(1, ["/reads"])
    assert gate.covers("/reads")
    assert gate.covers("/reads/held")
    assert not gate.covers("/readsx")
    assert not gate.covers("/health/live")
    with pytest.raises(ValueError, match="at least 1"):
        InFlight(0, ["/reads"])


@pytest.mark.asyncio
async def test_one_more_than_the_limit_is_shed_at_once_and_the_count_comes_back_down() -> None:
    gate, release = InFlight(1, ["/reads"], retry_after=2.5), asyncio.Event()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app(gate, release)), base_url="http://t") as http:
        first = asyncio.create_task(http.get("/reads/held"))
        while gate.current == 0:
            await asyncio.sleep(0.001)
        shed = await http.get("/reads/held")
        assert shed.status_code == 503
        assert shed.headers["retry-after"] == "3"
        assert shed.json()["retry_after_seconds"] == 2.5
        assert (await http.get("/readsx")).status_code == 200  # not under the gate's paths
        assert gate.shed == 1
        release.set()
        assert (await first).status_code == 200
        assert gate.current == 0


@pytest.mark.asyncio
async def test_a_failing_or_cancelled_request_gives_its_place_back() -> None:
    gate, release = InFlight(1, ["/reads"]), asyncio.Event()
    transport = httpx.ASGITransport(app=app(gate, release), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/reads/broken")).status_code == 500
        assert gate.current == 0
        waiting = asyncio.create_task(http.get("/reads/held"))
        while gate.current == 0:
            await asyncio.sleep(0.001)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert gate.current == 0
        release.set()
        assert (await http.get("/reads/held")).status_code == 200
