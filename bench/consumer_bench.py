"""Consumer throughput on the real broker and store: a document view (the kit's SequencedView, as every service's
replica is, with the patent view's mappings) fed N events, in batches and record by record, against a plain aiokafka read of the same records and a bulk insert into the same store.

``python bench/consumer_bench.py [--patents 10000]`` prints events/s for each; run by ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.events import InventoryRecordFilled, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.contracts.events.inventory_enums import ConversionIntent, ImplementationStatus
from patentflow.contracts.topics import Topic
from patentflow.kit.cloudevents import EventMeta, new_event_id
from patentflow.kit.consumer import BatchPolicy, ReliableConsumer, RetryPolicy
from patentflow.kit.deadletters import DeadLetterStore
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.kafka import ensure_topics, make_producer
from patentflow.kit.outbox import BrokerPublisher, ProducerPublisher
from patentflow.kit.readmodel import SequencedView
from patentflow.kit.settings import ServiceSettings
from patentflow.projection.consumers import PATENTS
from patentflow.testing.samples import number

OWNER = Owner(credit_code="12100000400000624D", name="示范理工大学", province="110000")


def _events(patents: int) -> list[tuple[str, bytes, bytes, dict[str, str]]]:
    records = []
    for serial in range(1, patents + 1):
        n = number(2021, serial)
        recorded = PatentRecorded(
            application_number=n,
            patent_type="invention",
            title="一种专利文本分类方法",
            ipc_main="G06F 16/35",
            filing_date=date(2021, 3, 1),
            grant_date=date(2022, 5, 1),
            owner=OWNER,
            state_funded=False,
            source="institution_upload",
            recorded_by="bench",
            expiry_date=date(2041, 2, 28),
        )
        filled = InventoryRecordFilled(
            application_number=n,
            conversion_intents=(ConversionIntent.TRANSFER,),
            implementation_status=ImplementationStatus.NOT_IMPLEMENTED,
            trl=5,
            self_grade=3,
            filled_by="bench",
        )
        for sequence, event in enumerate((recorded, filled), start=1):
            meta = EventMeta(
                id=new_event_id(),
                source="/patentflow/inventory",
                type=event.event_type,
                subject=n,
                sequence=sequence,
                time=datetime.now(UTC),
            )
            records.append((TOPIC.name, n.encode(), event.model_dump_json().encode(), meta.headers()))
    return records


TOPIC = Topic(f"bench.consumer.{uuid.uuid4().hex[:6]}", topics.Service.INVENTORY, "patent", "benchmark topic")


async def _consume(
    settings: ServiceSettings,
    mongo: AsyncMongoClient[dict[str, Any]],
    total: int,
    batch: BatchPolicy,
    *,
    whole: bool = True,
) -> float:
    """Events/s of a document view of the patent mappings fed through a ReliableConsumer until ``total`` are applied."""
    db = mongo[f"bench_consumer_{uuid.uuid4().hex[:6]}"]
    writes = GuardedWrites()
    await writes.configure(mongo)
    view = SequencedView(db["patents"], PATENTS, writes)
    done = asyncio.Event()
    applied = 0

    async def counted(event: Any) -> None:
        nonlocal applied
        await view.apply(event)
        applied += 1
        if applied >= total:
            done.set()

    async def counted_runs(groups: Any) -> set[str]:
        nonlocal applied
        taken = await view.apply_batch(groups)
        applied += sum(len(g) for g in groups if g[0].meta.subject in taken)
        if applied >= total:
            done.set()
        return taken

    broker = KafkaBroker(settings.kafka_bootstrap_servers, logger=None)
    consumer = ReliableConsumer(
        f"bench-{uuid.uuid4().hex[:6]}",
        [TOPIC.name],
        counted,
        DeadLetterStore(db["dead_letters"]),
        BrokerPublisher(broker),
        RetryPolicy(),
        batch,
        counted_runs if whole else None,
    )
    consumer.subscribe(broker)
    started = time.perf_counter()
    await broker.start()
    await asyncio.wait_for(done.wait(), 1800)
    seconds = time.perf_counter() - started
    await broker.stop()
    await mongo.drop_database(db.name)
    return total / seconds


async def _plain_read(settings: ServiceSettings, total: int) -> float:
    consumer = AIOKafkaConsumer(
        TOPIC.name,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"plain-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    started = time.perf_counter()
    await consumer.start()
    seen = 0
    while seen < total:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        seen += sum(len(b) for b in batches.values())
        await consumer.commit()
    seconds = time.perf_counter() - started
    await consumer.stop()
    return total / seconds


async def _bulk_insert(mongo: AsyncMongoClient[dict[str, Any]], total: int) -> float:
    db = mongo[f"bench_raw_{uuid.uuid4().hex[:6]}"]
    docs = [
        {
            "_id": f"d{i}",
            "patent": {"title": "一种专利文本分类方法", "ipc_main": "G06F 16/35"},
            "institution": OWNER.credit_code,
            "province": OWNER.province,
            "seq": {"inventory": 2},
        }
        for i in range(total)
    ]
    started = time.perf_counter()
    for start in range(0, total, 1000):
        await db["raw"].insert_many(docs[start : start + 1000], ordered=False)
    seconds = time.perf_counter() - started
    await mongo.drop_database(db.name)
    return total / seconds


async def _run(kafka: str, mongodb_url: str, patents: int) -> dict[str, float]:
    settings = ServiceSettings(
        service_name="bench", kafka_bootstrap_servers=kafka, mongodb_url=mongodb_url, auth_secret="bench-" + "x" * 40
    )
    await ensure_topics(settings, [TOPIC])
    producer = make_producer(settings)
    await producer.start()
    records = _events(patents)
    await ProducerPublisher(producer).send_all(records)
    await producer.stop()
    total = len(records)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, tz_aware=True)
    figures = {
        "events": float(total),
        "plain aiokafka read + commit per fetch": await _plain_read(settings, total),
        "bulk insert into the store (insert_many of 1000)": await _bulk_insert(mongo, total),
        "projection consumer: batches, runs applied whole": await _consume(settings, mongo, total, BatchPolicy()),
        "projection consumer: batches, event by event": await _consume(
            settings, mongo, total, BatchPolicy(), whole=False
        ),
        "projection consumer: one record at a time (as before)": await _consume(
            settings, mongo, min(total, 2000), BatchPolicy(max_records=1, concurrency=1), whole=False
        ),
    }
    await mongo.close()
    return figures


def main() -> int:
    """Start local infrastructure, run, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patents", type=int, default=10_000)
    args = parser.parse_args()
    from patentflow.testing.infrastructure import provide

    with tempfile.TemporaryDirectory() as tmp, provide(Path(tmp)) as infra:
        print(f"infrastructure: {infra.provider}")
        figures = asyncio.run(_run(infra.kafka_bootstrap, infra.mongodb_url, args.patents))
    print(f"consumer benchmark: {int(figures.pop('events')):,} events (PatentRecorded + InventoryRecordFilled)")
    for name, rate in figures.items():
        print(f"  {name:<58} {rate:9.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
