"""Benchmark of the batch import, end to end: file → aggregates in the store → events acknowledged by Kafka.

Prints rows/s for a 100 000-row import (and a 10 000-row warm-up), the peak memory of the importing process, and the
raw bulk-insert rate of the same store measured in the same run. Target (issue #3): at least 5 000 rows/s, or 80 %
of the raw store's bulk-insert rate if that is lower; peak memory under 300 MB whatever the file size.

    make bench            (starts Kafka and FerretDB on free ports unless KAFKA_BOOTSTRAP_SERVERS/MONGODB_URL are set)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from patentflow.kit.decisions import Aggregate

ROWS = 100_000
TARGET_ROWS_PER_SECOND = 5_000
SHARE_OF_RAW = 0.8
MEMORY_LIMIT_MB = 300
CODE = "124400000000000017"  # a valid credit code (check character 7)


async def _raw_insert_rate(mongodb_url: str, path: Path) -> float:
    """Documents per second for insert_many, in chunks of 1000, of exactly the documents the import writes for this
    file (built beforehand, untimed): what the store itself can do with this data."""
    from patentflow.contracts.events.common import Owner
    from patentflow.inventory import domain
    from patentflow.inventory.rows import parse_row
    from patentflow.inventory.tabular import rows
    from patentflow.kit.aggregates import AggregateStore
    from patentflow.kit.decisions import CommandContext

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
    db = client[f"bench_raw_{uuid.uuid4().hex[:6]}"]
    store = AggregateStore(db["patents"], source="/patentflow/inventory")
    owner = Owner(credit_code=CODE, name="基准测试大学", province="440000")
    ctx = CommandContext(principal="bench", command_id="bench", correlation_id="bench")
    today = date(2026, 11, 21)
    seconds, count = 0.0, 0
    chunk: list[dict[str, Any]] = []
    seen: set[str] = set()
    mark = {"collection": "chunks", "chunk": "bench:0"}  # as BulkCreator marks them

    async def flush() -> float:
        started = time.perf_counter()
        await db["patents"].insert_many(chunk, ordered=False)
        return time.perf_counter() - started

    for _, row, _shape in rows(path, path.name):
        parsed = parse_row(row, owner.credit_code)
        if isinstance(parsed, list):
            continue
        patent, record = parsed
        if patent.application_number in seen:
            continue  # the file repeats a number on purpose (a bad row)
        seen.add(patent.application_number)
        decision = domain.record_patent(None, patent, owner, by="bench", today=today, inventory=record, answer=False)
        chunk.append(store.new_document(patent.application_number, decision, ctx, bulk=mark))
        if len(chunk) == 1000:
            seconds, count, chunk = seconds + await flush(), count + len(chunk), []
    if chunk:
        seconds, count = seconds + await flush(), count + len(chunk)
    await client.drop_database(db.name)
    await client.close()
    return count / seconds


async def _import(kafka: str, mongodb_url: str, path: Path) -> dict[str, Any]:
    """One import in this process, as the inventory service runs it; returns its figures."""
    from patentflow.contracts import topics
    from patentflow.inventory import institutions
    from patentflow.inventory.imports import Importer
    from patentflow.inventory.models import InstitutionCreate, SchoolCreate
    from patentflow.kit.aggregates import AggregateStore
    from patentflow.kit.bulk import BulkCreator
    from patentflow.kit.decisions import CommandContext
    from patentflow.kit.guarded import GuardedWrites
    from patentflow.kit.kafka import ensure_topics, make_producer
    from patentflow.kit.outbox import ProducerPublisher
    from patentflow.kit.settings import ServiceSettings

    code = CODE
    settings = ServiceSettings(
        service_name="inventory",
        kafka_bootstrap_servers=kafka,
        mongodb_url=mongodb_url,
        auth_secret="bench-" + "x" * 40,
    )
    await ensure_topics(settings, topics.CATALOGUE)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, tz_aware=True)
    db = client[f"bench_import_{uuid.uuid4().hex[:6]}"]
    writes = GuardedWrites()
    await writes.configure(client)
    patents = AggregateStore(db["patents"], source="/patentflow/inventory", writes=writes)
    registry = AggregateStore(db["institutions"], source="/patentflow/inventory", writes=writes)
    ctx = CommandContext(principal="bench", command_id="bench", correlation_id="bench")
    await registry.execute(
        code,
        ctx,
        lambda cur: institutions.register(
            cur,
            InstitutionCreate(credit_code=code, name="基准测试大学", kind="university", province="440000").command(),
            by="bench",
        ),
    )
    await registry.execute(
        code,
        ctx,
        lambda cur: institutions.add_school(
            _exists(cur), SchoolCreate(school_id="ee", name="电子").command(), by="bench"
        ),
    )
    producer = make_producer(settings)
    await producer.start()
    importer = Importer(
        patents=patents,
        registry=registry,
        bulk=BulkCreator(patents, db["chunks"], ProducerPublisher(producer)),
        jobs=db["imports"],
        errors=db["errors"],
        clock=lambda: date(2026, 11, 21),
    )
    await importer.register("bench", institution=code, filename=path.name, by="bench", size=path.stat().st_size)
    started = time.perf_counter()
    await importer.run("bench", path)
    seconds = time.perf_counter() - started
    job = await importer.job("bench")
    # The same rows again, as a file uploaded twice under another name: every row is already recorded.
    await importer.register("again", institution=code, filename=path.name, by="bench", size=path.stat().st_size)
    started = time.perf_counter()
    await importer.run("again", path)
    again_seconds = time.perf_counter() - started
    again = await importer.job("again")
    await producer.stop()
    await client.drop_database(db.name)
    await client.close()
    assert job is not None
    assert again is not None
    return {
        "again_seconds": again_seconds,
        "again_unchanged": again["unchanged"],
        "again_created": again["created"],
        "rows": job["rows_read"],
        "created": job["created"],
        "bad": job["bad"],
        "events": job["events"],
        "seconds": seconds,
        "status": job["status"],
    }


def _exists(current: Aggregate | None) -> Aggregate:
    assert current is not None, "registered just before"
    return current


def _worker(kafka: str, mongodb_url: str, path: Path) -> None:
    from patentflow.kit import collector

    collector.tune()  # as ``kit.serve`` does in the service
    figures = asyncio.run(_import(kafka, mongodb_url, path))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def _run_worker(kafka: str, mongodb_url: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kafka, mongodb_url, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"import worker failed:\n{out.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    """Run the benchmark and print its figures; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=3)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], Path(args.worker[2]))
        return 0

    from patentflow.testing.infrastructure import provide
    from patentflow.testing.samples import write_csv

    with tempfile.TemporaryDirectory() as tmp, provide(Path(tmp)) as infra:
        print(f"infrastructure: {infra.provider}")
        warm = write_csv(Path(tmp) / "warm.csv", 10_000, first_serial=5_000_000, school="ee")
        big = write_csv(Path(tmp) / "big.csv", args.rows, bad_share=0.01, first_serial=1, school="ee")
        size_mb = big.path.stat().st_size / 1e6
        raw = asyncio.run(_raw_insert_rate(infra.mongodb_url, big.path))
        warmup = _run_worker(infra.kafka_bootstrap, infra.mongodb_url, warm.path)
        figures = _run_worker(infra.kafka_bootstrap, infra.mongodb_url, big.path)

    rate = figures["rows"] / figures["seconds"]
    again_rate = figures["rows"] / figures["again_seconds"]
    target = min(TARGET_ROWS_PER_SECOND, SHARE_OF_RAW * raw)
    print(f"raw store bulk insert:   {raw:9.0f} docs/s (insert_many of 1000 of the same documents, same run)")
    print(
        f"import 10 000 rows:      {warmup['rows'] / warmup['seconds']:9.0f} rows/s, peak {warmup['peak_rss_mb']:.0f} MB"
    )
    print(
        f"import {figures['rows']:,} rows:     {rate:9.0f} rows/s  ({figures['seconds']:.1f} s, file {size_mb:.1f} MB, "
        f"{figures['created']:,} created, {figures['bad']:,} bad, {figures['events']:,} events on Kafka)"
    )
    print(
        f"the same file again:     {again_rate:9.0f} rows/s  ({figures['again_seconds']:.1f} s, "
        f"{figures['again_unchanged']:,} unchanged, {figures['again_created']:,} created)"
    )
    print(f"peak memory of import:   {figures['peak_rss_mb']:9.0f} MB (process RSS)")
    ok_rate = rate >= target
    ok_memory = figures["peak_rss_mb"] < MEMORY_LIMIT_MB
    print(
        f"target rows/s >= {target:.0f} (min of {TARGET_ROWS_PER_SECOND} and 80 % of raw): {'PASS' if ok_rate else 'FAIL'}"
    )
    print(f"target peak memory < {MEMORY_LIMIT_MB} MB: {'PASS' if ok_memory else 'FAIL'}")
    return 0 if ok_rate and ok_memory and figures["status"] == "done" else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
