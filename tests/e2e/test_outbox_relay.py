"""The relay where queries other than by ``_id`` scan (FerretDB): it works from the ids its process wrote, and
finds everything else in periodic sweeps. Real broker and store; the strategy is forced, so it runs on MongoDB too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.events.common import Owner
from patentflow.inventory import domain
from patentflow.inventory.models import PatentCreate
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import CommandContext
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.outbox import OutboxRelay, ProducerPublisher
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import read_all
from tests.e2e.conftest import INSTITUTION_A, new_number, patent_body

SOURCE = "/patentflow/inventory"
OWNER = Owner(credit_code=INSTITUTION_A, name="示范理工大学", province="110000")
CTX = CommandContext(principal="admin", command_id="c", correlation_id="r")


@pytest.fixture
async def database(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> AsyncIterator[Any]:
    db = mongo[f"relay_{unique}"]
    yield db
    await mongo.drop_database(db.name)


class FailingFirst:
    """Refuses every record of its first call (a broker hiccup), then passes records on."""

    def __init__(self, inner: ProducerPublisher) -> None:
        self.inner, self.calls = inner, 0

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        self.calls += 1
        if self.calls == 1:
            return [ConnectionError("broker hiccup") for _ in records]
        return await self.inner.send_each(records)

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        await self.inner.send_all(records)


async def _record(store: AggregateStore, number: str) -> None:
    await store.execute(
        number,
        CTX,
        lambda current: domain.record_patent(
            current, PatentCreate(**patent_body(number)).command(), OWNER, by="admin", today=date(2026, 11, 21)
        ),
    )


async def _keys(infrastructure: Infrastructure) -> set[str]:
    return {r.key.decode() for r in await read_all(infrastructure.kafka_bootstrap, topics.PATENTS.name) if r.key}


async def test_without_indexed_queries_the_relay_follows_its_writes_and_sweeps_for_the_rest(
    infrastructure: Infrastructure, database: Any, producer: AIOKafkaProducer
) -> None:
    relay = OutboxRelay(
        [database["patents"]],
        ProducerPublisher(producer),
        source=SOURCE,
        writes=GuardedWrites(compound=False),
        sweep_seconds=2.0,
    )
    store = AggregateStore(database["patents"], source=SOURCE, on_write=relay.wake)
    other_process = AggregateStore(database["patents"], source=SOURCE)  # writes the relay is not told of
    assert await relay.relay_once() == 0  # the first pass sweeps: nothing yet
    mine, stray = new_number(), new_number()

    await _record(store, mine)
    await _record(other_process, stray)
    assert await relay.relay_once() == 1  # by its id: no sweep due yet

    published = await _keys(infrastructure)
    assert mine in published
    assert stray not in published
    await asyncio.sleep(2.1)
    assert await relay.relay_once() == 1  # the sweep finds the other process's event
    assert stray in await _keys(infrastructure)
    assert await relay.backlog() == 0


class CountingFinds:
    """A collection that counts the queries other than by ``_id`` (each one a whole-collection scan on FerretDB)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.scans = inner, 0
        self.name = inner.name

    def find(self, *args: Any, **kwargs: Any) -> Any:
        self.scans += 1
        return self.inner.find(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_without_indexed_queries_one_sweep_finds_every_pending_aggregate_however_many(
    infrastructure: Infrastructure, database: Any, producer: AIOKafkaProducer
) -> None:
    left = [new_number() for _ in range(7)]
    other_process = AggregateStore(database["patents"], source=SOURCE)
    for number in left:
        await _record(other_process, number)
    counting = CountingFinds(database["patents"])
    relay = OutboxRelay(
        [counting],  # type: ignore[list-item]
        ProducerPublisher(producer),
        source=SOURCE,
        batch=3,  # fewer than are pending: the sweep must not look again for every batch
        writes=GuardedWrites(compound=False),
        sweep_seconds=3600.0,
    )
    sent = 0
    for _ in range(5):
        sent += await relay.relay_once()
    assert sent == 7
    assert counting.scans == 1
    assert set(left) <= await _keys(infrastructure)


async def test_without_indexed_queries_a_failed_publish_is_retried_from_the_id(
    infrastructure: Infrastructure, database: Any, producer: AIOKafkaProducer
) -> None:
    publisher = FailingFirst(ProducerPublisher(producer))
    relay = OutboxRelay(
        [database["patents"]], publisher, source=SOURCE, writes=GuardedWrites(compound=False), sweep_seconds=3600.0
    )
    store = AggregateStore(database["patents"], source=SOURCE, on_write=relay.wake)
    await relay.relay_once()  # the start-up sweep
    number = new_number()
    await _record(store, number)

    assert await relay.relay_once() == 0  # refused by the broker
    assert await relay.backlog() == 1
    assert await relay.relay_once() == 1

    assert number in await _keys(infrastructure)
    stored = await database["patents"].find_one({"_id": number})
    assert (stored["outbox_pending"], stored["published_sequence"]) == (False, 1)


class RaisingFirst(FailingFirst):
    """Raises on its first call (the pass fails as a whole), then passes records on."""

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("publisher crashed")
        return await self.inner.send_each(records)


async def test_without_indexed_queries_a_pass_that_fails_keeps_its_ids(
    infrastructure: Infrastructure, database: Any, producer: AIOKafkaProducer
) -> None:
    relay = OutboxRelay(
        [database["patents"]],
        RaisingFirst(ProducerPublisher(producer)),
        source=SOURCE,
        writes=GuardedWrites(compound=False),
        sweep_seconds=3600.0,
    )
    store = AggregateStore(database["patents"], source=SOURCE, on_write=relay.wake)
    assert await relay.relay_once() == 0  # the start-up sweep: nothing yet
    number = new_number()
    await _record(store, number)

    with pytest.raises(RuntimeError, match="publisher crashed"):
        await relay.relay_once()

    assert await relay.backlog() == 1  # the id is kept, not left to the next sweep an hour away
    assert await relay.relay_once() == 1
    assert number in await _keys(infrastructure)
