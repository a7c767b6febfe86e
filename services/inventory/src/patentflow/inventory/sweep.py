"""The daily pass over every patent: expiry by the calendar and the five-year rule, as system commands."""

from __future__ import annotations

import uuid
from datetime import date

import structlog

from patentflow.inventory import domain
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import Aggregate, CommandContext, Decision

log = structlog.get_logger(__name__)


async def sweep(store: AggregateStore, today: date) -> int:
    """Evaluate every patent for ``today``; returns how many changed."""
    run = str(uuid.uuid4())
    changed = 0
    for number in await store.ids({}):
        ctx = CommandContext(principal=domain.SYSTEM, command_id=str(uuid.uuid4()), correlation_id=run)
        emitted: list[Decision] = []

        def decide(current: Aggregate | None, out: list[Decision] = emitted) -> Decision:
            assert current is not None  # patents are never deleted
            out.append(domain.sweep(current, today=today))
            return out[-1]

        await store.execute(number, ctx, decide)
        changed += bool(emitted and emitted[-1].events)
    log.info("daily sweep done", today=today.isoformat(), changed=changed)
    return changed
