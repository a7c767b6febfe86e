"""The query engine alone, in one process, at national scale: what one fold and one first-time read cost.

``python bench/engine_bench.py [--patents 1000000] [--threads N]`` loads N recorded patents of 333 institutions into an in-memory
engine, then prints the milliseconds one write (rows stored and folded into the current tables) takes for batches
of 10, 100 and 500 new patents, and what the coverage view of one institution and of the provinces costs when it
is asked for the first time after a write (no answer kept). With the read bench's lag and read figures it tells the
engine's share from the machine's: the read bench runs the engine beside every other service on the same cores.

``--file PATH --steady SECONDS`` runs the engine on a file, as the service does (its tail moved to the file by
another thread, the file and the in-memory databases checkpointed), then writes at ``--rate`` events/s (half new
patents, half updates) for that long and prints how late each write finished: the engine's share of the lag.
``make bench`` runs it so for 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from patentflow.contracts.access import Role, Scope
from patentflow.contracts.events import InstitutionRegistered, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char
from patentflow.kit.principal import Principal
from patentflow.projection import engine as engine_module
from patentflow.projection.config import Settings
from patentflow.projection.engine import Engine
from patentflow.projection.facts import rows_of
from patentflow.projection.queries import Filters, coverage
from patentflow.testing.events import received

PROVINCES = ("110000", "310000", "320000", "330000", "420000", "430000", "440000", "510000", "610000", "650000")
NATIONAL = Principal(sub="bench", role=Role.NATIONAL_ADMIN, scope=Scope())


def owner(index: int) -> Owner:
    """The ``index``-th institution, in one of ten provinces."""
    body = f"12{PROVINCES[index % len(PROVINCES)][:2]}0000{index:09d}"
    return Owner(credit_code=body + credit_code_check_char(body), name=f"测试大学{index}", province=PROVINCES[index % len(PROVINCES)])  # fmt: skip


def recorded(serial: int, who: Owner, at: datetime = datetime(2024, 1, 1, tzinfo=UTC)) -> Any:
    """A received PatentRecorded of ``who``: a granted invention, valid."""
    year = 2010 + serial % 14
    body = f"{year}1{serial:07d}"
    event = PatentRecorded.model_validate(
        {"application_number": f"{body}.{application_check_digit(body)}", "patent_type": "invention",
         "title": "一种测试方法", "ipc_main": ("G06F 16/35", "A61K 31/00", "H01M 10/05")[serial % 3],
         "filing_date": date(year, 3, 1), "grant_date": date(year + 2, 6, 1), "owner": who, "state_funded": False,
         "source": "manual", "recorded_by": "bench", "legal_status": "valid", "expiry_date": date(year + 20, 2, 28)}
    )  # fmt: skip
    return received(event, 1, time=at)


async def timed(action: Any) -> float:
    """Milliseconds ``action()`` took."""
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


def institution(index: int, who: Owner) -> Any:
    """A received InstitutionRegistered of ``who`` (every fifth a pilot)."""
    event = InstitutionRegistered(credit_code=who.credit_code, name=who.name, kind="university",
                                  province=who.province, ministry="MoE", pilot=index % 5 == 0, registered_by="bench")  # fmt: skip
    return received(event, 1)


def main() -> None:
    """On a temporary file unless one is named."""
    args = arguments()
    if args.steady and args.file is None:
        with tempfile.TemporaryDirectory() as tmp:
            args.file = Path(tmp) / "engine.duckdb"
            asyncio.run(run(args))
    else:
        asyncio.run(run(args))


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patents", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=333)
    parser.add_argument("--threads", type=int, default=Settings.model_fields["engine_threads"].default)
    parser.add_argument("--file", type=Path, help="an engine on this file (its tail moved there, checkpoints and all)")
    parser.add_argument("--steady", type=float, default=0.0, help="then seconds of writes at --rate events/s")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--live-checkpoint", type=int, help="checkpoint the current tables after this many updates")
    return parser.parse_args()


async def run(args: argparse.Namespace) -> None:
    """Load, then time writes and first-time reads."""
    if args.live_checkpoint is not None:
        engine_module.LIVE_CHECKPOINT_UPDATES = args.live_checkpoint
    owners = [owner(i) for i in range(args.institutions)]
    if args.file is not None and args.file.exists():
        raise SystemExit(f"{args.file} exists: name a new file (the bench fills it; never a service's engine file)")
    engine = Engine(args.file, threads=args.threads)
    await engine.start()
    registered = [institution(i, o) for i, o in enumerate(owners)]
    await engine.apply(registered)
    started = time.perf_counter()
    serial, chunk = 0, 20_000
    while serial < args.patents:
        rows = [row for s in range(serial, min(serial + chunk, args.patents)) for row in rows_of(recorded(s, owners[s % len(owners)]))]  # fmt: skip
        await engine.apply_rows(rows, fold=False)
        serial += chunk
    await engine.start()  # the current tables from the stored rows, as after a restart
    print(
        f"{args.threads} DuckDB thread(s); loaded {args.patents:,} patents in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    one = Filters(institution=owners[7].credit_code)
    for size in (10, 100, 500):
        writes, firsts = [], []
        for _ in range(20):
            rows = [row for s in range(serial, serial + size) for row in rows_of(recorded(s, owners[7]))]
            serial += size
            writes.append(await timed(lambda rows=rows: engine.apply_rows(rows)))
            clause = coverage(NATIONAL, one, "institution", None)
            firsts.append(await timed(lambda c=clause: engine.query(c.sql, c.params)))
        print(f"write of {size:>3} new patents: median {statistics.median(writes):6.1f} ms, max {max(writes):6.1f} ms;"
              f" then the coverage of one institution: median {statistics.median(firsts):6.1f} ms", flush=True)  # fmt: skip
    provinces = []
    for _ in range(10):
        await engine.apply_rows([row for row in rows_of(recorded(serial, owners[3]))])
        serial += 1
        clause = coverage(NATIONAL, Filters(), "province", None)
        provinces.append(await timed(lambda c=clause: engine.query(c.sql, c.params)))
    print(f"coverage of every province, first ask after a write: median {statistics.median(provinces):6.1f} ms")
    if args.steady:
        await steady(engine, args, owners, serial)
    await engine.close()


async def steady(engine: Engine, args: Any, owners: list[Owner], serial: int) -> None:
    """Writes at ``--rate`` for ``--steady`` seconds, half new patents and half a new record of a loaded one, each
    timed from the moment it was due (a late one waits for the one before it, as the consumer's next batch does);
    and how often the file checkpointed."""
    interval = 0.05  # the consumer's batches at 1 000 events/s come about this often
    size = max(1, round(args.rate * interval))
    late: list[float] = []
    checkpoints = 0
    loop = asyncio.get_running_loop()
    wal = Path(f"{args.file}.wal") if args.file is not None else None

    def wal_size() -> int:
        return wal.stat().st_size if wal is not None and wal.exists() else 0

    start = loop.time()
    due, last = start, wal_size()
    while due - start < args.steady:
        await asyncio.sleep(max(0.0, due - loop.time()))
        stated = datetime.now(UTC)
        again = [(s * 7919) % args.patents for s in range(serial, serial + size // 2)]  # spread over the loaded ones
        fresh = list(range(serial, serial + size - len(again)))
        rows = [row for s in fresh + again for row in rows_of(recorded(s, owners[s % len(owners)], stated))]
        serial += len(fresh)
        await engine.apply_rows(rows)
        late.append((loop.time() - due) * 1000)
        size_now = wal_size()
        checkpoints += size_now < last
        last, due = size_now, due + interval
    late.sort()

    def at(q: float) -> float:
        return late[min(len(late) - 1, int(q * len(late)))]

    print(
        f"steady writes of {size} patents (half new, half updated) every {interval * 1000:.0f} ms for {args.steady:.0f} s: done after due "
        f"p50 {at(0.5):.0f} / p95 {at(0.95):.0f} / p99 {at(0.99):.0f} / max {late[-1]:.0f} ms; "
        f"{checkpoints} checkpoint(s) of the file",
        flush=True,
    )


if __name__ == "__main__":
    main()
