"""Reading topics in tests with a plain aiokafka consumer (no FastStream), as an integrating system would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def read_all(bootstrap: str, topic: str, *, settle: float = 1.0) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now in ``topic``, from the beginning, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        deadline = time.monotonic() + 10
        while not partitions and time.monotonic() < deadline:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = time.monotonic() + settle + 10
        while await _behind(consumer, ends) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for items in batch.values():
                records.extend(items)
        return records
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def wait_for_records(
    bootstrap: str,
    topic: str,
    predicate: Callable[[ConsumerRecord[bytes, bytes]], bool],
    *,
    count: int = 1,
    timeout: float = 30.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Poll until at least ``count`` records of ``topic`` satisfy ``predicate``."""
    deadline = time.monotonic() + timeout
    found: list[ConsumerRecord[bytes, bytes]] = []
    while time.monotonic() < deadline:
        found = [r for r in await read_all(bootstrap, topic) if predicate(r)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"expected {count} matching records in {topic}, found {len(found)}")


async def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    """Create a throw-away topic for a test."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    """A header of a record as text."""
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None
