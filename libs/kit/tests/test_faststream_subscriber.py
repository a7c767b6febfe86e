"""ReliableConsumer.subscribe wires the handler into a FastStream Kafka broker (in-memory TestKafkaBroker)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.consumer import ReliableConsumer, RetryPolicy
from patentflow.kit.deadletters import DeadLetterStore

TOPIC = "patentflow.inventory.patents"


class _Cursor:
    async def to_list(self) -> list[dict[str, Any]]:
        return []


class _EmptyCollection:
    """Enough of an AsyncCollection for a consumer whose handler never fails."""

    def __init__(self) -> None:
        self.writes: list[Any] = []

    async def update_one(self, *args: Any, **kwargs: Any) -> None:
        self.writes.append((args, kwargs))

    async def find_one(self, *args: Any, **kwargs: Any) -> None:
        return None

    def find(self, *args: Any, **kwargs: Any) -> _Cursor:
        return _Cursor()


class _Publisher:
    def __init__(self) -> None:
        self.records: list[Any] = []

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        self.records.extend(records)


@pytest.mark.asyncio
async def test_subscribed_consumer_receives_a_published_cloudevent() -> None:
    received: list[ReceivedEvent] = []

    async def handler(event: ReceivedEvent) -> None:
        received.append(event)

    collection = _EmptyCollection()
    publisher = _Publisher()
    broker = KafkaBroker()
    consumer = ReliableConsumer(
        group="projection-patents",
        topics=[TOPIC],
        handler=handler,
        dead_letters=DeadLetterStore(collection),  # type: ignore[arg-type]
        publisher=publisher,
        policy=RetryPolicy(max_attempts=1, backoff_seconds=0, transient_retry_seconds=0),
    )
    consumer.subscribe(broker)
    meta = EventMeta(
        id="e-1",
        source="/patentflow/inventory",
        type="cn.patentflow.inventory.PatentRecorded.v1",
        subject="201310699744.2",
        sequence=1,
        time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        correlation_id="corr-9",
    )

    async with TestKafkaBroker(broker) as br:
        await br.publish(b'{"a":1}', TOPIC, key=b"k", headers=meta.headers())

    [event] = received
    assert event.meta == meta
    assert event.data == {"a": 1}
    assert event.topic == TOPIC
    assert event.key == b"k"
    assert event.raw_value == b'{"a":1}'
    assert all(isinstance(name, str) and isinstance(value, bytes) for name, value in event.raw_headers)
    assert publisher.records == []  # nothing was dead-lettered
    assert collection.writes == []


@pytest.mark.asyncio
async def test_subscribed_consumer_dead_letters_a_failing_message_instead_of_raising() -> None:
    async def handler(event: ReceivedEvent) -> None:
        raise RuntimeError(f"cannot apply {event.meta.id}")

    collection = _EmptyCollection()
    publisher = _Publisher()
    broker = KafkaBroker()
    consumer = ReliableConsumer(
        group="projection-patents",
        topics=[TOPIC],
        handler=handler,
        dead_letters=DeadLetterStore(collection),  # type: ignore[arg-type]
        publisher=publisher,
        policy=RetryPolicy(max_attempts=1, backoff_seconds=0, transient_retry_seconds=0),
    )
    consumer.subscribe(broker)
    meta = EventMeta(
        id="e-2",
        source="/patentflow/inventory",
        type="cn.patentflow.inventory.PatentRecorded.v1",
        subject="201310699744.2",
        sequence=2,
        time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )

    async with TestKafkaBroker(broker) as br:
        await br.publish(b'{"a":2}', TOPIC, key=b"201310699744.2", headers=meta.headers())

    [(topic, key, value, headers)] = publisher.records
    assert topic == "patentflow.deadletter.projection-patents"
    assert (key, value) == (b"201310699744.2", b'{"a":2}')
    assert headers["dlq_reason"] == "failed"
    assert headers["dlq_error_message"] == "cannot apply e-2"
    assert headers["ce_id"] == "e-2"
    assert len(collection.writes) == 1  # stored before it was published


@pytest.mark.asyncio
async def test_a_body_that_is_not_json_is_dead_lettered_not_redelivered() -> None:
    received: list[ReceivedEvent] = []

    async def handler(event: ReceivedEvent) -> None:
        received.append(event)

    publisher = _Publisher()
    broker = KafkaBroker()
    consumer = ReliableConsumer(
        group="g",
        topics=[TOPIC],
        handler=handler,
        dead_letters=DeadLetterStore(_EmptyCollection()),  # type: ignore[arg-type]
        publisher=publisher,
        policy=RetryPolicy(max_attempts=1, backoff_seconds=0, transient_retry_seconds=0),
    )
    consumer.subscribe(broker)
    meta = EventMeta(id="e-1", source="/patentflow/test", type="t.v1", subject="s", sequence=1, time=datetime.now(UTC))

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", TOPIC, key=b"s", headers=meta.headers())

    assert received == []
    [(topic, _, value, headers)] = publisher.records
    assert topic == "patentflow.deadletter.g"
    assert value == b"{not json"
    assert headers["dlq_error_type"] == "InvalidEnvelope"


@pytest.mark.asyncio
async def test_null_and_binary_header_values_are_parsed_and_the_original_record_kept() -> None:
    from aiokafka.structs import ConsumerRecord
    from faststream.kafka.message import KafkaAckableMessage
    from faststream.kafka.parser import AioKafkaBatchParser

    from patentflow.kit.consumer import _tolerant_batch_parser

    record = ConsumerRecord(
        topic=TOPIC,
        partition=0,
        offset=3,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=2,
        headers=[("ce_id", b"e"), ("x-null", None), ("x-bin", b"\xff")],
    )
    faststream_parser = AioKafkaBatchParser(msg_class=KafkaAckableMessage, regex=None)
    batch = (record,)

    with pytest.raises(AttributeError):
        await faststream_parser.parse_batch(batch)  # what FastStream alone does with a null header
    parsed = await _tolerant_batch_parser(batch, faststream_parser.parse_batch)

    assert parsed.headers["ce_id"] == "e"
    assert parsed.headers["x-null"] == ""
    assert parsed.raw_message is batch
    assert parsed.raw_message[0] is record
