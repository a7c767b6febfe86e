"""The query engine: an embedded DuckDB that keeps every event's row (``facts.py``) and each patent's current facts.

Two tables matter. ``events`` (on disk) is the timeline: one row per event and patent, unique by (event id, pid), so
a redelivered event is dropped. ``live.patents`` (in memory) holds each patent's current facts, every column with
the ``ord`` it comes from; a batch is folded into it by taking, column by column, the value with the greater ord.
That fold is commutative and idempotent, so delivery order and repeats change nothing, and the table always equals
what ``derive`` computes from the events alone. That is also how it is built at start-up (seconds for a million
patents), and how a view "as of D" is answered: the same derivation over the rows whose effective day is <= D.

DuckDB runs in threads here (it releases the GIL): writes one at a time, reads side by side on their own cursors.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import structlog
from prometheus_client import Counter, Histogram

from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.collector import freeze_long_lived
from patentflow.projection.answers import Answer, Answers, Footprint, patent, province
from patentflow.projection.facts import INSTITUTION_FACTS, PATENT_FACTS, ROW_COLUMNS, rows_of

log = structlog.get_logger(__name__)

_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "TINYINT": pa.int8(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}
_SCHEMA = pa.schema([(name, _ARROW[kind]) for name, kind in ROW_COLUMNS])
_PATENT_NAMES = [name for name, _ in PATENT_FACTS]
# A write this long holds every event behind it for as long (the lag target is 500 ms): worth a line in the log.
SLOW_WRITE_SECONDS = 0.2
# How often the tail moves to the file: what a crash loses of it is read again from the topics (``rewind``).
PERSIST_SECONDS = 1.0
# DuckDB's own checkpoints are off: it runs one in whichever commit fills the WAL past its threshold, and the
# in-memory databases count too, so at 1 000 events/s every 16 s one of the writer's folds ran a checkpoint of the
# current tables and held that write for 0.2 - 1 s (the lag's spikes). Each database is checkpointed on its own terms
# instead (``bench/engine_bench.py --steady`` shows what a write waits for). The file by the persister thread, the
# only one that writes it; the in-memory ones by the writer, between two writes, since DuckDB refuses to checkpoint
# a database another transaction is writing. In memory a checkpoint is what frees the rows deleted from a table and
# the old versions an update leaves, so it is needed now and then, and is cheap while the table is small:
FILE_CHECKPOINT_BYTES = 16 << 20  # the file, when its WAL holds this much (DuckDB's default threshold)
# The tail, to free the rows moved out of it (about 1 KB an event until then). Alone, its cost grows with the rows
# deleted since the last one (4 - 6 ms for 2 000 rows of 1 KB, 20 - 70 ms for 10 000); under the full platform at
# 100 000 patents the lag's p99 was 0.84 - 1.17 s with one every 2 s and 0.57 s with one every 10 s (three runs and
# one, ``readside_bench.py --stages lag``), so every 10 s.
TAIL_CHECKPOINT_SECONDS = 10.0
# The current tables, after this many patents updated (their old versions take about 90 B each): at 1 000 000
# patents that checkpoint holds one write for about 2 s, so it is rare (an hour of updates at 1 000 events/s).
LIVE_CHECKPOINT_UPDATES = 3_000_000
_INSTITUTIONS_TOPIC = "patentflow.inventory.institutions"

# How reads were served: what a latency figure means depends on how many answers had to be computed.
ANSWERS = Counter(
    "patentflow_engine_answers_total",
    "Reads of the query engine by how they were answered (remembered, kept across writes that did not touch it, "
    "joined a running read, computed)",
    ["how"],
)
READ_SECONDS = Histogram(
    "patentflow_engine_read_seconds",
    "Time to compute one read's answer on a reader thread",
    buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)
WRITES = Counter(
    "patentflow_engine_writes_total", "Batches written to the query engine (each makes the answers it touches stale)"
)

_DDL = [
    "CREATE TABLE IF NOT EXISTS events ("
    + ", ".join(f"{name} {kind}" + (" NOT NULL" if name in ("id", "pid") else "") for name, kind in ROW_COLUMNS)
    # No primary key: a repeat never reaches the table (``_store``), and the key's index made every move and file
    # checkpoint maintain and write an index of every row (at 1 000 000 patents: steady writes p99 6.3 s with it,
    # 0.96 s without, ``engine_bench.py --patents 1000000 --steady 60``).
    + ")",
    "CREATE TABLE IF NOT EXISTS engine_info (key VARCHAR PRIMARY KEY, value VARCHAR)",
]


def derive_sql(source: str = "live.events", columns: Sequence[str] = _PATENT_NAMES) -> str:
    """Each patent's facts from the rows of ``source``: per column, the value of the row with the greatest ord."""
    parts = ", ".join(
        f"arg_max({c}, ord) FILTER (WHERE {c} IS NOT NULL) AS {c}, max(ord) FILTER (WHERE {c} IS NOT NULL) AS {c}_k"
        for c in columns
    )
    return f"SELECT pid, {parts}, max(time) AS updated_at FROM {source} WHERE pid <> 0 GROUP BY pid"


def encumbrances_sql(source: str = "live.events") -> str:
    """Each patent's current encumbrances and their holders: per (burden, holder), the latest row says on or off."""
    return (
        "SELECT pid, coalesce(list(DISTINCT encumbrance ORDER BY encumbrance) FILTER (WHERE is_on), []) AS "
        "encumbrances, coalesce(list(DISTINCT holder ORDER BY holder) FILTER (WHERE is_on AND holder IS NOT NULL),"
        " []) AS holders FROM (SELECT pid, encumbrance, holder, arg_max(encumbered, ord) AS is_on "
        f"FROM {source} WHERE pid <> 0 AND encumbrance IS NOT NULL GROUP BY pid, encumbrance, holder) GROUP BY pid"
    )


def institutions_sql(source: str = "live.events") -> str:
    """Each institution's registry facts from its events in ``source``."""
    parts = ", ".join(f"arg_max({c}, ord) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c, _ in INSTITUTION_FACTS)
    return (
        f"SELECT subject AS credit_code, {parts}, max(time) AS updated_at FROM {source} "
        f"WHERE pid = 0 AND topic = '{_INSTITUTIONS_TOPIC}' GROUP BY subject"
    )


def current_sql(source: str = "live.events", columns: Sequence[str] = _PATENT_NAMES) -> str:
    """Patents with their encumbrances, as ``live.patents`` holds them."""
    return (
        f"SELECT d.*, coalesce(e.encumbrances, []) AS encumbrances, coalesce(e.holders, []) AS holders "
        f"FROM ({derive_sql(source, columns)}) d LEFT JOIN ({encumbrances_sql(source)}) e USING (pid)"
    )


def as_of_source(day: date) -> str:
    """The rows that hold on ``day``: a replay of the events cut at that effective day."""
    return f"(SELECT * FROM live.events WHERE effective <= DATE '{day.isoformat()}')"


_FACT_TYPES = {"pid": pa.int64(), "updated_at": pa.timestamp("us")} | {
    n: t for c, kind in PATENT_FACTS for n, t in ((c, _ARROW[kind]), (f"{c}_k", pa.int64()))
}


def _fold_schema(names: Sequence[str]) -> pa.Schema:
    """The Arrow schema of folded rows with these columns of ``live.patents``."""
    return pa.schema([(n, _FACT_TYPES[n]) for n in names])


def _with_folded(db: duckdb.DuckDBPyConnection, names: list[str], records: list[list[Any]], statement: str) -> None:
    """Run ``statement`` with these folded records as the table ``folded``."""
    rows = [dict(zip(names, record, strict=True)) for record in records]
    db.register("folded", pa.Table.from_pylist(rows, schema=_fold_schema(names)))
    try:
        db.execute(statement)
    finally:
        db.unregister("folded")


@dataclass(frozen=True, slots=True)
class Applied:
    """What one write did."""

    rows: int
    patents: int
    seconds: float


class Engine:
    """One DuckDB database: ``path`` on disk (None: in memory, for tests) plus the in-memory current tables."""

    def __init__(
        self, path: Path | None, *, industries: Sequence[dict[str, str]] = (), threads: int = 2, readers: int = 4
    ) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = duckdb.connect(str(path) if path is not None else ":memory:", config={"threads": threads})
        if path is not None and not self._schema_is_current():
            # The file holds rows of an earlier version's columns. It is a cache of the topics: start it afresh (a
            # new file gets a new consumer group, which reads every partition from the beginning).
            log.warning("query engine file has other columns or keys; rebuilding it from the topics", path=str(path))
            self._db.close()
            for stale in (path, path.with_name(path.name + ".wal")):
                stale.unlink(missing_ok=True)
            self._db = duckdb.connect(str(path), config={"threads": threads})
        self._db.execute("SET checkpoint_threshold = '1TiB'")  # never in a commit: see FILE_CHECKPOINT_BYTES
        for statement in _DDL:
            self._db.execute(statement)
        self._db.execute("ATTACH ':memory:' AS live")
        self._db.execute("ATTACH ':memory:' AS tail")  # a database of its own: checkpointed often, and cheaply
        self._db.execute("INSERT OR IGNORE INTO engine_info VALUES ('moved', '0')")
        self._disk_name = self._db.execute("SELECT current_database()").fetchall()[0][0]
        disk = f'"{self._disk_name}".main'
        self._disk = disk
        # The hot tail: rows written here first, in memory, and moved to the file's table about every second by
        # another thread (see ``_persist``). ``live.events`` is what every read asks: the file's rows and the tail's
        # rows not yet moved; ``moved`` (in the file, committed with the rows it moves) says which those are.
        self._db.execute(f"CREATE TABLE tail.recent AS SELECT *, 0::BIGINT AS batch FROM {disk}.events LIMIT 0")
        self._db.execute(
            f"CREATE VIEW live.events AS SELECT * FROM {disk}.events UNION ALL SELECT * EXCLUDE (batch) FROM "
            f"tail.recent WHERE batch > (SELECT CAST(value AS BIGINT) FROM {disk}.engine_info WHERE key = 'moved')"
        )
        self._moved = int(self._db.execute("SELECT value FROM engine_info WHERE key = 'moved'").fetchall()[0][0])
        self._batch = self._moved
        self._seen: set[int] | None = None  # hash((id, pid)) of every row stored: repeats found without a lookup
        # Every pid in live.patents and its province: a batch of new patents is folded without a lookup, and a write
        # knows which provinces it touched (``answers.py``).
        self._provinces: dict[int, str | None] = {}
        self._mover = self._db.cursor()
        self._persister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-persist")
        self._moving: asyncio.Future[int] | None = None
        self._last_move = time.monotonic()
        self._tail_checkpointed = self._last_move
        self._tail_lock = threading.Lock()  # the persister's delete from the tail, or the writer's checkpoint of it
        self._updated = 0  # patents updated in the current tables since their last checkpoint
        self._load_reference(industries)
        # The consumer group that feeds this file: a new file (a fresh directory, a rebuild) gets a new group, so it
        # reads every partition from the beginning; a swap hands the live group over (see generations.py).
        found = self._db.execute("SELECT value FROM engine_info WHERE key = 'group'").fetchall()
        self.group: str = found[0][0] if found else f"engine-{secrets.token_hex(4)}"
        if not found:
            self.set_group(self.group)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-write")
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="engine-read")
        self._local = threading.local()
        self.write_lock = asyncio.Lock()
        # Answers of reads, kept until a write touches what they depend on: monitoring views are asked far more often
        # than the data they show changes.
        self.answers = Answers()
        self._running: dict[tuple[tuple[str, tuple[Any, ...]], int], asyncio.Future[Answer]] = {}
        self.ready = False
        self.closed = False

    def _schema_is_current(self) -> bool:
        found = self._db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position"
        ).fetchall()
        keyed = self._db.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()[0][0]
        return not found or ([name for (name,) in found] == [name for name, _ in ROW_COLUMNS] and not keyed)

    # --- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Build the current tables from the events on disk (after a restart or a crash: equal to a rebuild)."""
        async with self.write_lock:
            seconds = await self._in_writer(self._derive_all)
        self.ready = True
        log.info("query engine ready", path=str(self.path), seconds=round(seconds, 2))

    def _derive_all(self) -> float:
        started = time.perf_counter()
        self.answers.changed_everything()
        try:
            self._derive_tables()
        finally:
            self.answers.changed_everything()  # and again: a read while deriving must not be kept for what follows
        return time.perf_counter() - started

    def _derive_tables(self) -> None:
        db = self._db
        db.execute(f"CREATE OR REPLACE TABLE live.patents AS {current_sql()}")
        # A fold reads the batch's patents by a list of pids: with this index, at 1 000 000 patents, in 5 ms instead
        # of a scan of every column in 30 ms.
        db.execute("CREATE UNIQUE INDEX patents_pid ON live.patents (pid)")
        db.execute(f"CREATE OR REPLACE TABLE live.institutions AS {institutions_sql()}")
        found = db.sql("SELECT pid, province FROM live.patents").to_arrow_table()
        provinces = {code: code for code in found.column("province").unique().to_pylist()}  # one string a province
        self._provinces = dict(
            zip(
                found.column("pid").to_pylist(),
                (provinces[c] for c in found.column("province").to_pylist()),
                strict=True,
            )
        )
        self._seen = self._load_seen(db)
        freeze_long_lived()  # the hashes and the tables' Python side, out of every later full collection

    def set_group(self, group: str) -> None:
        """Record the consumer group that feeds this file (before it serves; not while writes run)."""
        self._db.execute("INSERT OR REPLACE INTO engine_info VALUES ('group', ?)", [group])
        self.group = group

    def _load_reference(self, industries: Sequence[dict[str, str]]) -> None:
        # The IPC subclass -> industry table, joined at query time: a new table applies without a rebuild.
        sei = pa.Table.from_pylist(
            [
                {"ipc_class": r["ipc_class"], "sei_code": r["sei_code"], "sei_name": r["sei_name"]}
                for r in industries
                if r["sei_code"]
            ],
            schema=pa.schema([("ipc_class", pa.string()), ("sei_code", pa.string()), ("sei_name", pa.string())]),
        )
        gbt = pa.Table.from_pylist(
            [
                {"ipc_class": r["ipc_class"], "gbt4754": r["gbt4754"], "gbt4754_name": r["gbt4754_name"]}
                for r in industries
                if r["gbt4754"]
            ],
            schema=pa.schema([("ipc_class", pa.string()), ("gbt4754", pa.string()), ("gbt4754_name", pa.string())]),
        )
        for name, table in (("ref_sei", sei), ("ref_gbt", gbt)):
            self._db.register("reference", table)
            self._db.execute(f"CREATE OR REPLACE TABLE live.{name} AS SELECT * FROM reference")
            self._db.unregister("reference")

    async def close(self) -> None:
        """Let the current write finish, then close."""
        async with self.write_lock:
            self.closed = True
            if self._moving is not None:
                with contextlib.suppress(Exception):
                    await self._moving  # its failure is logged; the last move below tries again
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._persister, self._persist, True)
            except Exception:  # the file stays as a crash would leave it: the rewind at start reads the tail again
                log.exception("the engine's tail could not be moved to its file at close")
            await loop.run_in_executor(self._persister, self._mover.close)
            await self._in_writer(self._db.close)
            self._provinces = {}
            self._seen = None  # frozen (``freeze_long_lived``): freed here even if this engine sits in a cycle
            self.answers.clear()
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self._persister.shutdown(wait=True)

    # --- writes ----------------------------------------------------------------------------------------------

    async def apply(
        self, events: Iterable[ReceivedEvent]
    ) -> Applied:  # tests and benchmarks; the service uses EngineHandle
        """Store the rows of these events and fold them into the current tables, as one write."""
        rows = [row for event in events for row in rows_of(event)]
        return await self.apply_rows(rows)

    async def apply_rows(self, rows: list[dict[str, Any]], *, fold: bool = True) -> Applied:
        """Store rows (a repeat is dropped) and, unless ``fold`` is False (a bulk load), fold them in."""
        async with self.write_lock:
            return await self.write_locked(rows, fold=fold)

    async def write_locked(self, rows: list[dict[str, Any]], *, fold: bool = True) -> Applied:
        """:meth:`apply_rows` for a caller that holds ``write_lock``."""
        if self.closed:
            raise RuntimeError("the query engine is closed")
        if not rows:
            return Applied(0, 0, 0.0)
        table = pa.Table.from_pylist(rows, schema=_SCHEMA)
        applied: Applied = await self._in_writer(self._write, table, rows, fold)
        self._schedule_move()
        return applied

    def _schedule_move(self) -> None:
        """Move the tail to the file on the persister thread, about every ``PERSIST_SECONDS`` (one move at a time)."""
        if self._moving is not None and not self._moving.done():
            return
        if time.monotonic() - self._last_move < PERSIST_SECONDS:
            return
        self._last_move = time.monotonic()
        self._moving = asyncio.get_running_loop().run_in_executor(self._persister, self._persist, False)
        self._moving.add_done_callback(_log_failed_move)

    def _persist(self, final: bool) -> int:
        """Move the tail's rows to the file's table, with ``moved`` in the same commit, then run the checkpoints that
        are due (see ``FILE_CHECKPOINT_BYTES``); returns the rows moved.

        Only this thread writes the file's table and checkpoints, so they stall this thread, never the writer's. Rows
        moved leave the tail a turn later: a read that started before the move's commit may still scan them there.
        """
        db = self._mover
        started = time.perf_counter()
        top = db.execute("SELECT max(batch) FROM tail.recent").fetchall()[0][0]
        moved = 0
        drop = self._moved  # what turns before this one moved: a turn old now
        if top is not None and top > self._moved:
            db.execute("BEGIN")
            try:
                moved = db.execute(
                    f"INSERT INTO {self._disk}.events SELECT * EXCLUDE (batch) FROM tail.recent "
                    f"WHERE batch > {self._moved} AND batch <= {int(top)}"
                ).fetchall()[0][0]
                db.execute(f"UPDATE {self._disk}.engine_info SET value = '{int(top)}' WHERE key = 'moved'")
                db.execute("COMMIT")
            except Exception:
                with contextlib.suppress(duckdb.TransactionException):
                    db.execute("ROLLBACK")
                raise
            self._moved = int(top)
        with self._tail_lock:
            db.execute(f"DELETE FROM tail.recent WHERE batch <= {self._moved if final else drop}")
        checkpoints = {}
        if (self._wal_bytes() or 0) >= FILE_CHECKPOINT_BYTES or final:
            try:
                checkpoints[self._disk_name] = self._checkpoint(db, self._disk_name)
            except duckdb.TransactionException:  # a write transaction open on the file (set_group): next turn
                log.info("file checkpoint postponed to the next move")
        seconds = time.perf_counter() - started
        if seconds >= SLOW_WRITE_SECONDS:
            # Off the writer's path, but a sign of a machine short of CPU or disk: laid beside "slow engine write".
            log.warning("slow engine move", rows=int(moved), seconds=round(seconds, 3), checkpoints=checkpoints)
        return int(moved)

    @staticmethod
    def _checkpoint(db: duckdb.DuckDBPyConnection, name: str) -> float:
        began = time.perf_counter()
        db.execute(f'CHECKPOINT "{name}"')
        return round(time.perf_counter() - began, 3)

    def _checkpoints_due(self, db: duckdb.DuckDBPyConnection) -> dict[str, float]:
        """On the writer's thread, before a write: checkpoint the in-memory databases that are due."""
        took = {}
        try:
            if time.monotonic() - self._tail_checkpointed >= TAIL_CHECKPOINT_SECONDS:
                with self._tail_lock:
                    took["tail"] = self._checkpoint(db, "tail")
                self._tail_checkpointed = time.monotonic()
            if self._updated >= LIVE_CHECKPOINT_UPDATES:
                took["live"] = self._checkpoint(db, "live")
                self._updated = 0
        except duckdb.TransactionException:  # a write transaction open on that database: at the next write
            log.info("memory checkpoint postponed to the next write")
        return took

    def _wal_bytes(self) -> int | None:
        """The size of the file's write-ahead log (0 when there is none; None for an engine in memory)."""
        if self.path is None:
            return None
        try:
            return Path(f"{self.path}.wal").stat().st_size
        except OSError:
            return 0

    def _write(self, table: pa.Table, rows: list[dict[str, Any]], fold: bool) -> Applied:
        started = time.perf_counter()
        db = self._db
        checkpoints = self._checkpoints_due(db)
        touched: Footprint | None = None  # until the fold says otherwise: it may have changed anything
        db.register("batch", table)
        try:
            self._store(db, table, rows)
            stored = time.perf_counter() - started
            patents = 0
            if fold and self.ready:
                patents, touched = self._fold(db, table, rows)
        finally:
            db.unregister("batch")
            self.answers.wrote(touched)  # the answers that depend on what it touched are stale now
            WRITES.inc()
        seconds = time.perf_counter() - started
        if seconds >= SLOW_WRITE_SECONDS:
            log.warning(
                "slow engine write",
                rows=table.num_rows,
                patents=patents,
                seconds=round(seconds, 3),
                store_seconds=round(stored, 3),  # the insert into the tail (and the checkpoints before it)
                checkpoints=checkpoints,
            )
        return Applied(table.num_rows, patents, seconds)

    def _store(self, db: duckdb.DuckDBPyConnection, table: pa.Table, rows: list[dict[str, Any]]) -> None:
        # Into the tail (memory, so a checkpoint of the file never holds it), each (event, patent) once: a repeat (a
        # redelivered event, or one event twice in the batch) is found by its hash in ``_seen`` and confirmed by a
        # lookup, which runs only then (a scan of the ids: 50 ms at 2 000 000 rows).
        if self._seen is None:
            self._seen = self._load_seen(db)
            freeze_long_lived()
        seen = self._seen
        first: dict[tuple[str, int], int] = {}
        for i, row in enumerate(rows):
            first.setdefault((row["id"], row["pid"]), i)  # the first of an (event, patent) twice in the batch
        keys = {i: hash(key) for key, i in first.items()}
        suspects = [i for i, key in keys.items() if key in seen]
        repeated: set[int] = set()
        if suspects:
            found = pa.table(
                {
                    "id": [rows[i]["id"] for i in suspects],
                    "pid": pa.array([rows[i]["pid"] for i in suspects], pa.int64()),
                }
            )
            db.register("suspects", found)
            try:
                stored = set(
                    db.execute(
                        "SELECT s.id, s.pid FROM suspects s SEMI JOIN live.events e ON e.id = s.id AND e.pid = s.pid"
                    ).fetchall()
                )
            finally:
                db.unregister("suspects")
            repeated = {i for i in suspects if (rows[i]["id"], rows[i]["pid"]) in stored}
        kept = sorted(set(first.values()) - repeated)
        if not kept:
            return
        fresh = table if len(kept) == table.num_rows else table.take(pa.array(kept, pa.int64()))
        self._batch += 1
        db.register("fresh", fresh)
        try:
            db.execute(f"INSERT INTO tail.recent SELECT *, {self._batch} FROM fresh")  # one statement: all or none
        finally:
            db.unregister("fresh")
        seen.update(keys[i] for i in kept)  # only once stored: a failed insert leaves nothing seen

    @staticmethod
    def _load_seen(db: duckdb.DuckDBPyConnection) -> set[int]:
        ids = db.sql("SELECT id, pid FROM live.events").to_arrow_table()
        return {hash(key) for key in zip(ids.column("id").to_pylist(), ids.column("pid").to_pylist(), strict=True)}

    def _fold(
        self, db: duckdb.DuckDBPyConnection, table: pa.Table, rows: list[dict[str, Any]]
    ) -> tuple[int, Footprint | None]:
        # The fold runs here, in Python, over the batch's rows and the columns they state: a batch is small, and
        # DuckDB spent 7-17 ms planning the one query of 56 aggregates that did it, whatever the batch's size. What
        # DuckDB still does is read the stated columns of the batch's patents (through the index on pid), change
        # those of the patents that change, and append the new ones.
        patents = [row for row in rows if row["pid"]]
        if not patents:
            self._fold_rest(db, table)
            return 0, None  # only institutions' facts: every view joins them
        stated = [c for c in _PATENT_NAMES if any(row.get(c) is not None for row in patents)]
        # Only the patents already there are looked up: under a steady import most of a batch is new (a lookup of
        # 150 pids took 12 ms of a saturated writer's time).
        pids = {row["pid"] for row in patents}
        present = pids & self._provinces.keys()
        # The provinces the batch's patents were in: their answers change (a province's rows and events alike).
        touched = {patent(pid) for pid in pids} | {
            province(c) for pid in present if (c := self._provinces[pid]) is not None
        }
        found = []
        if present:
            asked = ",".join(str(int(pid)) for pid in present)  # integers only, never text
            chosen = "".join(f", {c}, {c}_k" for c in stated)
            found = db.execute(f"SELECT pid, updated_at{chosen} FROM live.patents WHERE pid IN ({asked})").fetchall()
        current: dict[int, list[Any]] = {r[0]: list(r[1:]) for r in found}
        known = set(current)
        changed: set[int] = set()
        for row in patents:
            pid, order = row["pid"], row["ord"]
            state = current.get(pid)
            if state is None:
                state = current[pid] = [None] * (1 + 2 * len(stated))
            if state[0] is None or row["time"] > state[0]:
                state[0] = row["time"]
                changed.add(pid)
            for i, c in enumerate(stated):
                value = row.get(c)
                if value is not None and (state[2 + 2 * i] is None or order > state[2 + 2 * i]):
                    state[1 + 2 * i], state[2 + 2 * i] = value, order
                    changed.add(pid)
        names = ["pid", "updated_at"] + [n for c in stated for n in (c, f"{c}_k")]
        # Where a state holds the province (after updated_at, a value and its ord per column), if the batch states it.
        at = 1 + 2 * stated.index("province") if "province" in stated else None
        if at is not None:  # ... and the provinces they are in now
            touched.update(province(c) for pid in changed if (c := current[pid][at]) is not None)
        updated = [[pid, *current[pid]] for pid in changed & known]
        if updated:
            self._updated += len(updated)
            settings = ", ".join(f"{n} = f.{n}" for n in names[1:])
            listed = ",".join(str(u[0]) for u in updated)
            _with_folded(
                db,
                names,
                updated,
                f"UPDATE live.patents SET {settings} FROM folded f "
                f"WHERE live.patents.pid = f.pid AND live.patents.pid IN ({listed})",
            )
            if at is not None:
                self._provinces.update((pid, current[pid][at]) for pid, *_ in updated)
        new = [[pid, *current[pid]] for pid in current.keys() - known]
        if new:
            _with_folded(
                db,
                names,
                new,
                "INSERT INTO live.patents BY NAME "
                "SELECT *, []::VARCHAR[] AS encumbrances, []::VARCHAR[] AS holders FROM folded",
            )
            # At once: a retried batch must find them (one statement).
            self._provinces.update((pid, current[pid][at] if at is not None else None) for pid, *_ in new)
        if self._fold_rest(db, table):
            return len(current), None  # an institution's facts too: every view joins them
        return len(current), frozenset(touched)

    def _fold_rest(self, db: duckdb.DuckDBPyConnection, table: pa.Table) -> bool:
        """Fold the batch's encumbrances and institutions; whether it held an institution's facts."""
        # Encumbrances and institutions are few: derived again from their rows when a batch touches them.
        encumbered = pc.any(pc.is_valid(table.column("encumbrance"))).as_py()
        if encumbered:
            db.execute(
                "CREATE OR REPLACE TABLE live.enc AS "
                + encumbrances_sql(
                    "(SELECT * FROM live.events WHERE pid IN (SELECT pid FROM batch WHERE encumbrance IS NOT NULL))"
                )
            )
            updated = db.execute(
                "UPDATE live.patents SET encumbrances = e.encumbrances, holders = e.holders FROM live.enc e "
                "WHERE live.patents.pid = e.pid"
            ).fetchall()
            self._updated += int(updated[0][0]) if updated else 0
        institutions = pc.any(pc.equal(table.column("pid"), 0)).as_py()
        if institutions:
            db.execute(f"CREATE OR REPLACE TABLE live.institutions AS {institutions_sql()}")
        return bool(institutions)

    # --- reads -----------------------------------------------------------------------------------------------

    async def query(self, sql: str, params: Sequence[Any] = (), depends: Footprint | None = None) -> Answer:
        """Column names and rows of one read (on a reader thread, side by side with other reads and the writer).

        The same read again is answered from memory until a write touches what it ``depends`` on: a province's
        patents, one patent (``answers.py``); None, until the next write.
        """
        key = (sql, tuple(params))
        version = self.answers.version
        found = self.answers.get(key)
        if found is not None:
            answer, across = found
            ANSWERS.labels(how="kept" if across else "remembered").inc()
            return answer
        running = self._running.get((key, version))
        if running is not None:  # the same read is under way: wait for its answer rather than run it again
            ANSWERS.labels(how="joined").inc()
            return await asyncio.shield(running)
        ANSWERS.labels(how="computed").inc()
        future = asyncio.get_running_loop().run_in_executor(self._readers, self._read, sql, list(params))
        self._running[(key, version)] = future
        try:
            answer = await asyncio.shield(future)
        finally:
            self._running.pop((key, version), None)
        self.answers.put(key, version, answer, depends)
        return answer

    def _read(self, sql: str, params: list[Any]) -> Answer:
        started = time.perf_counter()
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._db.cursor()
        result = cursor.execute(sql, params)
        names = [d[0] for d in result.description or ()]
        rows = result.fetchall()
        READ_SECONDS.observe(time.perf_counter() - started)
        return names, rows

    async def arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """One read as an Arrow table (large results: fingerprints, exports)."""

        def read() -> pa.Table:
            with contextlib.closing(self._db.cursor()) as cursor:
                return cursor.sql(sql, params=list(params)).to_arrow_table()

        return await asyncio.get_running_loop().run_in_executor(self._readers, read)

    async def fingerprint_at(self, positions: dict[tuple[str, int], int], columns: Sequence[str]) -> pa.Table:
        """Per patent, a hash of ``columns`` derived from the rows before ``positions`` (a rebuild's comparison)."""
        limits = limits_table(positions)

        def read() -> pa.Table:
            with contextlib.closing(self._db.cursor()) as cursor:
                cursor.register("limits", limits)
                return cursor.sql(fingerprint_sql(columns)).to_arrow_table()

        return await asyncio.get_running_loop().run_in_executor(self._readers, read)

    async def rows_fingerprint_at(self, positions: dict[tuple[str, int], int]) -> pa.Table:
        """Per partition, the number of rows before ``positions`` and an order-free hash of them (a rebuild's check
        of everything the views read straight from the rows)."""
        limits = limits_table(positions)

        def read() -> pa.Table:
            with contextlib.closing(self._db.cursor()) as cursor:
                cursor.register("limits", limits)
                return cursor.sql(rows_fingerprint_sql()).to_arrow_table()

        return await asyncio.get_running_loop().run_in_executor(self._readers, read)

    async def positions(self) -> dict[tuple[str, int], int]:
        """The next offset to read per (topic, partition), from the rows stored."""
        _, rows = await self.query("SELECT topic, part, max(off) + 1 FROM live.events GROUP BY ALL")
        return {(topic, part): int(next_offset) for topic, part, next_offset in rows}

    async def count_events(self) -> int:
        """Rows stored."""
        _, rows = await self.query("SELECT count(*) FROM live.events")
        return int(rows[0][0])

    async def _in_writer(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._writer, function, *args)


def _log_failed_move(future: asyncio.Future[int]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("moving the engine's tail to its file failed; the next turn tries again", exc_info=future.exception())


def fingerprint_sql(columns: Sequence[str]) -> str:
    """Per patent, a hash of its compared columns, derived from the rows before each partition's limit."""
    source = "(SELECT e.* FROM live.events e JOIN limits l ON e.topic = l.topic AND e.part = l.part WHERE e.off < l.next_offset)"
    return f"SELECT pid, hash({', '.join(columns)}) AS h FROM ({current_sql(source)})"


def rows_fingerprint_sql() -> str:
    """Per (topic, partition): the rows before the limit, and the XOR of a hash of each (rows are unique by id and
    patent, so the XOR is the same whatever order they were stored in)."""
    columns = ", ".join(f"e.{name}" for name, _ in ROW_COLUMNS)
    return (
        f"SELECT e.topic, e.part, count(*) AS n, bit_xor(hash({columns})) AS h FROM live.events e "
        "JOIN limits l ON e.topic = l.topic AND e.part = l.part WHERE e.off < l.next_offset GROUP BY 1, 2"
    )


def limits_table(positions: dict[tuple[str, int], int]) -> pa.Table:
    """Positions as a table to join with."""
    return pa.table(
        {
            "topic": [topic for topic, _ in positions],
            "part": pa.array([part for _, part in positions], pa.int32()),
            "next_offset": pa.array(list(positions.values()), pa.int64()),
        }
    )
