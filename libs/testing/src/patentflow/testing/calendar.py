"""A service clock a test moves on: ``Clock`` itself is frozen, the service reads ``today()`` anew each time."""

from __future__ import annotations

from datetime import date

from patentflow.kit.clock import Clock


class Calendar(Clock):
    """A service clock whose day the test moves on (``days.append``)."""

    days: list[date]

    def __init__(self, day: date) -> None:
        super().__init__(day)
        object.__setattr__(self, "days", [day])

    def today(self) -> date:
        """The last day appended."""
        return self.days[-1]
