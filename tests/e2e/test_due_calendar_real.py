"""The daily pass's calendar on the real store: days filed and read back (across a year's end), and the day of the last
pass kept with ``$max`` (two processes' passes never move it back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.inventory.due import DueCalendar
from patentflow.kit.clock import Clock

TODAY = date(2026, 11, 21)


@pytest.fixture
async def db(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> AsyncIterator[Any]:
    database = mongo[f"due_{unique}"]
    yield database
    await mongo.drop_database(database.name)


async def test_days_filed_read_back_and_the_last_pass_only_moves_on(db: Any) -> None:
    collection: AsyncCollection[dict[str, Any]] = db["sweep_calendar"]
    due = DueCalendar(collection, Clock(TODAY))
    recorded = TODAY - timedelta(days=1)
    patents = [(f"P{n:04d}", [TODAY + timedelta(days=n)], recorded) for n in range(0, 800)]
    await due.file(patents)
    await due.file(patents[:100])  # redelivered
    assert await due.due(TODAY, TODAY + timedelta(days=9)) == [f"P{n:04d}" for n in range(10)]
    new_year = await due.due(date(2027, 12, 30), date(2028, 1, 2))
    assert new_year == [f"P{n:04d}" for n in range(404, 408)]
    assert await due.last_pass() is None
    await due.passed(TODAY)
    await DueCalendar(collection, Clock(TODAY)).passed(TODAY - timedelta(days=3))  # a process a few days behind
    assert await due.last_pass() == TODAY
    await due.passed(TODAY + timedelta(days=1))
    assert await due.last_pass() == TODAY + timedelta(days=1)


async def test_a_store_an_earlier_version_wrote_is_filed_from_one_scan(db: Any) -> None:
    patents: AsyncCollection[dict[str, Any]] = db["patents"]

    def doc(n: int) -> dict[str, Any]:
        patent = {"patent_type": "utility_model", "filing_date": f"{2016 + n % 3}-12-01", "state_funded": False}
        return {"_id": f"U{n}", "state": {"legal_status": "valid", "patent": {**patent, "title": "一种装置"}}}

    await patents.insert_many([doc(n) for n in range(30)])
    due = DueCalendar(db["sweep_calendar"], Clock(TODAY))
    await due.build(patents)
    assert await due.due(date(2026, 12, 1), date(2026, 12, 1)) == sorted(f"U{n}" for n in range(0, 30, 3))
    assert len(await due.due(TODAY, date(2029, 1, 1))) == 30
