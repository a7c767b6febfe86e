"""The outbox relay in process: it stops when cancelled, whatever wakes it at that moment."""

from __future__ import annotations

import asyncio

import pytest

from patentflow.kit.outbox import OutboxRelay
from patentflow.testing.memory import MemoryMongo


class _Nothing:
    async def send_all(self, records: object) -> None:
        raise AssertionError("nothing is pending")

    async def send_each(self, records: object) -> list[Exception | None]:
        raise AssertionError("nothing is pending")


@pytest.mark.parametrize("turns", range(6))
async def test_a_cancel_arriving_as_a_write_wakes_the_relay_stops_it(turns: int) -> None:
    collection = MemoryMongo()["db"]["things"]
    relay = OutboxRelay([collection], _Nothing(), source="test", poll_seconds=0.05)  # type: ignore[list-item]
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.02)  # the relay waits for a wake
    relay.wake()  # a write, just as the service stops
    for _ in range(turns):  # every interleaving of the wake with the cancel
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert done, "the relay went on after it was cancelled"
    assert task.cancelled()
