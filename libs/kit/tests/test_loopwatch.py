"""The event-loop watch: a loop kept busy is measured and, when long, logged."""

from __future__ import annotations

import asyncio
import contextlib
import time

from structlog.testing import capture_logs

from patentflow.kit import metrics
from patentflow.kit.loopwatch import watch_loop


def _stalls() -> tuple[float, float]:
    for metric in metrics.LOOP_STALL.collect():
        samples = {s.name: s.value for s in metric.samples}
        return samples["patentflow_event_loop_stall_seconds_count"], samples["patentflow_event_loop_stall_seconds_sum"]
    raise AssertionError("no stall histogram")


async def test_a_blocked_loop_is_measured_and_a_long_stall_logged() -> None:
    count, total = _stalls()
    with capture_logs() as logs:
        watch = asyncio.create_task(watch_loop(tick=0.01, long_stall=0.1))
        await asyncio.sleep(0.05)  # a few quiet ticks
        time.sleep(0.2)  # the loop is kept busy: nothing else runs
        await asyncio.sleep(0.05)
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
    after_count, after_total = _stalls()
    assert after_count >= count + 3
    assert after_total - total >= 0.15  # the blocked 0.2 s, less the tick it would have slept anyway
    stalls = [e for e in logs if e["event"] == "event loop stalled"]
    assert len(stalls) == 1
    assert stalls[0]["seconds"] >= 0.15
