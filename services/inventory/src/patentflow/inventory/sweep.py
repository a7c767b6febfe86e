"""The daily pass: expiry by the calendar and the five-year rule, as system commands, for the patents due (``due.py``)
since the last pass, or, asked by an operator, for every patent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import structlog

from patentflow.inventory import domain
from patentflow.inventory.due import DueCalendar
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.decisions import Aggregate, CommandContext, Decision

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Pass:
    """What a pass did: the day it decided for, the days it read, the patents it looked at and changed."""

    today: date
    first: date | None  # the first due day read; None for a pass over every patent
    looked_at: int
    changed: int


class _Gone(Exception):
    """A number filed in the calendar with no patent (a store restored from an older backup, say): skipped."""


async def sweep(store: AggregateStore, calendar: DueCalendar, today: date, *, every: bool = False) -> Pass:
    """Decide ``today`` for the patents due from ``lookback`` days before the last pass (or before today, if none)
    up to today; with ``every``, for every patent, which on FerretDB means listing the whole collection (operators
    ask for it after repairing a store by hand, say)."""
    if every:
        first = None
        numbers = await store.ids({})
    else:
        last = await calendar.last_pass()
        first = (last if last is not None and last <= today else today) - calendar.lookback
        numbers = await calendar.due(first, today)
    run = str(uuid.uuid4())
    changed = 0
    for number in numbers:
        ctx = CommandContext(principal=domain.SYSTEM, command_id=str(uuid.uuid4()), correlation_id=run)
        emitted: list[Decision] = []

        def decide(current: Aggregate | None, out: list[Decision] = emitted) -> Decision:
            if current is None:
                raise _Gone
            out.append(domain.sweep(current, today=today))
            return out[-1]

        try:
            await store.execute(number, ctx, decide)
        except _Gone:
            log.warning("daily sweep: a due patent is not in the store", number=number)
            continue
        changed += bool(emitted and emitted[-1].events)
    await calendar.passed(today)
    log.info("daily sweep done", today=today.isoformat(), first=first and first.isoformat(), looked_at=len(numbers),
             changed=changed)  # fmt: skip
    return Pass(today=today, first=first, looked_at=len(numbers), changed=changed)
