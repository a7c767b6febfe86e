"""The read side at national scale, every service running as a process on the real broker and store.

``python bench/readside_bench.py [--patents 1000000]`` (``make bench`` runs it) does, in one run:

1. loads a national dataset of N patents through the services' own paths (registry API, one standard-format import
   per institution, review commands for 1 %), and prints the import's rows/s, the seconds from its end until every
   consumer group of every service has caught up, and the end-to-end events/s from command to read model;
2. the same for a further 100 000-row import under the full platform;
3. the raw rates of the parts: a plain aiokafka read of the same topics, and insert_many into the same store;
4. read-API latency p50/p95/p99 at 200 requests/s from a load generator in a second process, on the list and
   monitoring endpoints (target: p99 < 50 ms), after a warm-up at the same rate that is reported apart;
5. projection lag p50/p95/p99 at 1 000 events/s offered (target: p99 < 500 ms);
   then both at once, with no target: the read API at 200 requests/s while 1 000 events/s arrive (a remembered
   answer is good until the next write, so under writes most asks are computed);
6. a full rebuild of the query engine from the topics (target: 1 000 000 events in under 10 minutes);
7. the same queries asked of the document store directly (FerretDB here: the inventory's patent documents), each stopped after 60 s.

Exit 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient

SERVICES = ("inventory", "evaluation", "matching", "transactions", "pledge", "projection")
TOPICS = ("patentflow.inventory.patents", "patentflow.inventory.institutions")
READ_P99_MS = 50.0
LAG_P99_MS = 500.0
REBUILD_EVENTS_PER_SECOND = 1_000_000 / 600
IN_FLIGHT = 400  # requests the read generator keeps waiting at most (2 s of its offer at 200/s)
STAGES = ("second", "raw", "read", "lag", "mixed", "rebuild", "store")


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 of ``values``."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


# --- the platform -----------------------------------------------------------------------------------------------


def start_platform(infra: Any, root: Path, secret: str, names: Sequence[str] = SERVICES) -> dict[str, Any]:
    """Every service (or those named) as a process, each with a database of its own, the engine and imports under
    ``root``."""
    from patentflow.testing.processes import ServiceUnderTest

    env = {
        "PATENTFLOW_KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "PATENTFLOW_MONGODB_URL": infra.mongodb_url,
        "PATENTFLOW_AUTH_SECRET": secret,
        "PATENTFLOW_ENVIRONMENT": "test",
        "PATENTFLOW_LOG_LEVEL": "WARNING",
        "PATENTFLOW_ENGINE_DIR": str(root / "engine"),
        "PATENTFLOW_IMPORT_DIR": str(root / "imports"),
        "PATENTFLOW_READ_RATE_PER_SECOND": "100000",  # the load generator's tokens are not to be throttled here
        "PATENTFLOW_READ_BURST": "100000",
    }
    services = {}
    for name in names:
        services[name] = ServiceUnderTest(name, {**env, "PATENTFLOW_MONGODB_DATABASE": f"bench_{name}"}, root / "logs")
        services[name].start(timeout=120)
    return services


async def consumer_lag(bootstrap: str) -> int:
    """Records not yet applied, summed over every consumer group of the platform and its topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups() if g[0].startswith("patentflow.")]
        partitions = await _partitions(consumer)
        ends = await consumer.end_offsets(partitions)
        subscriptions = await _subscriptions(admin, [g for g in groups if ".dlq" not in g])
        lag = 0
        for group, subscribed in subscriptions.items():
            committed = await admin.list_consumer_group_offsets(group)
            subscribed |= {tp.topic for tp in committed}
            for tp, end in ends.items():
                if tp.topic in subscribed:
                    offset = committed.get(tp)
                    lag += max(end - (offset.offset if offset is not None and offset.offset >= 0 else 0), 0)
        return lag
    finally:
        await _stop(consumer)
        await admin.close()


async def _subscriptions(admin: AIOKafkaAdminClient, groups: list[str]) -> dict[str, set[str]]:
    """The topics each group's members subscribe to: a group whose topics hold no records yet has committed nothing,
    and must not count as behind on topics it never reads."""
    found: dict[str, set[str]] = {}
    for group in groups:  # one at a time: aiokafka fails to decode some answers that describe several groups
        found[group] = set()
        for response in await admin.describe_consumer_groups([group]):
            for described in response.groups:
                for member in described[-1]:  # (member id, client id, host, metadata, assignment)
                    found[group] |= set(ConsumerProtocolMemberMetadata.decode(member[3]).subscription)
    return found


async def caught_up(bootstrap: str, within: float) -> float:
    """Seconds until every consumer group has applied every record."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        if await consumer_lag(bootstrap) == 0:
            return time.perf_counter() - started
        await asyncio.sleep(1.0)
    raise SystemExit(f"consumers still behind after {within:.0f} s")


async def end_offsets_total(bootstrap: str) -> int:
    """Records on the domain topics."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = await _partitions(consumer)
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await _stop(consumer)


async def _partitions(consumer: AIOKafkaConsumer) -> list[TopicPartition]:
    await consumer._client.force_metadata_update()  # a fresh consumer has no metadata, and no public call for it
    return [TopicPartition(t, p) for t in TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())]


async def _stop(consumer: AIOKafkaConsumer) -> None:
    # aiokafka can cancel its own committed-offsets task while stopping a consumer that just started.
    with contextlib.suppress(asyncio.CancelledError):
        await consumer.stop()


# --- raw rates --------------------------------------------------------------------------------------------------


async def raw_consume(bootstrap: str) -> float:
    """Records/s of a plain aiokafka read of the topics from the beginning, nothing done with them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await _partitions(consumer)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values())
        read, started = 0, time.perf_counter()
        while read < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            read += sum(len(records) for records in batch.values())
        return read / (time.perf_counter() - started)
    finally:
        await _stop(consumer)


async def raw_insert(mongodb_url: str, documents: int = 100_000) -> float:
    """Docs/s of insert_many in chunks of 1000 of patent-view-sized documents into the same store."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
    collection = client["bench_raw"]["patents"]
    await collection.drop()
    doc = {
        "institution": "121100000001000006",
        "province": "110000",
        "review_state": "draft",
        "legal_status": "valid",
        "patent": {"title": "一种负载测试方法", "ipc_main": "G06F 16/35", "filing_date": "2019-03-01"},
        "seq": {"inventory": 1},
    }
    started = time.perf_counter()
    for start in range(0, documents, 1000):
        await collection.insert_many([{**doc, "_id": f"raw-{i}"} for i in range(start, start + 1000)])
    rate = documents / (time.perf_counter() - started)
    await client.drop_database("bench_raw")
    await client.close()
    return rate


# --- the document store asked directly --------------------------------------------------------------------------


async def store_queries(mongodb_url: str, province: str, limit_seconds: float = 60.0) -> dict[str, str]:
    """The read API's kind of query asked of the inventory's own patent documents (one per patent: the projection
    keeps none, its view is folded from the engine), each cut off after 60 s."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, socketTimeoutMS=int(limit_seconds * 1000))
    patents = client["bench_inventory"]["patents"]
    where = {"state.patent.owner.province": province}

    async def by_id() -> Any:
        return await patents.find_one({"_id": "none"})

    async def page() -> Any:
        return await patents.find(where).sort("state.patent.grant_date", -1).limit(20).to_list()

    async def count() -> Any:
        return await patents.count_documents(where)

    async def group() -> Any:
        cursor = await patents.aggregate(
            [{"$match": where}, {"$group": {"_id": "$state.review_state", "n": {"$sum": 1}}}]
        )
        return await cursor.to_list()

    async def ipc_by_year() -> Any:
        # FerretDB 1.x groups by field paths only (no $substr in a group key): the whole IPC symbol and grant date,
        # a finer table than the engine's class × year, at the same cost of reading every document.
        key = {"ipc": "$state.patent.ipc_main", "granted": "$state.patent.grant_date"}
        cursor = await patents.aggregate([{"$group": {"_id": key, "n": {"$sum": 1}}}])
        return await cursor.to_list()

    out = {}
    for name, run in (
        ("by _id", by_id),
        ("filter by province, sort by grant date, first 20", page),
        ("count by province", count),
        ("$match + $group by review state", group),
        ("$group all by IPC x grant date", ipc_by_year),
    ):
        started = time.perf_counter()
        try:
            await asyncio.wait_for(run(), limit_seconds)
            out[name] = f"{(time.perf_counter() - started) * 1000:.0f} ms"
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError) or "timed out" in str(exc)
            out[name] = f"> {limit_seconds:.0f} s" if timed_out else f"error: {str(exc)[:80]}"
    await client.close()
    return out


# --- load generator (a second process) --------------------------------------------------------------------------


def market_data(services: dict[str, Any], pooled: list[Any], sign: Any, bootstrap: str) -> dict[str, Any]:
    """Enterprises evaluate ``pooled`` through the evaluation API and publish demands to matching (as ``make run``
    does), and every consumer catches up: the seconds it took and what was sent."""
    from patentflow.localinfra import market

    print(f"enterprises evaluate {len(pooled):,} pool patents and publish demands ...", flush=True)
    started = time.perf_counter()
    figures = market.load(services["evaluation"].url, pooled, sign)
    firms = figures.pop("firms")
    out: dict[str, Any] = {k: v for k, v in figures.items() if k != "bases"}
    if "matching" in services:
        matched = market.demands(services["matching"].url, firms, sign)
        out.update(demands=matched["demands"], pushed=matched["pushed"])
    asyncio.run(caught_up(bootstrap, within=3600))
    return {**out, "seconds": round(time.perf_counter() - started, 1)}


def endpoints(provinces: list[str], numbers: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, params) of the list and monitoring endpoints the generator asks, province by province, with one
    patent and its timeline among them (by number: what the store answers by ``_id``)."""
    out: list[tuple[str, str, dict[str, str]]] = []
    for i, p in enumerate(provinces):
        number = numbers[i % len(numbers)]
        out += [
            ("one patent by number", f"/patents/{number}", {}),
            ("one patent's timeline", f"/patents/{number}/timeline", {}),
            ("facets by IPC class x grant year", "/patents/facets", {"by": "ipc_class", "then": "grant_year"}),
            ("list province, by grant date", "/patents", {"province": p, "sort": "-grant_date", "limit": "20"}),
            ("list pool of a province", "/patents", {"province": p, "review_state": "pooled", "limit": "20"}),
            ("facets by review state", "/patents/facets", {"by": "review_state", "province": p}),
            ("coverage by province", "/views/coverage", {"group": "province"}),
            ("coverage of a province's institutions", "/views/coverage", {"group": "institution", "province": p}),
            ("pool by SEI", "/views/pool", {"by": "sei", "province": p}),
            ("pool by TRL and intent", "/views/pool", {"by": "trl,intent"}),
            ("legal status by type", "/views/legal-status", {"by": "patent_type", "province": p}),
            ("five-year watchlist", "/views/five-year", {"limit": "20", "province": p}),
            ("quarterly figures of a province", "/views/quarterly", {"province": p}),
            ("evaluation coverage", "/views/evaluation-coverage", {"group": "institution", "province": p}),
            ("matching coverage", "/views/matching-coverage", {"group": "institution", "province": p}),
            ("funnel", "/views/funnel", {"province": p}),
        ]
    return out


ENGINE_FIGURES = (
    "patentflow_engine_answers_total",
    "patentflow_engine_writes_total",
    "patentflow_engine_read_seconds_sum",
    "patentflow_engine_read_seconds_count",
)


async def engine_figures(http: httpx.AsyncClient) -> dict[str, float]:
    """The projection's query-engine counters now (``/metrics``): answers by how served, writes, read time."""
    text = (await http.get("/metrics")).text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in ENGINE_FIGURES:
                how = sample.labels.get("how")
                out[f"{sample.name}:{how}" if how else sample.name] = sample.value
    return out


def engine_during(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """What the engine did in a window: a latency figure means little without how many answers were computed."""

    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    computed = delta("patentflow_engine_read_seconds_count")
    return {
        "answers_remembered": int(delta("patentflow_engine_answers_total:remembered")),
        "answers_kept_across_writes": int(delta("patentflow_engine_answers_total:kept")),
        "answers_joined": int(delta("patentflow_engine_answers_total:joined")),
        "answers_computed": int(delta("patentflow_engine_answers_total:computed")),
        "mean_compute_ms": round(delta("patentflow_engine_read_seconds_sum") / computed * 1000, 1) if computed else 0,
        "engine_writes": int(delta("patentflow_engine_writes_total")),
    }


async def generate_load(
    url: str, token: str, rate: float, seconds: float, provinces: list[str], numbers: list[str]
) -> dict[str, Any]:
    """Open loop: a request every 1/rate s whatever the answers take; per endpoint, the latencies in ms; and what
    the engine did meanwhile (answers computed or remembered, writes). At most ``IN_FLIGHT`` requests wait at once: a
    request due when that many are unanswered is not sent and counts as an error ("not sent: overloaded"), so an
    overloaded API shows as errors instead of a queue in the generator (whose pool of thousands of waiting requests
    took a whole core)."""
    plan = endpoints(provinces, numbers)
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    # Idle connections are dropped by the client before the server's 5 s keep-alive ends (httpx's default is the
    # same 5 s): otherwise a request sent on one the server is closing fails with a ReadError.
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT, keepalive_expiry=2.0)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=limits
    ) as http:
        in_flight = 0

        async def one(name: str, path: str, params: dict[str, str]) -> None:
            nonlocal in_flight
            started = time.perf_counter()
            try:
                answer = await http.get(path, params=params)
                failed = None if answer.status_code == 200 else str(answer.status_code)
            except httpx.HTTPError as exc:  # counted, not fatal: a closed connection is a figure too
                failed = type(exc).__name__
            finally:
                in_flight -= 1
            elapsed = (time.perf_counter() - started) * 1000
            if failed is not None:
                errors[f"{name}: {failed}"] = errors.get(f"{name}: {failed}", 0) + 1
            latencies.setdefault(name, []).append(elapsed)

        before = await engine_figures(http)
        tasks = []
        started = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            wait = started + i / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            name, path, params = plan[i % len(plan)]
            if in_flight >= IN_FLIGHT:
                errors[f"{name}: not sent: overloaded"] = errors.get(f"{name}: not sent: overloaded", 0) + 1
                continue
            in_flight += 1  # counted when sent, not when the task first runs (a late generator sends several at once)
            tasks.append(asyncio.create_task(one(name, path, params)))
        await asyncio.gather(*tasks)
        achieved = len(tasks) / (time.perf_counter() - started)  # sent and answered; the ones not sent are errors
        engine = engine_during(before, await engine_figures(http))
    everything = [v for values in latencies.values() for v in values]
    return {
        "offered_rps": rate,
        "achieved_rps": round(achieved, 1),
        "requests": total,
        "errors": errors,
        "engine": engine,
        "all": percentiles(everything),
        "endpoints": {name: percentiles(values) for name, values in latencies.items()},
    }


def run_load_generator(
    url: str, token: str, rate: float, seconds: float, warmup: float, provinces: list[str], numbers: list[str]
) -> dict[str, Any]:
    """The load generator in a second process (its own CPU and event loop), its figures as JSON: first ``warmup``
    seconds at the same rate (the first answer to each distinct request is computed, later ones are remembered until
    the data changes; reported apart), then the measured ``seconds``."""
    out = subprocess.run(
        [sys.executable, __file__, "--loadgen", json.dumps([url, token, rate, seconds, warmup, provinces, numbers])],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"load generator failed:\n{out.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


# --- projection lag ---------------------------------------------------------------------------------------------


async def projection_lag(
    bootstrap: str,
    url: str,
    token: str,
    rate: float,
    seconds: float,
    series: Path | None = None,
    warmup: float = 0.0,
) -> dict[str, Any]:
    """Offer PatentRecorded events of a fresh institution at ``rate``/s for ``warmup`` + ``seconds``; per event, the
    ms until the engine counts it. The engine is polled every 20 ms; events land on six partitions, so a count of n is
    read as "the first n sent are in" (a little pessimistic when partitions overtake each other). The percentiles
    are of the events offered after the warm-up (a broker started minutes ago still compiles its hot paths: its CPU
    was 40 % in the first 30 s of an offer and 16 % after); the warm-up's own are reported beside them."""
    from patentflow.contracts.envelope import source_of
    from patentflow.contracts.events import PatentRecorded
    from patentflow.contracts.events.common import Owner
    from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char
    from patentflow.kit.cloudevents import EventMeta, new_event_id

    body = "12650000" + f"{secrets.randbelow(10**9):09d}"
    owner = Owner(credit_code=body + credit_code_check_char(body), name="延迟测试研究院", province="650000")
    total = int(rate * (warmup + seconds))
    counted_from = int(rate * warmup)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )  # as make_producer
    await producer.start()
    sent: list[float] = []
    seen: list[float] = [0.0] * total
    done = asyncio.Event()

    async def poll() -> None:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            counted = 0
            while counted < total:
                answer = await http.get(
                    "/views/coverage", params={"group": "institution", "institution": owner.credit_code}
                )
                rows = answer.json()["rows"] if answer.status_code == 200 else []
                now = time.perf_counter()
                n = rows[0]["recorded"] if rows else 0
                for i in range(counted, min(n, total)):
                    seen[i] = now
                counted = max(counted, n)
                await asyncio.sleep(0.02)
        done.set()

    # Every event is built and encoded before the offer starts: the load generator shares the cores with the platform
    # and must cost it as little as it can (a producer of the platform publishes from its outbox, already encoded).
    year = 2015
    serial0 = 8_000_000 + secrets.randbelow(1_000_000)
    prepared = []
    for i in range(total):
        number_body = f"{year}1{serial0 + i:07d}"
        number = f"{number_body}.{application_check_digit(number_body)}"
        event = PatentRecorded.model_validate(
            {
                "application_number": number,
                "patent_type": "invention",
                "title": "一种延迟测试方法",
                "ipc_main": "G06F 16/35",
                "filing_date": date(year, 3, 1),
                "grant_date": date(year + 2, 6, 1),
                "owner": owner,
                "state_funded": False,
                "source": "manual",
                "recorded_by": "bench",
                "legal_status": "valid",
                "expiry_date": date(year + 20, 2, 28),
            }
        )
        meta = EventMeta(new_event_id(), source_of("inventory"), event.event_type, number, 1, datetime.now(UTC))
        headers = [(k, v.encode()) for k, v in meta.headers().items()]
        prepared.append((event.topic.name, event.model_dump_json().encode(), number.encode(), headers))
    poller = asyncio.create_task(poll())
    started, wall = time.perf_counter(), time.time()
    # Paced in ticks of 5 ms, each sending the events due by then: a sleep per event cost the generator as much as
    # its sends. Each event's lag counts from its own send.
    i = 0
    while i < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        while i < due:
            topic, value, key, headers = prepared[i]
            sent.append(time.perf_counter())
            await producer.send(topic, value, key=key, headers=headers)
            i += 1
        await asyncio.sleep(0.005)
    await producer.flush()
    achieved = total / (time.perf_counter() - started)
    await asyncio.wait_for(done.wait(), 300)
    await poller
    await producer.stop()
    lags = [(seen[i] - sent[i]) * 1000 for i in range(total)]
    if series is not None:  # when each event was sent (s into the offer) and its lag (ms): where the stalls are
        series.write_text(
            f"# offer started at unix time {wall:.3f}\n"
            + "".join(f"{sent[i] - started:.3f} {lag:.0f}\n" for i, lag in enumerate(lags))
        )
    return {
        "offered_per_second": rate,
        "achieved_per_second": round(achieved, 1),
        "events": total - counted_from,
        **percentiles(lags[counted_from:]),
        "warmup": {"seconds": warmup, "events": counted_from, **percentiles(lags[:counted_from])},
    }


# --- rebuild ----------------------------------------------------------------------------------------------------


def rebuild(url: str, token: str, timeout: float = 3600) -> dict[str, Any]:
    """Start a rebuild of the query engine and follow it to its end."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    progress = httpx.post(f"{url}/admin/engine/rebuild", headers=headers, timeout=30).json()
    while progress["state"] not in ("swapped", "failed") and time.perf_counter() - started < timeout:
        time.sleep(2)
        progress = httpx.get(f"{url}/admin/engine/rebuild", headers=headers, timeout=30).json()
    progress["wall_seconds"] = round(time.perf_counter() - started, 1)
    return dict(progress)


# --- main -------------------------------------------------------------------------------------------------------


def main() -> int:
    """Run every stage, then the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patents", type=int, default=1_000_000)
    parser.add_argument("--second-import", type=int, default=100_000)
    parser.add_argument("--read-rate", type=float, default=200.0)
    parser.add_argument("--read-seconds", type=float, default=30.0)
    parser.add_argument("--read-warmup", type=float, default=30.0, help="seconds of load before the measured ones")
    parser.add_argument("--lag-rate", type=float, default=1000.0)
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--lag-warmup", type=float, default=30.0, help="seconds of offer before the measured ones")
    parser.add_argument(
        "--mixed-seconds",
        type=float,
        default=30.0,
        help="seconds of reads at --read-rate during an offer at --lag-rate",
    )
    parser.add_argument("--lag-series", type=Path, help="write each offered event's send time and lag to this file")
    parser.add_argument("--keep-logs", type=Path, help="copy the services' logs into this directory at the end")
    parser.add_argument("--review-share", type=float, default=0.01)
    parser.add_argument(
        "--market-patents",
        type=int,
        default=2000,
        help="pool patents offered to enterprises through the evaluation API (then their demands to matching), so"
        " the evaluation, matching and funnel views are timed over data",
    )
    parser.add_argument("--per-institution", type=int, default=3000, help="patents per institution, on average")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"a subset of {','.join(STAGES)} (load always runs)")
    parser.add_argument("--loadgen")
    parser.add_argument(
        "--services",
        default=",".join(SERVICES),
        help="the services to run (a diagnosis: the targets hold only with all of them; inventory and projection"
        " are always run)",
    )
    args = parser.parse_args()
    if args.loadgen:
        url, token, rate, seconds, warmup, provinces, numbers = json.loads(args.loadgen)
        cold = asyncio.run(generate_load(url, token, rate, warmup, provinces, numbers)) if warmup > 0 else None
        figures = asyncio.run(generate_load(url, token, rate, seconds, provinces, numbers))
        print(json.dumps({**figures, "warmup": cold}))
        return 0

    from patentflow.contracts.access import Role, Scope
    from patentflow.kit.auth import issue_token
    from patentflow.localinfra import dataset
    from patentflow.testing.fixtures import TEST_SECRET
    from patentflow.testing.infrastructure import provide

    def sign(role: str, **scope: str) -> str:
        return issue_token(
            TEST_SECRET, sub=f"bench-{role}", role=Role(role), scope=Scope(**scope), ttl=timedelta(days=1)
        )

    stages = set(args.stages.split(",")) - {"load"}
    if stages - set(STAGES):
        parser.error(f"unknown stages {sorted(stages - set(STAGES))}")
    results: dict[str, Any] = {"patents": args.patents}
    with tempfile.TemporaryDirectory(dir=os.environ.get("PATENTFLOW_BENCH_DIR")) as tmp, provide(Path(tmp)) as infra:
        root = Path(tmp)
        print(f"infrastructure: {infra.provider}", flush=True)
        chosen = {"inventory", "projection", *args.services.split(",")}
        services = start_platform(infra, root, TEST_SECRET, [name for name in SERVICES if name in chosen])
        results["services"] = list(services)
        inventory, projection = services["inventory"].url, services["projection"].url
        national = sign("national_admin")
        try:
            plan = dataset.plan(args.patents, per_institution=args.per_institution)
            print(f"loading {plan.patents:,} patents of {len(plan.institutions):,} institutions ...", flush=True)
            started = time.perf_counter()
            loaded = dataset.load(
                plan, inventory, sign, review_share=args.review_share, say=lambda s: print(s, flush=True)
            )
            settle = asyncio.run(caught_up(infra.kafka_bootstrap, within=6 * 3600))
            events = asyncio.run(end_offsets_total(infra.kafka_bootstrap))
            whole = time.perf_counter() - started
            pooled = loaded.pop("pooled_patents")
            results["load"] = {
                **loaded,
                "rows_per_second": round(plan.patents / loaded["import_seconds"], 1),
                "events": events,
                "caught_up_after_load_seconds": round(settle, 1),
                "end_to_end_events_per_second": round(events / whole, 1),
            }
            print(json.dumps(results["load"]), flush=True)
            if "evaluation" in services and args.market_patents:
                results["market"] = market_data(services, pooled[: args.market_patents], sign, infra.kafka_bootstrap)
                print(json.dumps(results["market"]), flush=True)

            if "second" in stages:
                second = dataset.plan(args.second_import, per_institution=args.per_institution, base=1)
                before = asyncio.run(end_offsets_total(infra.kafka_bootstrap))
                loaded_again = dataset.load(
                    second, inventory, sign, review_share=0.0, say=lambda s: print(s, flush=True)
                )
                settle_again = asyncio.run(caught_up(infra.kafka_bootstrap, within=3600))
                results["second_import"] = {
                    "rows": second.patents,
                    "import_seconds": loaded_again["import_seconds"],
                    "events": asyncio.run(end_offsets_total(infra.kafka_bootstrap)) - before,
                    "caught_up_seconds_after_import_end": round(settle_again, 1),
                }
                print(json.dumps(results["second_import"]), flush=True)

            if "raw" in stages:
                results["raw"] = {
                    "aiokafka_consume_records_per_second": round(asyncio.run(raw_consume(infra.kafka_bootstrap)), 1),
                    "store_insert_many_docs_per_second": round(asyncio.run(raw_insert(infra.mongodb_url)), 1),
                }
                print(json.dumps(results["raw"]), flush=True)

            provinces = [code for code, _, _ in dataset.PROVINCES]
            institutions = [i for i in plan.institutions[:: max(1, len(plan.institutions) // 64)] if i.patents]
            numbers = [
                next(dataset.rows(plan, inst, plan.institutions.index(inst)))["application_number"]
                for inst in institutions
            ]
            if "read" in stages:
                results["read_api"] = run_load_generator(
                    projection, national, args.read_rate, args.read_seconds, args.read_warmup, provinces, numbers
                )
                print(json.dumps(results["read_api"]), flush=True)

            if "lag" in stages:
                results["lag"] = asyncio.run(
                    projection_lag(
                        infra.kafka_bootstrap,
                        projection,
                        national,
                        args.lag_rate,
                        args.lag_seconds,
                        args.lag_series,
                        args.lag_warmup,
                    )
                )
                print(json.dumps(results["lag"]), flush=True)

            if "mixed" in stages:
                # The read generator in its second process, the offer in this one, over the same seconds.
                with ThreadPoolExecutor(1) as beside:
                    reads = beside.submit(
                        run_load_generator,
                        projection, national, args.read_rate, args.mixed_seconds, 0.0, provinces, numbers,
                    )  # fmt: skip
                    offer = projection_lag(
                        infra.kafka_bootstrap, projection, national, args.lag_rate, args.mixed_seconds + 5.0
                    )
                    results["mixed"] = {"lag": asyncio.run(offer), "read_api": reads.result()}
                print(json.dumps(results["mixed"]), flush=True)

            if "rebuild" in stages:
                results["rebuild"] = rebuild(projection, national)
                print(json.dumps(results["rebuild"]), flush=True)

            if "store" in stages:
                results["store_direct"] = asyncio.run(store_queries(infra.mongodb_url, "430000"))
                print(json.dumps(results["store_direct"], ensure_ascii=False), flush=True)
        finally:
            for service in services.values():
                service.stop()
            if args.keep_logs is not None:  # the services' logs outlive the run's temporary directory
                shutil.copytree(root / "logs", args.keep_logs, dirs_exist_ok=True)
                for found in root.glob("infra/**/logs"):  # the broker's own
                    shutil.copytree(found, args.keep_logs / found.parent.name, dirs_exist_ok=True)
                for found in root.glob("infra/**/*.log"):  # each infrastructure process's output (the store's)
                    shutil.copy(found, args.keep_logs / found.name)
    return report(results)


def engine_line(e: dict[str, Any]) -> str:
    """One line of what the engine did in a read window."""
    return (
        f"{e['answers_computed']} answers computed (mean {e['mean_compute_ms']} ms), {e['answers_remembered']}"
        f" remembered, {e.get('answers_kept_across_writes', 0)} kept across writes that did not touch them,"
        f" {e['answers_joined']} joined a running read; {e['engine_writes']} writes"
    )


def report(r: dict[str, Any]) -> int:
    """Print the figures of the stages that ran and their targets; 1 if one is missed."""
    checks: dict[str, bool] = {}
    load = r["load"]
    print("\n=== read side at", f"{r['patents']:,}", "patents ===")
    if len(r.get("services", SERVICES)) < len(SERVICES):
        print("ONLY these services ran (a diagnosis, not the platform):", ", ".join(r["services"]))
    print(
        f"import: {load['rows_per_second']:.0f} rows/s; all consumer groups caught up {load['caught_up_after_load_seconds']:.0f} s after it ended"
    )
    if "market" in r:
        m = r["market"]
        print(
            f"market data for the evaluation, matching and funnel views: {m['evaluated']:,} evaluations, {m['reviewed']:,}"
            f" expert reviews, {m.get('demands', 0):,} demands ({m.get('pushed', 0):,} pushes), in {m['seconds']:.0f} s"
        )
    if "second_import" in r:
        second = r["second_import"]
        print(
            f"{second['rows']:,}-row import under the full platform: every consumer group caught up {second['caught_up_seconds_after_import_end']:.1f} s after its end"
        )
    if "raw" in r:
        raw = r["raw"]
        slower_raw = min(raw["aiokafka_consume_records_per_second"], raw["store_insert_many_docs_per_second"])
        print(
            f"raw: aiokafka consume {raw['aiokafka_consume_records_per_second']:.0f} records/s, store insert {raw['store_insert_many_docs_per_second']:.0f} docs/s"
        )
        checks[f"end to end {load['end_to_end_events_per_second']:.0f} events/s >= half the slower raw rate ({slower_raw:.0f})"] = load["end_to_end_events_per_second"] >= slower_raw / 2  # fmt: skip
    if "read_api" in r:
        read = r["read_api"]
        print(
            f"read API at {read['achieved_rps']:.0f} req/s: p50 {read['all']['p50']:.1f} / p95 {read['all']['p95']:.1f} / p99 {read['all']['p99']:.1f} ms; errors {read['errors']}"
        )
        print(f"  the engine meanwhile: {engine_line(read['engine'])}")
        if read.get("warmup"):
            cold = read["warmup"]
            print(
                f"  (warm-up before it, not counted: {cold['requests']} requests, p50 {cold['all']['p50']:.1f} / p95 {cold['all']['p95']:.1f} / p99 {cold['all']['p99']:.1f} ms; {engine_line(cold['engine'])})"
            )
        for name, p in read["endpoints"].items():
            print(f"  {name:<40} p50 {p['p50']:6.1f}  p95 {p['p95']:6.1f}  p99 {p['p99']:6.1f} ms")
        checks[f"read API p99 {read['all']['p99']:.1f} ms < {READ_P99_MS:.0f} ms at {read['achieved_rps']:.0f} req/s"] = read["all"]["p99"] < READ_P99_MS and not read["errors"]  # fmt: skip
    if "lag" in r:
        lag = r["lag"]
        print(
            f"projection lag at {lag['achieved_per_second']:.0f} events/s: p50 {lag['p50']:.0f} / p95 {lag['p95']:.0f} / p99 {lag['p99']:.0f} ms"
        )
        if lag.get("warmup", {}).get("events"):
            w = lag["warmup"]
            print(f"  (the {w['seconds']:.0f} s of offer before it, not counted: p50 {w['p50']:.0f} / p95 {w['p95']:.0f} / p99 {w['p99']:.0f} ms)")  # fmt: skip
        checks[f"projection lag p99 {lag['p99']:.0f} ms < {LAG_P99_MS:.0f} ms at {lag['achieved_per_second']:.0f} events/s"] = lag["p99"] < LAG_P99_MS  # fmt: skip
    if "mixed" in r:  # no target: what a platform that is being written to answers
        read, lag = r["mixed"]["read_api"], r["mixed"]["lag"]
        print(
            f"both at once (no target): read API at {read['achieved_rps']:.0f} req/s while {lag['achieved_per_second']:.0f}"
            f" events/s arrive: p50 {read['all']['p50']:.1f} / p95 {read['all']['p95']:.1f} / p99 {read['all']['p99']:.1f} ms;"
            f" errors {read['errors']}; lag p50 {lag['p50']:.0f} / p95 {lag['p95']:.0f} / p99 {lag['p99']:.0f} ms"
        )  # fmt: skip
        print(f"  the engine meanwhile: {engine_line(read['engine'])}")
    if "rebuild" in r:
        rb = r["rebuild"]
        rate = rb["events"] / max(rb["wall_seconds"], 1e-9)
        print(
            f"rebuild: {rb['events']:,} events in {rb['wall_seconds']:.0f} s, pause {rb['pause_seconds']} s, differences {rb['differences']}"
        )
        checks[f"rebuild {rb['events']:,} events at {rate:.0f} events/s (1 M in {1_000_000 / max(rate, 1e-9) / 60:.1f} min) < 10 min"] = rb["state"] == "swapped" and rb["differences"] == 0 and rate >= REBUILD_EVENTS_PER_SECOND  # fmt: skip
    if "store_direct" in r:
        print("document store asked directly:", json.dumps(r["store_direct"], ensure_ascii=False))
    for text, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
