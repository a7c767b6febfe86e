"""The days on which the daily pass must look at a patent, filed in id sets of five years each (``kit.idsets``), so the
pass reads the patents due since the last one by id instead of every patent.

Only two rules change a patent with the calendar alone (``domain.sweep``): its term ends (the day after its expiry date
it has expired) and, for a state-funded patent, five years pass after grant (the non-use flag). Both days follow from
what a record fixes and nothing later changes (type, filing and grant dates, state funding), so the inventory's index
consumer files them when it reads ``PatentRecorded`` (``indexes.py``). Everything else that moves these rules is a
command, which decides them on its own day (``domain._decide``); so is the record itself, which is why a day not after
the record's is not filed.

Why not the pass over every patent it replaces: at 1 000 000 patents on FerretDB, listing every id took 57 s (the
whole collection decoded) and one lookup per patent 0.73 ms, 13 minutes of the store every day before any rule was
applied. A pass now reads one or two sets (0.76 s at that size) and looks at the patents due on the days it covers:
about 1 400, 157 of them due that day (``python bench/sweep_bench.py``, in ``make bench``).

Why sets of five years: a fetch of the consumer brings patents due over some twenty years, and each set it touches is
one update, about a millisecond of FerretDB's CPU. Sets of one year cost the store 107 us of CPU per recorded patent,
of five years 20 us, of ten 24 us (100 000 patents in fetches of 500; five years: 27 us at 1 000 000).

How a day that came late is still seen. Every pass reads from ``lookback`` days before the previous pass up to its own
day, so a patent filed under a day just passed (the consumer was behind, or the pass read that set a moment
before the write) is found by the next pass. A day after the record's (``recorded_on``) but older than that (the
consumer stopped for days, a dead letter replayed, a service day moved on by ``PATENTFLOW_TODAY``) is filed under
today. The lookback is a setting (``PATENTFLOW_SWEEP_LOOKBACK_DAYS``, 7 by default: a week without passes is still
caught up exactly).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts.events.common import PatentType
from patentflow.contracts.events.inventory_enums import LegalStatus
from patentflow.inventory import five_year, legal
from patentflow.kit.clock import Clock
from patentflow.kit.decisions import Document
from patentflow.kit.idsets import IdSets

COLLECTION = "sweep_calendar"
LOOKBACK_DAYS = 7
SPAN_YEARS = 5  # the due days of one set
_LAST_SWEEP = "sweep/last"  # the day of the last pass; set names are years, their documents ``<year>/...``: no clash


def due_days(record: Mapping[str, Any]) -> list[date]:
    """The days on which the calendar alone may change a patent, from a ``PatentRecorded`` payload (or the record and
    legal status a patent document keeps): the day after its term, while it can still expire, and the day its five
    years after grant pass, if state-funded."""
    days: list[date] = []
    status = LegalStatus(record.get("legal_status") or LegalStatus.VALID)
    if status not in legal.FINAL and status is not LegalStatus.TERMINATED:  # what ``legal.status_on`` may expire
        ends = record.get("expiry_date")
        expiry = (
            date.fromisoformat(ends)
            if ends
            else legal.expiry_date(PatentType(record["patent_type"]), date.fromisoformat(record["filing_date"]))
        )
        days.append(expiry + timedelta(days=1))
    if record.get("state_funded") and record.get("grant_date"):
        days.append(five_year.deadline(date.fromisoformat(record["grant_date"])))
    return days


def set_of(year: int) -> str:
    """The set a day of ``year`` is filed in: the first year of its span."""
    return str(year - year % SPAN_YEARS)


def member(day: date, number: str) -> str:
    """How a patent due on ``day`` is written in its set."""
    return f"{day.isoformat()} {number}"


class DueCalendar:
    """The days, filed and read; and the day of the last pass."""

    def __init__(self, collection: AsyncCollection[Document], clock: Clock, lookback_days: int = LOOKBACK_DAYS) -> None:
        self.collection = collection
        self.sets = IdSets(collection)
        self.clock = clock
        self.lookback = timedelta(days=lookback_days)

    def filed_under(self, day: date, recorded_on: date) -> date | None:
        """The day a due ``day`` of a patent recorded on ``recorded_on`` is filed under: None if the record decided
        it; the day itself while a coming pass still reads it; else today."""
        if day <= recorded_on:
            return None
        today = self.clock.today()
        return day if day >= today - self.lookback else today

    async def file(self, patents: Iterable[tuple[str, Iterable[date], date]]) -> None:
        """File patents ``(number, due days, the day it was recorded)``: one write per set touched."""
        added: dict[str, list[str]] = defaultdict(list)
        for number, days, recorded_on in patents:
            for day in days:
                kept = self.filed_under(day, recorded_on)
                if kept is not None:
                    added[set_of(kept.year)].append(member(kept, number))
        await self.sets.change(added)

    async def due(self, first: date, last: date) -> list[str]:
        """The patents filed under a day from ``first`` to ``last``, sorted."""
        numbers: dict[str, None] = {}
        low, high = first.isoformat(), last.isoformat()
        for name in sorted({set_of(year) for year in range(first.year, last.year + 1)}):
            for entry in await self.sets.members(name):
                day, number = entry.split(" ", 1)
                if low <= day <= high:
                    numbers[number] = None
        return sorted(numbers)

    async def last_pass(self) -> date | None:
        """The day of the last pass that ended, if any."""
        found = await self.collection.find_one({"_id": _LAST_SWEEP})
        return date.fromisoformat(found["day"]) if found else None

    async def passed(self, day: date) -> None:
        """Record a pass of ``day`` (a later day recorded by another process stays)."""
        await self.collection.update_one({"_id": _LAST_SWEEP}, {"$max": {"day": day.isoformat()}}, upsert=True)

    async def build(self, patents: AsyncCollection[Document]) -> None:
        """At start, once per store: the days of the patents an earlier version recorded, from one scan (that version
        looked at every patent every day, so the days before the lookback are decided)."""
        if await self.sets.built():
            return
        decided = self.clock.today() - self.lookback - timedelta(days=1)  # what the daily passes of that version did
        found: list[tuple[str, list[date], date]] = []
        fields = {f"state.patent.{name}": 1 for name in ("patent_type", "filing_date", "grant_date", "state_funded")}
        async for doc in patents.find({}, {**fields, "state.legal_status": 1}):
            state = doc.get("state") or {}
            record = {**state.get("patent", {}), "legal_status": state.get("legal_status")}
            if record.get("patent_type") and record.get("filing_date"):
                found.append((doc["_id"], due_days(record), decided))
        await self.file(found)
        await self.sets.mark_built(len(found))
