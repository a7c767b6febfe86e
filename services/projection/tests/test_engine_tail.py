"""The engine's hot tail: rows land in memory and move to the file on another thread, shown exactly once throughout;
a crash loses only what had not moved (the topics give it again), and a repeat is dropped on either side."""

from __future__ import annotations

import asyncio
import gc
import shutil
from pathlib import Path

import pytest

from patentflow.contracts.industries import load_industries
from patentflow.projection import engine as module
from patentflow.projection.engine import Engine

from .history import history
from .test_engine_views import every_view


async def _counts(engine: Engine) -> tuple[int, int, int]:
    """Rows shown, rows in the file, rows of the tail not yet moved (read afresh: a move changes no answer kept)."""
    shown = (await engine.arrow("SELECT count(*) AS n FROM live.events")).column("n")[0].as_py()
    stored = (await engine.arrow(f"SELECT count(*) AS n FROM {engine._disk}.events")).column("n")[0].as_py()
    return shown, stored, shown - stored


async def _moved(engine: Engine) -> None:
    assert engine._moving is not None
    await engine._moving


async def test_rows_show_once_before_during_and_after_their_move_and_repeats_stay_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = history()
    expected = Engine(None, industries=load_industries())
    await expected.start()
    await expected.apply(events)
    engine = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    await engine.start()
    monkeypatch.setattr(module, "PERSIST_SECONDS", 3600.0)  # no move until asked
    half = len(events) // 2
    await engine.apply(events[:half])
    shown, stored, tail = await _counts(engine)
    assert (stored, tail) == (0, shown)
    assert shown > 0

    monkeypatch.setattr(module, "PERSIST_SECONDS", 0.0)  # every write moves the tail now
    await engine.apply(events[half - 4 : half])  # repeats only, still in the tail: nothing new
    await _moved(engine)
    assert await _counts(engine) == (shown, shown, 0)
    await engine.apply(events[:3] + events[half:] + events[-2:])  # repeats of moved rows, new ones, one twice
    await _moved(engine)
    assert (await _counts(engine))[0] == (await _counts(expected))[0]
    assert await every_view(engine, None) == await every_view(expected, None)
    # The turn after a move deletes what it moved from the tail; shown once all along.
    await engine.apply(events[-1:])
    await _moved(engine)
    left = (await engine.arrow("SELECT count(*) AS n FROM tail.recent")).column("n")[0].as_py()
    assert left == 0
    everything = (await _counts(expected))[0]
    assert await _counts(engine) == (everything, everything, 0)
    await engine.close()
    await expected.close()


async def test_a_crash_loses_only_the_tail_not_moved_and_the_rest_applies_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = history()
    path = tmp_path / "engine.duckdb"
    engine = Engine(path, industries=load_industries())
    await engine.start()
    monkeypatch.setattr(module, "PERSIST_SECONDS", 0.0)
    half = len(events) // 2
    await engine.apply(events[:half])
    await _moved(engine)
    monkeypatch.setattr(module, "PERSIST_SECONDS", 3600.0)
    await engine.apply(events[half:])  # shown, in the tail only
    shown, stored, tail = await _counts(engine)
    assert tail > 0
    assert stored < shown
    before = await engine.positions()
    crashed = tmp_path / "crashed"  # the file as a kill -9 leaves it (DuckDB's WAL included)
    crashed.mkdir()
    for part in tmp_path.glob("engine.duckdb*"):
        shutil.copy(part, crashed / part.name)
    await engine.close()

    restarted = Engine(crashed / "engine.duckdb", industries=load_industries())
    await restarted.start()
    assert (await _counts(restarted))[:2] == (stored, stored)
    after = await restarted.positions()
    assert after != before
    assert all(after.get(p, 0) <= offset for p, offset in before.items())
    await restarted.apply(events)  # what the topics give again from those positions, and repeats of the rest
    reference = Engine(None, industries=load_industries())
    await reference.start()
    await reference.apply(events)
    assert await every_view(restarted, None) == await every_view(reference, None)
    assert (await _counts(restarted))[0] == (await _counts(reference))[0]
    await restarted.close()
    await reference.close()


async def test_close_moves_the_whole_tail_to_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "engine.duckdb"
    engine = Engine(path, industries=load_industries())
    await engine.start()
    monkeypatch.setattr(module, "PERSIST_SECONDS", 3600.0)
    await engine.apply(history())
    shown, stored, _ = await _counts(engine)
    assert stored == 0
    await engine.close()
    reopened = Engine(path, industries=load_industries())
    await reopened.start()
    assert await _counts(reopened) == (shown, shown, 0)
    await reopened.close()


async def test_reads_see_each_row_once_while_moves_run_beside_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = history()
    engine = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    await engine.start()
    monkeypatch.setattr(module, "PERSIST_SECONDS", 0.0)
    for event in events:
        await engine.apply([event])
        _, rows = await engine.query("SELECT count(*) - count(DISTINCT (id, pid)) FROM live.events")
        assert rows[0][0] == 0  # never a row twice, whatever the move is doing
        await asyncio.sleep(0)
    _, ids = await engine.query("SELECT count(DISTINCT id) FROM live.events")
    assert int(ids[0][0]) == len({e.meta.id for e in events})
    await engine.close()


async def test_the_row_hashes_are_kept_out_of_the_collectors_full_passes(tmp_path: Path) -> None:
    # At 1 000 000 patents the set holds about 2 000 000 hashes: every full collection that walked it paused the
    # process for 170-195 ms. Built at start, it is frozen; dropped at close, so a swapped-out engine frees it.
    engine = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    try:
        await engine.start()
        await engine.apply(history())
        seen = engine._seen
        assert seen  # the history's rows, hashed
        assert not any(tracked is seen for tracked in gc.get_objects())
    finally:
        await engine.close()
        gc.unfreeze()
    assert engine._seen is None


async def test_a_slow_move_is_logged_with_its_rows_and_the_file_checkpoint_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from structlog.testing import capture_logs

    engine = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    await engine.start()
    monkeypatch.setattr(module, "SLOW_WRITE_SECONDS", 0.0)  # every move is slow now
    monkeypatch.setattr(module, "PERSIST_SECONDS", 0.0)
    events = history()
    with capture_logs() as logs:
        await engine.apply(events[:5])
        await _moved(engine)
        monkeypatch.setattr(module, "FILE_CHECKPOINT_BYTES", 1)  # the next move checkpoints the file
        await engine.apply(events[5:9])
        await _moved(engine)
    moves = [e for e in logs if e["event"] == "slow engine move"]
    assert [m["rows"] for m in moves] == [5, 4]
    assert [sorted(m["checkpoints"]) for m in moves] == [[], ["engine"]]
    assert engine._wal_bytes() == 0  # the checkpoint emptied the WAL into the file
    await engine.close()


async def test_no_commit_checkpoints_and_each_database_is_checkpointed_where_it_should_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's checkpoint in a commit would hold the writer (the lag's spikes): off; the file's run on the persister,
    the memory's before a write when due, and the views stay exactly those of an engine that never checkpointed."""
    from structlog.testing import capture_logs

    events = history()
    expected = Engine(None, industries=load_industries())
    await expected.start()
    await expected.apply(events)
    engine = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    await engine.start()
    threshold = (await engine.arrow("SELECT current_setting('checkpoint_threshold') AS t")).column("t")[0].as_py()
    assert threshold.startswith("1.0 TiB")
    for name, value in (("SLOW_WRITE_SECONDS", 0.0), ("PERSIST_SECONDS", 0.0), ("FILE_CHECKPOINT_BYTES", 1),
                        ("TAIL_CHECKPOINT_SECONDS", 0.0), ("LIVE_CHECKPOINT_UPDATES", 1)):  # fmt: skip
        monkeypatch.setattr(module, name, value)
    with capture_logs() as logs:
        for start in range(0, len(events), 7):
            await engine.apply(events[start : start + 7])
            await _moved(engine)
    writes = [e for e in logs if e["event"] == "slow engine write"]
    moves = [e for e in logs if e["event"] == "slow engine move"]
    assert all("tail" in w["checkpoints"] for w in writes)  # due before every write here
    assert any("live" in w["checkpoints"] for w in writes)  # once a write had updated a patent
    assert all(set(m["checkpoints"]) <= {"engine"} for m in moves)
    assert any(m["checkpoints"] for m in moves)
    assert await every_view(engine, None) == await every_view(expected, None)
    await engine.close()
    reopened = Engine(tmp_path / "engine.duckdb", industries=load_industries())
    await reopened.start()
    assert await every_view(reopened, None) == await every_view(expected, None)
    await reopened.close()


async def test_a_file_an_earlier_version_wrote_with_a_key_on_the_rows_is_started_afresh(tmp_path: Path) -> None:
    """The file is a cache of the topics: one with other columns, or with the primary key the rows no longer carry
    (every move and checkpoint kept its index), starts empty under a new consumer group, which reads them all."""
    import duckdb

    from patentflow.projection.facts import ROW_COLUMNS

    path = tmp_path / "engine.duckdb"
    old = duckdb.connect(str(path))
    columns = ", ".join(f"{name} {kind}" for name, kind in ROW_COLUMNS)
    old.execute(f"CREATE TABLE events ({columns}, PRIMARY KEY (id, pid))")
    old.execute("CREATE TABLE engine_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    old.execute("INSERT INTO engine_info VALUES ('group', 'engine-old'), ('moved', '0')")
    old.execute("INSERT INTO events (id, pid) VALUES ('e1', 1)")
    old.close()
    engine = Engine(path, industries=load_industries())
    await engine.start()
    assert engine.group != "engine-old"
    assert await engine.count_events() == 0
    keys = await engine.arrow("SELECT count(*) AS n FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND table_name = 'events'")  # fmt: skip
    assert keys.column("n")[0].as_py() == 0
    await engine.apply(history())
    assert await engine.count_events() > 0
    await engine.close()
    again = Engine(path, industries=load_industries())  # its own file now: kept
    assert again.group == engine.group
    await again.start()
    await again.close()
