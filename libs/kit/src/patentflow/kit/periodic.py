"""Periodic jobs of a service (daily sweeps, recovery passes): one loop that logs a failure and tries again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """Something a service does every ``interval_seconds``; at start too, unless ``wait_first``."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]
    wait_first: bool = False


async def run_periodically(job: PeriodicJob) -> None:
    """Run ``job`` until cancelled; a failed turn is logged and the job runs again at its next turn."""
    if job.wait_first:
        await asyncio.sleep(job.interval_seconds)
    while True:
        try:
            await job.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("periodic job failed; it runs again at its next turn", job=job.name)
        await asyncio.sleep(job.interval_seconds)
