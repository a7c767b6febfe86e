"""The floor under end to end on this machine: what the broker and the store alone spend for each imported row in
the layout the architecture fixes, with none of the platform's code running.

At the least, one row of an import is:
- the inventory's patent document, written with its events (the outbox: state and events in one document), and
  its share of a chunk document marked once the chunk's events are sent (``kit.bulk``: one per 1 000 documents;
  marking each document instead costs the store more than everything else here together, printed apart);
- its events (``--events-per-row``; 1.74 in the 1 000 000-patent load: 1 739 834 events), each produced once with
  the kit's producer settings and read by each consumer group that follows the patents topic. Six groups follow it:
  the projection's engine, the inventory's indexes, and the evaluation, matching, transactions and pledge replicas;
- one replica document in each of the four services that keep one (a database per service). Each needs every
  patent, because any patent may later be pooled, evaluated, transferred or pledged.

This bench does exactly that with plain clients: PyMongo ``insert_many`` in batches of 1 000, a chunk document
inserted and marked by ``_id`` per batch, and aiokafka with fetches of up to 5 000 records. It reads the CPU the broker's and the store's processes used, and its own, from /proc. The
server side alone, per row, on this machine's cores, caps end to end whatever the platform's code does (the clients'
own CPU, printed too, lowers it further):

    ceiling events/s = cores x events per row / (broker + store CPU seconds per row)

It prints that ceiling beside the issue's target, half the slower raw rate (insert_many of patent-view documents,
as ``readside_bench.py`` measures it, also measured here), and the ceiling once the stack's Python clients do
this work too. ``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import AsyncMongoClient, UpdateOne

from patentflow.testing.infrastructure import cpu_seconds

REPLICAS = ("evaluation", "matching", "transactions", "pledge")
GROUPS = ("projection-engine", "inventory-indexes", *(f"{name}-replica" for name in REPLICAS))
MARKS_PER_COMMAND = 50  # FerretDB 1.24 hangs on more than 100 updates in one command
MARKED_APART = 5000
APART = "(each document marked instead)"
BATCH = 1000


def patent_document(n: int) -> dict[str, Any]:
    """The inventory's document of one patent as an import writes it: the record and its outbox."""
    number = f"CN2019{n:07d}"
    return {
        "_id": number,
        "version": 1,
        "state": {
            "application_number": number,
            "title": "一种基于深度学习的负载测试方法及系统",
            "patent_type": "invention",
            "ipc_main": "G06F 16/35",
            "filing_date": "2019-03-01",
            "grant_date": "2020-06-01",
            "owner": {"credit_code": "121000004000006240", "name": "示范理工大学", "province": "110000"},
            "legal_status": "valid",
            "expiry_date": "2039-02-28",
            "review_state": "draft",
            "state_funded": False,
            "inventor_ids": ["inv-1", "inv-2"],
        },
        "outbox": [
            {"sequence": 1, "type": "PatentRecorded", "id": f"evt-{n}", "payload": {"application_number": number}}
        ],
        "outbox_pending": True,
        "published_sequence": 0,
    }


def replica_document(n: int) -> dict[str, Any]:
    """A replica's document of one patent: the facts its rules need, and the sequence applied."""
    return {
        "_id": f"CN2019{n:07d}",
        "owner": "121000004000006240",
        "province": "110000",
        "patent_type": "invention",
        "ipc_main": "G06F 16/35",
        "filing_date": "2019-03-01",
        "legal_status": "valid",
        "review_state": "draft",
        "seq": 1,
    }


EVENT = (
    b'{"application_number":"CN2019000000000","patent_type":"invention","title":"\\u4e00\\u79cd\\u57fa\\u4e8e'
    b'\\u6df1\\u5ea6\\u5b66\\u4e60\\u7684\\u8d1f\\u8f7d\\u6d4b\\u8bd5\\u65b9\\u6cd5","ipc_main":"G06F 16/35",'
    b'"filing_date":"2019-03-01","grant_date":"2020-06-01","owner":{"credit_code":"121000004000006240","name":'
    b'"\\u793a\\u8303\\u7406\\u5de5\\u5927\\u5b66","province":"110000"},"state_funded":false,"source":"import",'
    b'"recorded_by":"admin","legal_status":"valid","expiry_date":"2039-02-28","inventor_ids":["inv-1","inv-2"]}'
)
HEADERS = [
    ("ce_specversion", b"1.0"),
    ("ce_id", b"0190f7a2-0000-7000-8000-000000000000"),
    ("ce_source", b"/patentflow/inventory"),
    ("ce_type", b"cn.patentflow.inventory.PatentRecorded.v1"),
    ("ce_time", b"2026-12-07T12:00:00Z"),
    ("ce_subject", b"CN2019000000000"),
    ("ce_sequence", b"1"),
    ("ce_correlationid", b"0190f7a2-0000-7000-8000-000000000001"),
    ("content-type", b"application/json"),
]


class Meter:
    """CPU seconds of the store, the broker and this process over one phase."""

    def __init__(self, store: int | None, broker: int | None) -> None:
        self.pids = {"store": store, "broker": broker}

    rows: int | None = None  # the rows this phase was over, when not all of them

    def __enter__(self) -> Meter:
        self.before = {k: cpu_seconds(p) for k, p in self.pids.items()} | {"client": time.process_time()}
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started
        after = {k: cpu_seconds(p) for k, p in self.pids.items()} | {"client": time.process_time()}
        self.cpu = {k: after[k] - self.before[k] for k in after}


async def store_phase(url: str, rows: int, meter: Meter) -> dict[str, Meter]:
    """The inventory's documents, their marks, and the four replicas' documents: each metered apart."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    out: dict[str, Meter] = {}
    try:
        inventory = client["floor_inventory"]["patents"]
        with Meter(**meter.pids) as m:
            for start in range(0, rows, BATCH):
                await inventory.insert_many([patent_document(n) for n in range(start, min(rows, start + BATCH))])
        out["inventory documents"] = m
        chunks = client["floor_inventory"]["bulk_chunks"]
        with Meter(**meter.pids) as m:
            for start in range(0, rows, BATCH):
                listed = range(start, min(rows, start + BATCH))
                chunk = {"_id": f"chunk-{start}", "aggregates": [f"CN2019{n:07d}" for n in listed]}
                await chunks.insert_one({**chunk, "published": False})
                await chunks.update_one({"_id": chunk["_id"]}, {"$set": {"published": True}})
        out["chunks marked published"] = m
        sample = min(rows, MARKED_APART)
        with Meter(**meter.pids) as m:  # not part of the floor: what kit.bulk avoids
            mark = {"$set": {"outbox": [], "outbox_pending": False, "published_sequence": 1}}
            for start in range(0, sample, MARKS_PER_COMMAND):
                ids = range(start, min(sample, start + MARKS_PER_COMMAND))
                await inventory.bulk_write([UpdateOne({"_id": f"CN2019{n:07d}"}, mark) for n in ids], ordered=False)
        m.rows = sample
        out[APART] = m
        with Meter(**meter.pids) as m:
            for name in REPLICAS:
                replica = client[f"floor_{name}"]["patent_replica"]
                for start in range(0, rows, BATCH):
                    await replica.insert_many([replica_document(n) for n in range(start, min(rows, start + BATCH))])
        out["four replica documents"] = m
    finally:
        for name in ("inventory", *REPLICAS):
            await client.drop_database(f"floor_{name}")
        await client.close()
    return out


async def broker_phase(bootstrap: str, events: int, meter: Meter) -> dict[str, Meter]:
    """The events produced once, then read by each of the six groups (committing after each fetch)."""
    topic = "floor.patents"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    finally:
        await admin.close()
    out: dict[str, Meter] = {}
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5, max_batch_size=512 * 1024
    )  # as the kit's make_producer
    await producer.start()
    try:
        with Meter(**meter.pids) as m:
            pending = []
            for n in range(events):
                pending.append(
                    await producer.send(topic, EVENT, key=f"CN2019{n % 10_000_000:07d}".encode(), headers=HEADERS)
                )
                if len(pending) >= 5000:
                    await asyncio.gather(*pending)
                    pending = []
            await asyncio.gather(*pending)
        out["events produced"] = m
    finally:
        await producer.stop()
    with Meter(**meter.pids) as m:
        for group in GROUPS:
            consumer = AIOKafkaConsumer(
                topic, bootstrap_servers=bootstrap, group_id=f"floor-{group}", enable_auto_commit=False,
                auto_offset_reset="earliest", max_partition_fetch_bytes=4 << 20,
            )  # fmt: skip
            await consumer.start()
            try:
                read = 0
                while read < events:
                    batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                    read += sum(len(records) for records in batch.values())
                    if batch:
                        await consumer.commit()
            finally:
                await consumer.stop()
    out["events read by six groups"] = m
    return out


async def raw_insert_rate(url: str, documents: int = 100_000) -> float:
    """insert_many docs/s of patent-view documents: the slower raw rate the issue's target halves."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from readside_bench import raw_insert  # type: ignore[import-not-found]  # a sibling script, not a module

    rate: float = await raw_insert(url, documents)
    return rate


def main() -> int:
    """Start local infrastructure, run both phases, print the figures per row and the ceiling."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--events-per-row", type=float, default=1.74)
    args = parser.parse_args()
    from patentflow.testing.infrastructure import provide

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp, provide(Path(tmp)) as infra:
        if infra.store_pid is None or infra.broker_pid is None:
            print(f"infrastructure: {infra.provider}: no local processes to read the CPU of; nothing measured")
            return 1
        print(f"infrastructure: {infra.provider}; {args.rows:,} rows, {args.events_per_row} events a row", flush=True)
        meter = Meter(infra.store_pid, infra.broker_pid)
        events = round(args.rows * args.events_per_row)
        phases = asyncio.run(store_phase(infra.mongodb_url, args.rows, meter))
        phases |= asyncio.run(broker_phase(infra.kafka_bootstrap, events, meter))
        slower = asyncio.run(raw_insert_rate(infra.mongodb_url))
    print(f"{'per imported row':32} {'store ms':>9} {'broker ms':>10} {'this client ms':>15} {'wall s':>8}")
    server = clients = 0.0
    for name, m in phases.items():
        per = {k: v / (m.rows or args.rows) * 1000 for k, v in m.cpu.items()}
        if name != APART:
            server += per["store"] + per["broker"]
            clients += per["client"]
        print(f"{name:32} {per['store']:9.3f} {per['broker']:10.3f} {per['client']:15.3f} {m.seconds:8.1f}")
    target = slower / 2
    budget = cores * args.events_per_row / target * 1000
    bare = cores * args.events_per_row / (server / 1000)
    stack = cores * args.events_per_row / ((server + clients) / 1000)
    print(f"target: half the slower raw rate (insert_many {slower:,.0f} docs/s) = {target:,.0f} events/s: at most"
          f" {budget:.3f} ms of CPU a row for everything, on {cores} cores")  # fmt: skip
    print(f"the broker and the store alone: {server:.3f} ms a row; end to end could reach at most {bare:,.0f} events/s"
          f" ({bare / target:.2f} x the target) if nothing else ran")  # fmt: skip
    print(f"with the stack's Python clients (PyMongo, aiokafka) doing only this, {clients:.3f} ms a row more: at most"
          f" {stack:,.0f} events/s ({stack / target:.2f} x the target), before any of the platform's own work")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
