"""The bulk publisher on the real broker: batches it fills itself land where per-record sends would, in order."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError

from patentflow.kit.outbox import ProducerPublisher
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import create_topic, header, read_all

PARTITIONS = 4


@pytest.fixture
async def producer(infrastructure: Infrastructure) -> AsyncIterator[AIOKafkaProducer]:
    """As ``kit.kafka.make_producer`` configures it, with small batches so that one call fills many of them."""
    started = AIOKafkaProducer(
        bootstrap_servers=infrastructure.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=4096,
    )
    await started.start()
    yield started
    await started.stop()


def _records(topic: str, keys: int, per_key: int) -> list[tuple[str, bytes, bytes, dict[str, str]]]:
    # Keys interleaved, as a chunk of new aggregates lists them: a0#1, a1#1, ..., a0#2, ...
    return [
        (
            topic,
            f"aggregate-{k}".encode(),
            json.dumps({"key": k, "seq": s, "pad": "x" * 300}).encode(),
            {"ce_sequence": str(s), "ce_subject": f"aggregate-{k}"},
        )
        for s in range(1, per_key + 1)
        for k in range(keys)
    ]


async def test_batches_keep_each_key_on_the_partition_send_picks_and_in_order(
    infrastructure: Infrastructure, producer: AIOKafkaProducer, unique: str
) -> None:
    topic = f"test.bulk.{unique}"
    await create_topic(infrastructure.kafka_bootstrap, topic, partitions=PARTITIONS)
    records = _records(topic, keys=40, per_key=15)

    outcomes = await ProducerPublisher(producer).send_each(records)

    assert outcomes == [None] * len(records)
    # The partition aiokafka's own send chooses for each key (as the outbox relay's broker does).
    reference_topic = f"{topic}.reference"
    await create_topic(infrastructure.kafka_bootstrap, reference_topic, partitions=PARTITIONS)
    expected = {}
    for k in range(40):
        key = f"aggregate-{k}".encode()
        expected[key] = (await (await producer.send(reference_topic, b"{}", key=key))).partition
    landed = await read_all(infrastructure.kafka_bootstrap, topic)
    assert len(landed) == len(records)
    assert len({r.partition for r in landed}) > 1
    sequences: dict[bytes, list[int]] = defaultdict(list)
    for record in sorted(landed, key=lambda r: (r.partition, r.offset)):
        assert record.key is not None
        assert record.partition == expected[record.key], record.key
        sequences[record.key].append(int(header(record, "ce_sequence") or 0))
    assert all(seen == list(range(1, 16)) for seen in sequences.values()), sequences


async def test_a_record_over_the_size_limit_fails_alone_and_the_rest_arrive(
    infrastructure: Infrastructure, producer: AIOKafkaProducer, unique: str
) -> None:
    topic = f"test.bulk.{unique}"
    await create_topic(infrastructure.kafka_bootstrap, topic, partitions=1)
    records: list[Any] = _records(topic, keys=3, per_key=4)
    oversized = (topic, b"aggregate-big", b"x" * 2_000_000, {"ce_sequence": "1", "ce_subject": "aggregate-big"})
    records.insert(5, oversized)

    outcomes = await ProducerPublisher(producer).send_each(records)

    assert [i for i, o in enumerate(outcomes) if o is not None] == [5]
    assert isinstance(outcomes[5], MessageSizeTooLargeError)
    landed = await read_all(infrastructure.kafka_bootstrap, topic)
    assert sorted(r.value for r in landed if r.value is not None) == sorted(
        r[2] for i, r in enumerate(records) if i != 5
    )


async def test_an_aggregate_whose_event_is_refused_sends_none_of_its_later_events(
    infrastructure: Infrastructure, producer: AIOKafkaProducer, unique: str
) -> None:
    topic = f"test.bulk.{unique}"
    await create_topic(infrastructure.kafka_bootstrap, topic, partitions=1)
    records: list[Any] = _records(topic, keys=2, per_key=3)  # a0#1, a1#1, a0#2, a1#2, a0#3, a1#3
    records[0] = (topic, b"aggregate-0", b"x" * 2_000_000, records[0][3])  # a0#1 is too large

    outcomes = await ProducerPublisher(producer).send_each(records)

    assert [o is not None for o in outcomes] == [True, False, True, False, True, False]
    landed = await read_all(infrastructure.kafka_bootstrap, topic)
    assert {r.key for r in landed} == {b"aggregate-1"}  # no gap: aggregate-0 sends nothing of #2 and #3
