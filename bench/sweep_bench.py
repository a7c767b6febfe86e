"""What the inventory's daily pass costs at national scale, on the local store: the calendar it reads (``due.py``)
against the pass over every patent it replaces.

``python bench/sweep_bench.py [--patents 1000000]`` stores that many patent records (types, filing and grant dates,
state funding spread as in a national inventory), then prints:
- filing every patent's due days the way the index consumer does (fetches of 500): ms and store CPU per patent;
- one day's pass: the calendar read for the lookback and the day, and how many patents it then looks at;
- the first pass after an upgrade: the calendar built from one scan of the patents (once per store);
- the pass it replaces: listing every patent's id (a scan), then one lookup by id per patent (timed on a sample).
``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from patentflow.inventory.due import DueCalendar, due_days
from patentflow.kit.clock import Clock
from patentflow.testing.infrastructure import cpu_seconds

FETCH = 500  # events one fetch of the index consumer brings, about


def records(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Patent records as the store keeps them: filed 2005 - 2024, 60 % inventions, a fifth state-funded."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    out = []
    for n in range(count):
        kind = rng.choices(("invention", "utility_model", "design"), (60, 35, 5))[0]
        filed = date(2005, 1, 1) + timedelta(days=rng.randrange(20 * 365))
        granted = filed + timedelta(days=rng.randrange(200, 1400)) if rng.random() < 0.8 else None
        funded = rng.random() < 0.2
        patent = {"patent_type": kind, "filing_date": filed.isoformat(), "state_funded": funded,
                  "grant_date": granted.isoformat() if granted and granted < date.today() else None}  # fmt: skip
        out.append({"_id": f"{filed.year}{n:08d}.{n % 10}", "state": {"patent": patent, "legal_status": "valid"}})
    return out


async def run(url: str, patents: int, store_pid: int | None) -> None:
    """Store the records, then time the calendar and the pass it replaces."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    db = client["sweep_bench"]
    docs = records(patents)
    started = time.perf_counter()
    for start in range(0, len(docs), 10_000):
        await db["patents"].insert_many(docs[start : start + 10_000], ordered=False)
    print(f"  {patents:,} patent records stored in {time.perf_counter() - started:.0f} s", flush=True)

    today = date.today()
    # The consumer read each record as it was written, a month ago: the days after it are filed as they are.
    recorded = today - timedelta(days=30)
    consumer = DueCalendar(db["calendar_by_consumer"], Clock(recorded))
    started, cpu = time.perf_counter(), cpu_seconds(store_pid)
    for start in range(0, len(docs), FETCH):
        batch = docs[start : start + FETCH]
        days = [(d["_id"], due_days({**d["state"]["patent"], "legal_status": "valid"}), recorded) for d in batch]
        await consumer.file(days)
    wall, store = time.perf_counter() - started, cpu_seconds(store_pid) - cpu
    print(f"  filed by the consumer in fetches of {FETCH}: {wall * 1e6 / patents:.0f} us a patent"
          + (f"; store CPU {store * 1e6 / patents:.0f} us a patent" if store_pid else ""), flush=True)  # fmt: skip

    calendar = DueCalendar(db["calendar_by_consumer"], Clock(today))
    first = today - timedelta(days=1) - calendar.lookback  # today's pass, after yesterday's
    started = time.perf_counter()
    looked = await calendar.due(first, today)
    print(f"  one day's pass (from {first} to {today}, the lookback included): the calendar read in"
          f" {(time.perf_counter() - started) * 1000:.0f} ms; it looks at {len(looked):,} patents,"
          f" {len(await calendar.due(today, today)):,} of them due today", flush=True)  # fmt: skip

    built = DueCalendar(db["calendar_built"], Clock(today))
    started = time.perf_counter()
    await built.build(db["patents"])
    print(f"  the calendar built from one scan (once per store, after an upgrade): {time.perf_counter() - started:.0f} s",
          flush=True)  # fmt: skip

    started = time.perf_counter()
    ids = [d["_id"] async for d in db["patents"].find({}, {"_id": 1})]
    listing = time.perf_counter() - started
    sample = random.Random(3).sample(ids, min(2000, len(ids)))  # noqa: S311 - a sample, not a secret
    started = time.perf_counter()
    for number in sample:
        await db["patents"].find_one({"_id": number})
    lookup = (time.perf_counter() - started) / len(sample)
    print(f"  the pass it replaces: every id listed in {listing:.0f} s, then {len(ids):,} lookups at"
          f" {lookup * 1000:.2f} ms each, {listing + lookup * len(ids):.0f} s before any rule is applied", flush=True)  # fmt: skip
    await client.drop_database("sweep_bench")
    await client.close()


def main() -> int:
    """Start local infrastructure, run, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patents", type=int, default=1_000_000)
    args = parser.parse_args()
    from patentflow.testing.infrastructure import provide

    with tempfile.TemporaryDirectory() as tmp, provide(Path(tmp)) as infra:
        print(f"infrastructure: {infra.provider}; the daily pass at {args.patents:,} patents", flush=True)
        asyncio.run(run(infra.mongodb_url, args.patents, infra.store_pid))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
