"""What an id set costs the store as it grows: one change of 150 members at a time, into a set of up to 90 000 (an
institution's patents), and the reading of the whole set at the end.

``python bench/idsets_bench.py [--members 90000]`` prints, per set size, the milliseconds of one change and the store's
CPU for it (when the store runs as a local process); ``make bench`` runs it. The kit's first layout, 16 buckets by a
hash of the id, measured 38 ms of store CPU a change at 15 000 members and 440 ms at 90 000; 1 024 such buckets
106 - 144 ms at every size (2026-12-07, this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from pymongo import AsyncMongoClient

from patentflow.kit.idsets import IdSets
from patentflow.testing.infrastructure import cpu_seconds

CHANGE = 150  # about what one fetch of the inventory's consumer adds to one institution's set under a steady load


async def grow(url: str, members: int, store_pid: int | None) -> tuple[list[tuple[int, float, float]], float]:
    """(set size, ms per change, store CPU ms per change) at every sixth of ``members``; ms to read the set."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    sets = IdSets(client["idsets_bench"]["sets"])
    figures, size, step = [], 0, max(CHANGE, members // 6)
    while size < members:
        changes, started, cpu = 0, time.perf_counter(), cpu_seconds(store_pid)
        for _ in range(step // CHANGE):
            await sets.change({"12100000400000624D": [f"2015{size + i:08d}.1" for i in range(CHANGE)]})
            size += CHANGE
            changes += 1
        wall = (time.perf_counter() - started) * 1000 / changes
        figures.append((size, wall, (cpu_seconds(store_pid) - cpu) * 1000 / changes))
    started = time.perf_counter()
    if len(await sets.members("12100000400000624D")) != size:
        raise SystemExit("the set read back differs from what was added")
    read = (time.perf_counter() - started) * 1000
    await client.close()
    return figures, read


def main() -> int:
    """Start local infrastructure, run, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=90_000)
    args = parser.parse_args()
    from patentflow.testing.infrastructure import provide

    with tempfile.TemporaryDirectory() as tmp, provide(Path(tmp)) as infra:
        pid = infra.store_pid
        print(f"infrastructure: {infra.provider}; one change adds {CHANGE} members")
        figures, read = asyncio.run(grow(infra.mongodb_url, args.members, pid))
        for size, wall, cpu in figures:
            store = f"; store CPU {cpu:6.1f} ms" if pid else ""
            print(f"  set of {size:6,d}: {wall:6.1f} ms a change{store}", flush=True)
        print(f"  the whole set of {figures[-1][0]:,} read back in {read:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
