"""The one clock of a service: its day and its instant, injectable so that tests and what-if runs can fix them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True, slots=True)
class Clock:
    """The calendar a service and its validators read; ``fixed_day`` replaces today (tests, ``PATENTFLOW_TODAY``)."""

    fixed_day: date | None = None

    def today(self) -> date:
        """The service's day."""
        return self.fixed_day if self.fixed_day is not None else date.today()

    def now(self) -> datetime:
        """The instant in UTC, always the real one: event times and timeouts order what happened, a fixed day
        only moves the calendar that rules read."""
        return datetime.now(UTC)


SYSTEM_CLOCK = Clock()
