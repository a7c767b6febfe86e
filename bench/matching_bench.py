"""Matching engine at national scale: top-10 latency for a new demand over ``--patents`` pool patents (p50 / p95),
resident memory, and pooled patents matched per second against ``--demands`` open demands.

In process, on the engine the service runs (``patentflow.matching.engine``), with generated Chinese patents and
demands (``patentflow.localinfra.vocabulary``). Targets (issue): p95 under 200 ms, under 4 GB, at least 500 pooled
patents matched per second. The store's writes of the matches found are not in these figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from patentflow.localinfra.vocabulary import demand_text, groups, patent_text
from patentflow.matching.engine import DemandEntry, Engine, PatentEntry, Ranking
from patentflow.matching.text import Tokeniser

PROVINCES = ("110000", "310000", "320000", "330000", "420000", "430000", "440000", "510000", "610000", "150000")


def resident_mb() -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _patent(rng: random.Random, n: int) -> PatentEntry:
    field, group = rng.choice(GROUPS)
    title, abstract = patent_text(group, rng)
    return PatentEntry(f"N{n:08d}", title, abstract, (rng.choice(group.symbols),), (field.industry,),
                       rng.randint(2, 8), rng.choice(PROVINCES))  # fmt: skip


def _demand(rng: random.Random, n: int) -> DemandEntry:
    field, group = rng.choice(GROUPS)
    hard = rng.random() < 0.3
    title, description = demand_text(group, rng, hard=hard)
    return DemandEntry(f"{n:032x}", f"{title} {description}", (group.subclass if hard else group.main_group,),
                       (field.industry,), rng.choice((None, 4, 6)), ())  # fmt: skip


GROUPS = groups()


def main(argv: list[str] | None = None) -> int:
    """Index, measure, print; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patents", type=int, default=1_000_000)
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300, help="new demands timed")
    parser.add_argument("--pooled", type=int, default=5_000, help="patents entering the pool, timed")
    args = parser.parse_args(argv)
    rng = random.Random(3)  # noqa: S311 - reproducible test data
    engine = Engine(Tokeniser(), Ranking.load())
    started = time.perf_counter()
    for n in range(args.patents):
        engine.put_patent(_patent(rng, n))
        if n % 100_000 == 99_999:
            engine.commit()
            print(f"  {n + 1} patents indexed ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    engine.commit()
    indexed = time.perf_counter() - started
    timings = []
    for q in range(args.queries):
        demand = _demand(rng, 10**9 + q)
        t = time.perf_counter()
        engine.rank(demand, 10)
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
    memory = resident_mb()
    for d in range(args.demands):
        engine.put_demand(_demand(rng, d))
    engine.commit()
    t = time.perf_counter()
    found = 0
    batch: list[str] = []
    for n in range(args.pooled):
        patent = _patent(rng, args.patents + n)
        engine.put_patent(patent)
        batch.append(patent.number)
        if len(batch) == 500 or n == args.pooled - 1:  # the consumer commits the index once per batch
            engine.commit()
            found += sum(len(engine.demands_for(number)) for number in batch)
            batch = []
    rate = args.pooled / (time.perf_counter() - t)
    print(f"matching engine: {args.patents} pool patents indexed in {indexed:.0f} s ({args.patents / indexed:.0f}/s)")
    print(f"  new demand, top 10: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {args.queries} demands (target p95 < 200)")
    print(f"  resident memory {memory:.0f} MB (target < 4096), {resident_mb():.0f} MB with the demands")
    print(f"  pooled patents matched against {args.demands} open demands: {rate:.0f}/s (target >= 500),"
          f" {found / args.pooled:.1f} matches each")  # fmt: skip
    return 0 if p95 < 200 and memory < 4096 and rate >= 500 else 1


if __name__ == "__main__":
    sys.exit(main())
