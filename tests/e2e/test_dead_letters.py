"""Poison events: retried, dead-lettered with their error, later events of the aggregate parked, others flow on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from patentflow.contracts.topics import dead_letter_topic
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent, new_event_id
from patentflow.kit.consumer import ReliableConsumer, RetryPolicy
from patentflow.kit.deadletters import DeadLetterStore
from patentflow.kit.kafka import make_broker
from patentflow.kit.outbox import BrokerPublisher
from patentflow.kit.readmodel import apply_in_sequence
from patentflow.kit.settings import ServiceSettings
from patentflow.testing.fixtures import TEST_SECRET
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import create_topic, header, wait_for_records

POLICY = RetryPolicy(max_attempts=3, backoff_seconds=0.05, backoff_max_seconds=0.1, transient_retry_seconds=0.1)


@dataclass
class FlakyProjection:
    """A read model whose handler fails for the aggregates in ``broken`` and once, transiently, for ``outage``."""

    collection: Any
    broken: set[str] = field(default_factory=set)
    outage: set[str] = field(default_factory=set)
    attempts: list[tuple[str, int]] = field(default_factory=list)
    applied: list[tuple[str, int]] = field(default_factory=list)

    async def handle(self, event: ReceivedEvent) -> None:
        key = (event.meta.subject, event.meta.sequence)
        self.attempts.append(key)
        if event.meta.subject in self.outage:
            self.outage.discard(event.meta.subject)
            raise AutoReconnect("store went away")
        if event.meta.subject in self.broken:
            raise RuntimeError(f"cannot project {event.meta.subject}")
        if await apply_in_sequence(self.collection, event, {"$set": {"value": event.data["value"]}}):
            self.applied.append(key)


def _event(subject: str, sequence: int) -> tuple[bytes, dict[str, str]]:
    meta = EventMeta(
        id=new_event_id(),
        source="/patentflow/test",
        type="cn.patentflow.test.Changed.v1",
        subject=subject,
        sequence=sequence,
        time=datetime.now(UTC),
    )
    return json.dumps({"value": f"{subject}{sequence}"}).encode(), meta.headers()


@pytest.fixture
async def setup(infrastructure: Infrastructure, unique: str) -> AsyncIterator[dict[str, Any]]:
    settings = ServiceSettings(
        service_name="dlqtest",
        kafka_bootstrap_servers=infrastructure.kafka_bootstrap,
        mongodb_url=infrastructure.mongodb_url,
        auth_secret=TEST_SECRET,
    )
    topic, group = f"test.events.{unique}", f"test.group.{unique}"
    await create_topic(infrastructure.kafka_bootstrap, topic)
    await create_topic(infrastructure.kafka_bootstrap, dead_letter_topic(group))
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infrastructure.mongodb_url, tz_aware=True)
    db = mongo[f"dlq_{unique}"]
    yield {"settings": settings, "topic": topic, "group": group, "db": db}
    await mongo.close()


async def _start(setup: dict[str, Any], projection: FlakyProjection) -> tuple[KafkaBroker, ReliableConsumer]:
    broker = make_broker(setup["settings"])
    store = DeadLetterStore(setup["db"]["dead_letters"])
    await store.ensure_indexes()
    consumer = ReliableConsumer(
        setup["group"], [setup["topic"]], projection.handle, store, BrokerPublisher(broker), POLICY
    )
    await store.load(consumer.group)
    consumer.subscribe(broker)
    await broker.start()
    return broker, consumer


async def _until(predicate: Any, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached")


async def test_poison_event_is_dead_lettered_and_its_aggregate_parked_while_others_flow(
    setup: dict[str, Any], infrastructure: Infrastructure
) -> None:
    projection = FlakyProjection(setup["db"]["view"], broken={"A"})
    broker, consumer = await _start(setup, projection)
    try:
        sent = {}
        for subject, sequence in [("A", 1), ("B", 1), ("A", 2), ("B", 2), ("C", 1)]:
            value, headers = _event(subject, sequence)
            sent[(subject, sequence)] = headers["ce_id"]
            await broker.publish(value, setup["topic"], key=subject.encode(), headers=headers)

        letters = await wait_for_records(
            infrastructure.kafka_bootstrap, consumer.dead_letter_topic, lambda r: True, count=2
        )
        await _until(lambda: {("B", 1), ("B", 2), ("C", 1)} <= set(projection.applied))

        failed, parked = letters
        assert header(failed, "ce_id") == sent[("A", 1)]
        assert header(failed, "dlq_reason") == "failed"
        assert header(failed, "dlq_error_type") == "RuntimeError"
        assert header(failed, "dlq_error_message") == "cannot project A"
        assert header(failed, "dlq_attempts") == "3"
        assert header(failed, "dlq_original_topic") == setup["topic"]
        assert header(failed, "dlq_original_partition") == "0"
        assert header(failed, "dlq_original_offset") == "0"
        assert header(failed, "dlq_consumer_group") == setup["group"]
        assert failed.key == b"A"
        assert json.loads(failed.value) == {"value": "A1"}
        assert header(parked, "ce_id") == sent[("A", 2)]
        assert header(parked, "dlq_reason") == "parked"
        assert header(parked, "dlq_parked_behind") == sent[("A", 1)]
        assert projection.attempts.count(("A", 1)) == 3
        assert ("A", 2) not in projection.attempts  # parked without being tried: 2 must not pass a failed 1
        assert [k for k in projection.applied if k[0] == "A"] == []

        projection.broken.clear()
        report = await consumer.replay("A")
        value, headers = _event("A", 3)
        await broker.publish(value, setup["topic"], key=b"A", headers=headers)
        await _until(lambda: ("A", 3) in projection.applied)

        assert (report.replayed, report.remaining, report.error) == (2, 0, None)
        assert [k for k in projection.applied if k[0] == "A"] == [("A", 1), ("A", 2), ("A", 3)]
        view = await setup["db"]["view"].find_one({"_id": "A"})
        assert view["value"] == "A3"
        assert view["seq"] == {"test": 3}
    finally:
        await broker.stop()


async def test_outage_is_retried_by_redelivery_not_dead_lettered(
    setup: dict[str, Any], infrastructure: Infrastructure
) -> None:
    projection = FlakyProjection(setup["db"]["view"], outage={"D"})
    broker, _ = await _start(setup, projection)
    try:
        value, headers = _event("D", 1)
        await broker.publish(value, setup["topic"], key=b"D", headers=headers)
        await _until(lambda: ("D", 1) in projection.applied)

        assert projection.attempts == [("D", 1), ("D", 1)]
        assert await setup["db"]["dead_letters"].count_documents({}) == 0
    finally:
        await broker.stop()


async def test_offsets_are_committed_after_effects_so_a_restart_resumes_without_loss_or_repeat(
    setup: dict[str, Any],
) -> None:
    first = FlakyProjection(setup["db"]["view"])
    broker, _ = await _start(setup, first)
    try:
        for subject in ("E", "F"):
            value, headers = _event(subject, 1)
            await broker.publish(value, setup["topic"], key=subject.encode(), headers=headers)
        await _until(lambda: {("E", 1), ("F", 1)} <= set(first.applied))
    finally:
        await broker.stop()

    second = FlakyProjection(setup["db"]["view"])
    broker, _ = await _start(setup, second)
    try:
        value, headers = _event("G", 1)
        await broker.publish(value, setup["topic"], key=b"G", headers=headers)
        await _until(lambda: ("G", 1) in second.applied)
        await asyncio.sleep(0.5)

        assert second.attempts == [("G", 1)]  # E and F were committed: not delivered again
    finally:
        await broker.stop()
