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


class _Recorded:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, dict[str, str]]] = []

    async def send_all(self, records: list[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        self.sent.extend(records)

    async def send_each(self, records: list[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        self.sent.extend(records)
        return [None] * len(records)


class _SlowScans:
    """A collection whose scans never finish (a sweep over 1 000 000 documents on FerretDB, for the test's length);
    lookups by ``_id`` and writes answer at once."""

    def __init__(self, collection: object) -> None:
        self._collection = collection
        self.scans = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._collection, name)

    def find(self, *args: object, **kwargs: object) -> object:
        self.scans += 1
        return _Forever()


class _Forever:
    async def to_list(self, *args: object) -> list[object]:
        await asyncio.Event().wait()
        return []


async def test_a_sweep_that_takes_minutes_does_not_hold_up_the_events_of_this_process() -> None:
    from patentflow.contracts.events import InstitutionRegistered
    from patentflow.contracts.identifiers import credit_code_check_char
    from patentflow.kit.aggregates import AggregateStore
    from patentflow.kit.decisions import CommandContext, Decision
    from patentflow.kit.guarded import GuardedWrites

    code = "12100000400000624" + credit_code_check_char("12100000400000624")
    collection = MemoryMongo()["db"]["institutions"]
    store = AggregateStore(collection, "inventory")
    registered = InstitutionRegistered(credit_code=code, name="示范大学", kind="university",  # type: ignore[arg-type]
                                       province="110000", registered_by="n")  # fmt: skip
    ctx = CommandContext(principal="n", command_id="c", correlation_id="c")
    await store.execute(code, ctx, lambda current: Decision({}, [registered], {}))
    slow, publisher = _SlowScans(collection), _Recorded()
    relay = OutboxRelay(
        [slow],  # type: ignore[list-item]
        publisher,
        source="/patentflow/inventory",
        poll_seconds=0.05,
        writes=GuardedWrites(compound=False),
    )
    task = asyncio.create_task(relay.run())
    relay.wake("institutions", code)  # this process wrote it
    for _ in range(100):
        if publisher.sent:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert slow.scans == 1  # the start-up sweep is still reading …
    assert [key for _, key, _, _ in publisher.sent] == [code.encode()]  # … and the event left all the same
    doc = await collection.find_one({"_id": code})
    assert doc is not None
    assert doc["outbox_pending"] is False
