"""Generations of the query engine: the one serving now, and a rebuild read from the topics into a fresh file.

A rebuild reads every partition of the engine's topics from the beginning into a new DuckDB file (rows only; the
current tables are derived once, when it has caught up, which is what makes it fast) while the live engine goes on
applying events and answering. Then the rebuild folds what it reads like the live engine, takes the live engine's
positions and facts at one instant (its writes wait for that read only) and compares them with its own rows cut at
those positions. To swap, the live engine's writes pause (reads go on) while the rebuild reads up to the end offsets
of that moment, which cover everything the live engine has applied; then it becomes the live engine: its consumer
group carries on where it was, its repeats dropped by the new file. The pointer file names the serving generation,
so a restart opens the same one; the old file is deleted after the pointer moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from patentflow.kit.cloudevents import InvalidEnvelope, ReceivedEvent, parse_record
from patentflow.projection.engine import Engine
from patentflow.projection.facts import PATENT_FACTS, rows_of

log = structlog.get_logger(__name__)

_COMPARED = [name for name, _ in PATENT_FACTS] + ["encumbrances", "holders"]


class EngineHandle:
    """The engine that serves now; swapped by a rebuild. Writes always land in the one serving when they run."""

    def __init__(self, engine: Engine) -> None:
        self.current = engine

    async def apply(self, events: Sequence[ReceivedEvent]) -> None:
        """Apply these events to the serving engine (after a swap, to the new one: nothing goes to a closed file)."""
        rows = [row for event in events for row in rows_of(event)]
        while True:
            engine = self.current
            async with engine.write_lock:
                if engine is self.current and not engine.closed:
                    await engine.write_locked(rows)
                    return

    async def apply_batch(self, groups: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        """The consumer's batch path: every run of every aggregate in one write (order is irrelevant here)."""
        await self.apply([event for group in groups for event in group])
        return {group[0].meta.subject for group in groups}

    async def apply_one(self, event: ReceivedEvent) -> None:
        """The consumer's path for one event (retries and dead letters are the consumer's)."""
        await self.apply([event])


@dataclass
class Progress:
    """What a rebuild is doing, for the CLI and the admin endpoint."""

    state: str = "idle"  # idle | loading | deriving | comparing | swapping | swapped | failed
    generation: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    events: int = 0
    skipped: int = 0
    events_per_second: float = 0.0
    lag: int | None = None
    eta_seconds: float | None = None
    compared_patents: int = 0
    compared_rows: int = 0
    differences: int = 0  # patents whose facts differ, and partitions whose rows differ
    difference_sample: list[int] = field(default_factory=list)
    differing_partitions: list[str] = field(default_factory=list)
    pause_seconds: float | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer."""
        return asdict(self)


class Generations:
    """Opens the serving generation and runs rebuilds; one rebuild at a time."""

    def __init__(
        self,
        directory: Path | None,
        instance: str,
        topics: Sequence[str],
        open_engine: Callable[[Path | None], Engine],
        kafka: Callable[[], dict[str, Any]],
    ) -> None:
        self.directory = directory
        self.instance = instance
        self.topics = list(topics)
        self.open_engine = open_engine
        self.kafka = kafka
        self.progress = Progress()
        self.handle = EngineHandle(open_engine(self._path(self._serving())))
        self._task: asyncio.Task[None] | None = None

    # --- files -------------------------------------------------------------------------------------------------

    def _pointer(self) -> Path | None:
        return None if self.directory is None else self.directory / f"serving-{self.instance}"

    def _serving(self) -> str:
        pointer = self._pointer()
        if pointer is not None and pointer.exists():
            return pointer.read_text(encoding="utf-8").strip()
        return f"engine-{self.instance}-1.duckdb"

    def _path(self, name: str) -> Path | None:
        return None if self.directory is None else self.directory / name

    def _point_to(self, name: str) -> None:
        pointer = self._pointer()
        if pointer is None:
            return
        temporary = pointer.with_suffix(".tmp")
        temporary.write_text(name, encoding="utf-8")
        os.replace(temporary, pointer)  # atomic: a crash leaves the old or the new name, never half of one

    # --- start -------------------------------------------------------------------------------------------------

    async def rewind(self, group: str, patience: float = 120.0) -> dict[str, int]:
        """Make the serving engine's consumer group resume where the engine's file ends, on every partition where the
        group had committed beyond that: a crash loses the tail not yet moved to the file (``Engine._persist``), whose
        offsets the consumer may have committed. Called before the consumer starts; returns the offsets rewound.

        A crashed process's member stays in the group until its session times out, and the broker refuses a commit
        from outside the group until then: this waits for it, up to ``patience`` seconds.
        """
        engine = self.handle.current
        if engine.path is None:
            return {}  # an engine in memory reads every partition from the beginning, in a group of its own
        positions = await engine.positions()
        consumer = AIOKafkaConsumer(group_id=group, enable_auto_commit=False, **self.kafka())
        await consumer.start()
        try:
            partitions = await _partitions(consumer, self.topics)
            consumer.assign(partitions)
            beginnings = await consumer.beginning_offsets(partitions)
            rewound: dict[TopicPartition, int] = {}
            for tp in partitions:
                committed = await consumer.committed(tp)
                target = positions.get((tp.topic, tp.partition), beginnings[tp])
                if committed is not None and committed > target:
                    rewound[tp] = target
            deadline = time.monotonic() + patience
            while rewound:
                try:
                    await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in rewound.items()})
                    break
                except KafkaError as exc:
                    if time.monotonic() > deadline:
                        raise
                    log.info("waiting for the engine's consumer group to let its old member go", error=repr(exc))
                    await asyncio.sleep(1.0)
            found = {f"{tp.topic}:{tp.partition}": offset for tp, offset in rewound.items()}
            if found:
                log.warning("engine's consumer group rewound to its file (a crash lost its tail)", offsets=found)
            return found
        finally:
            await consumer.stop()

    # --- rebuild -----------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A rebuild is under way."""
        return self._task is not None and not self._task.done()

    def start_rebuild(self) -> Progress:
        """Start a rebuild (the caller checks ``running`` first)."""
        stamp = datetime.now(UTC)
        name = f"engine-{self.instance}-{stamp.strftime('%Y%m%dT%H%M%S%f')}.duckdb"
        self.progress = Progress(state="loading", generation=name, started_at=stamp.isoformat())
        self._task = asyncio.create_task(self._rebuild(name), name="engine-rebuild")
        return self.progress

    async def wait(self) -> Progress:
        """Until the rebuild under way has ended."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)
        return self.progress

    async def stop(self) -> None:
        """Cancel a rebuild under way (its file is removed) and close the serving engine."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.handle.current.close()

    async def _rebuild(self, name: str) -> None:
        progress = self.progress
        path = self._path(name)
        fresh = self.open_engine(path)
        swapped = False
        consumer = AIOKafkaConsumer(enable_auto_commit=False, auto_offset_reset="earliest", **self.kafka())
        try:
            await consumer.start()
            partitions = await _partitions(consumer, self.topics)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            started = time.perf_counter()
            while True:  # load until caught up with the end of every partition
                loaded = await _load(consumer, fresh, progress)
                progress.events_per_second = round(progress.events / max(time.perf_counter() - started, 1e-6), 1)
                progress.lag = await _lag(consumer, partitions)
                progress.eta_seconds = round(progress.lag / progress.events_per_second, 1) if progress.events else None
                if progress.lag == 0 and loaded == 0:
                    break
            # Derive the current tables once, while the live engine goes on; what is read from here on is folded.
            progress.state = "deriving"
            await fresh.start()
            progress.state = "comparing"
            live = self.handle.current
            async with live.write_lock:  # an instant of the live engine: its positions and its patents' facts
                cut = await snapshot(live)
            while await _behind(consumer, _offsets(cut.positions, partitions)):
                await _load(consumer, fresh, progress)
            await compare(live, fresh, progress, cut)
            progress.state = "swapping"
            paused = time.perf_counter()
            async with live.write_lock:  # the live engine's writes wait here, for what came since; its reads go on
                ends = await consumer.end_offsets(partitions)
                while await _behind(consumer, ends):
                    await _load(consumer, fresh, progress)
                fresh.set_group(live.group)  # the live consumer carries on, now into the fresh file
                self.handle.current = fresh
                swapped = True
            progress.pause_seconds = round(time.perf_counter() - paused, 3)
            self._point_to(name)
            old = live.path
            await live.close()
            if old is not None and old != path:
                for leftover in (old, old.with_name(old.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            progress.state = "swapped"
            progress.lag = 0
            progress.eta_seconds = 0.0
            log.info("engine rebuilt and swapped in", **progress.as_dict())
        except Exception as exc:
            progress.state, progress.error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("engine rebuild failed")
        finally:
            progress.finished_at = datetime.now(UTC).isoformat()
            await consumer.stop()
            if not swapped:
                await fresh.close()
                if path is not None:
                    for leftover in (path, path.with_name(path.name + ".wal")):
                        leftover.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Cut:
    """The live engine at one instant: the next offset per (topic, partition) and a hash of each patent's facts."""

    positions: dict[tuple[str, int], int]
    served: Any  # pa.Table of (pid, h)


async def snapshot(live: Engine) -> Cut:
    """The live engine's positions and its patents' facts, together (the caller holds its write lock, or nothing
    writes): rows are only ever added, so everything else the comparison reads can be read after the lock."""
    positions = await live.positions()
    served = await live.arrow(f"SELECT pid, hash({', '.join(_COMPARED)}) AS h FROM live.patents")
    return Cut(positions, served)


async def compare(live: Engine, fresh: Engine, progress: Progress, cut: Cut | None = None) -> None:
    """The live engine against a rebuild cut at the live engine's positions: each patent's current facts (the live
    table is folded batch by batch, the rebuild derives them from its rows), and the rows every other view reads
    (the funnel, the quarterly figures, the timeline, the institutions), per partition. ``fresh`` holds at least the
    rows before the cut's positions."""
    cut = cut or await snapshot(live)
    positions, served = cut.positions, cut.served
    rebuilt = await fresh.fingerprint_at(positions, _COMPARED)
    served_rows = await live.rows_fingerprint_at(positions)
    rebuilt_rows = await fresh.rows_fingerprint_at(positions)
    with duckdb.connect() as scratch:
        scratch.register("served", served)
        scratch.register("rebuilt", rebuilt)
        different = scratch.execute(
            "SELECT coalesce(s.pid, r.pid) FROM served s FULL OUTER JOIN rebuilt r ON s.pid = r.pid "
            "WHERE s.h IS DISTINCT FROM r.h ORDER BY 1"
        ).fetchall()
        scratch.register("served_rows", served_rows)
        scratch.register("rebuilt_rows", rebuilt_rows)
        partitions = scratch.execute(
            "SELECT coalesce(s.topic, r.topic) || ':' || coalesce(s.part, r.part) FROM served_rows s "
            "FULL OUTER JOIN rebuilt_rows r ON s.topic = r.topic AND s.part = r.part "
            "WHERE s.n IS DISTINCT FROM r.n OR s.h IS DISTINCT FROM r.h ORDER BY 1"
        ).fetchall()
    progress.compared_patents = max(served.num_rows, rebuilt.num_rows)
    progress.compared_rows = int(sum(served_rows.column("n").to_pylist()))
    progress.differences = len(different) + len(partitions)
    progress.difference_sample = [int(row[0]) for row in different[:20]]
    progress.differing_partitions = [str(row[0]) for row in partitions]
    if different or partitions:
        log.warning("the rebuilt engine differs from the live one", patents=len(different), partitions=len(partitions))


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    found: list[TopicPartition] = []
    for topic in topics:
        numbers = consumer.partitions_for_topic(topic)
        if numbers is None:
            await consumer._client.force_metadata_update()
            numbers = consumer.partitions_for_topic(topic) or set()
        found.extend(TopicPartition(topic, n) for n in sorted(numbers))
    return found


async def _load(consumer: AIOKafkaConsumer, engine: Engine, progress: Progress) -> int:
    """One fetch into the engine's rows, folded once the engine has derived its current tables (before that,
    rows only: deriving once at the end is what makes a rebuild fast); returns the records read."""
    fetched = await consumer.getmany(timeout_ms=200, max_records=5000)
    rows: list[dict[str, Any]] = []
    records = 0
    for records_of_partition in fetched.values():
        for record in records_of_partition:
            records += 1
            try:
                event = parse_record(record)
                rows.extend(rows_of(event))
            except (InvalidEnvelope, ValueError, LookupError):
                progress.skipped += 1  # the live consumer dead-lettered it; the rebuild cannot do better
    if rows:
        await engine.apply_rows(rows)  # folds only once the engine is ready
    progress.events += records
    return records


async def _lag(consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition]) -> int:
    ends = await consumer.end_offsets(list(partitions))
    lag = 0
    for tp, end in ends.items():
        lag += max(end - await consumer.position(tp), 0)
    return lag


def _offsets(positions: dict[tuple[str, int], int], read: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
    # Only the partitions the rebuild reads (the live file may hold rows of a topic an older version read).
    wanted = set(read)
    found = {TopicPartition(topic, part): offset for (topic, part), offset in positions.items()}
    return {tp: offset for tp, offset in found.items() if tp in wanted}


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False
