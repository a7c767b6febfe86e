"""The engine's writes: a batch with repeats in it stores each event once and still applies the new ones."""

from __future__ import annotations

import pytest

from patentflow.projection.engine import Engine, current_sql

from .history import history, shuffled_with_repeats


async def _state(engine: Engine) -> tuple[int, list[tuple[object, ...]]]:
    _, stored = await engine.query("SELECT count(*) FROM live.events")
    _, patents = await engine.query(
        "SELECT application_number, review_state, legal_status FROM live.patents ORDER BY 1"
    )
    return int(stored[0][0]), patents


async def test_a_batch_with_a_stored_event_and_one_event_twice_stores_each_once_and_applies_the_new() -> None:
    events = history()
    expected = Engine(None)
    await expected.start()
    await expected.apply(events)
    half = len(events) // 2
    engine = Engine(None)
    await engine.start()
    await engine.apply(events[:half])
    # Half of the batch was stored already; its last event comes twice.
    applied = await engine.apply(events[half - 3 :] + events[-1:])
    assert applied.rows > 0
    assert await _state(engine) == await _state(expected)
    await engine.close()
    await expected.close()


async def test_a_restart_keeps_the_index_the_fold_reads_by() -> None:
    events = history()
    engine = Engine(None)
    await engine.start()
    await engine.apply(events[:5])
    await engine.start()  # derived again, as after a crash: the current tables and their index made anew
    await engine.apply(events[5:])
    expected = Engine(None)
    await expected.start()
    await expected.apply(events)
    assert await _state(engine) == await _state(expected)
    _, indexes = await engine.query("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'patents'")
    assert indexes == [("patents_pid",)]
    await engine.close()
    await expected.close()


async def test_a_write_that_fails_after_adding_new_patents_is_retried_without_adding_them_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fold looks up only the pids it knows are there: the ones its failed attempt inserted must be known.
    events = history()
    engine = Engine(None)
    await engine.start()
    fold_rest = Engine._fold_rest
    failures = iter([RuntimeError("the process is stopping")])

    def failing_once(self: Engine, *args: object) -> int:
        for failure in failures:
            raise failure
        return fold_rest(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "_fold_rest", failing_once)
    with pytest.raises(RuntimeError):
        await engine.apply(events)
    await engine.apply(events)  # the consumer's retry of the same batch
    expected = Engine(None)
    await expected.start()
    await expected.apply(events)
    assert await _state(engine) == await _state(expected)
    _, counts = await engine.query("SELECT count(*), count(DISTINCT pid) FROM live.patents")
    assert counts[0][0] == counts[0][1] > 5
    await engine.close()
    await expected.close()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_folds_in_any_order_with_repeats_equal_the_derivation_column_for_column(seed: int) -> None:
    # Every column of the current table, the ord each value is from and when the patent last changed included:
    # what the batches fold in Python must be what a restart derives from the stored rows alone.
    engine = Engine(None)
    await engine.start()
    for batch in shuffled_with_repeats(history(), seed):
        await engine.apply(batch)
    _, folded = await engine.query("SELECT * FROM live.patents ORDER BY pid")
    _, derived = await engine.query(f"SELECT * FROM ({current_sql()}) ORDER BY pid")
    assert len(folded) > 5
    assert folded == derived
    await engine.close()


async def test_a_slow_write_is_logged_with_its_store_share(monkeypatch: pytest.MonkeyPatch) -> None:
    from structlog.testing import capture_logs

    from patentflow.projection import engine as module

    monkeypatch.setattr(module, "SLOW_WRITE_SECONDS", 0.0)  # every write is slow now
    engine = Engine(None)
    await engine.start()
    with capture_logs() as logs:
        applied = await engine.apply(history()[:4])
    slow = [e for e in logs if e["event"] == "slow engine write"]
    assert len(slow) == 1
    assert slow[0]["rows"] == applied.rows
    assert slow[0]["patents"] == applied.patents
    assert 0 <= slow[0]["store_seconds"] <= slow[0]["seconds"]
    await engine.close()
