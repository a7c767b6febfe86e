"""Garbage-collector tuning of service processes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from patentflow.kit import collector


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
