"""A watch on the service's event loop: how late a short sleep wakes up is how long the loop was kept busy."""

from __future__ import annotations

import asyncio
import time

import structlog

from patentflow.kit import metrics

log = structlog.get_logger(__name__)

TICK_SECONDS = 0.1
# A stall this long holds every consumer and request of the process for as long: worth a line in the log.
LONG_STALL_SECONDS = 0.25


async def watch_loop(tick: float = TICK_SECONDS, long_stall: float = LONG_STALL_SECONDS) -> None:
    """Until cancelled: sleep ``tick``, record how much later than asked the loop woke us, log a long stall."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(tick)
        late = time.perf_counter() - asked - tick
        metrics.LOOP_STALL.observe(max(late, 0.0))
        if late >= long_stall:
            log.warning("event loop stalled", seconds=round(late, 3))
