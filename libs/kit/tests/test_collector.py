"""Garbage-collector tuning of service processes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from structlog.testing import capture_logs

from patentflow.kit import collector, metrics


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_tune_freezes_start_up_objects_and_makes_collections_rarer() -> None:
    collector.tune()

    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)
    assert gc.get_freeze_count() > 1000  # the imported modules, classes and functions
    assert gc.isenabled()  # rarer, not off: cycles are still collected
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


@pytest.mark.usefixtures("restore_gc")
def test_every_collection_is_timed_and_a_long_pause_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    collector.tune()
    collector.tune()  # twice: still one timer
    timers = [c for c in gc.callbacks if isinstance(c, collector.PauseTimer)]
    assert len(timers) == 1
    try:
        before = metrics.GC_PAUSE.labels(generation="2")._sum.get()
        counted = _count(2)
        monkeypatch.setattr(collector, "LONG_PAUSE_SECONDS", 0.0)  # every pause is long now
        with capture_logs() as logs:
            gc.collect()
        assert _count(2) == counted + 1
        assert metrics.GC_PAUSE.labels(generation="2")._sum.get() > before
        assert [(e["event"], e["generation"]) for e in logs] == [("long garbage-collector pause", 2)]
    finally:
        for timer in timers:
            gc.callbacks.remove(timer)


def _count(generation: int) -> float:
    for metric in metrics.GC_PAUSE.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels["generation"] == str(generation):
                return sample.value
    return 0.0


@pytest.mark.usefixtures("restore_gc")
def test_a_structure_kept_after_start_up_is_frozen_out_of_full_collections() -> None:
    kept = {hash((str(i), i)) for i in range(1000)}
    assert any(tracked is kept for tracked in gc.get_objects())
    collector.freeze_long_lived()
    assert not any(tracked is kept for tracked in gc.get_objects())
    assert gc.get_freeze_count() > 0
