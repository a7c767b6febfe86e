"""Tuning of CPython's cyclic garbage collector for a long-running service that allocates in bulk, and the timing
of its pauses (``patentflow_gc_pause_seconds``; a long one is logged)."""

from __future__ import annotations

import gc
import time
from typing import Any

import structlog

from patentflow.kit import metrics

log = structlog.get_logger(__name__)

# CPython collects the youngest generation every 700 net allocations. A batch import allocates millions of
# short-lived dicts (rows, documents, events) and almost no reference cycles, so those collections found
# nothing and took a fifth of the importing process's CPU. Collections stay on, only rarer.
YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 20)
# A pause this long stalls every consumer and request of the process for as long: worth a line in the log.
LONG_PAUSE_SECONDS = 0.1


class PauseTimer:
    """A ``gc.callbacks`` entry that times each collection into the pause histogram."""

    def __init__(self) -> None:
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """Start the clock, or stop it and record the pause."""
        if phase == "start":
            self._started = time.perf_counter()
            return
        seconds = time.perf_counter() - self._started
        generation = int(info.get("generation", 0))
        metrics.GC_PAUSE.labels(generation=str(generation)).observe(seconds)
        if seconds >= LONG_PAUSE_SECONDS:
            log.warning(
                "long garbage-collector pause",
                generation=generation,
                seconds=round(seconds, 3),
                collected=info.get("collected"),
            )


def freeze_long_lived() -> None:
    """Collect once, then move every object alive now out of the collector's sight (``gc.freeze``): for start-up,
    and after a service builds a large structure it keeps. Every full collection walks every object it sees: a
    2 000 000-entry set (the query engine's row hashes at 1 000 000 patents) made each one take 170-195 ms, a
    pause of every request and consumer of the process; frozen, the collection took no measurable time. A frozen
    object is still freed when its last reference goes; only a cycle of frozen objects stays, so whoever drops
    such a structure drops its reference explicitly."""
    gc.collect()
    gc.freeze()


def tune() -> None:
    """Move what start-up created out of the collector's sight, make collections rarer, and time them.

    Called once a service has imported its modules: ``gc.freeze`` keeps those long-lived objects out of every
    later full collection.
    """
    freeze_long_lived()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    if not any(isinstance(callback, PauseTimer) for callback in gc.callbacks):
        gc.callbacks.append(PauseTimer())
