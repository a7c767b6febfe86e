"""The daily pass's calendar: which days a record files, which a pass reads, and that a pass looks at the patents due
since the last one and no others (the rules it applies: ``test_five_year_and_terms.py``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from patentflow.contracts.access import Role
from patentflow.contracts.events import PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.inventory.deps import InventoryDeps
from patentflow.inventory.due import DueCalendar, due_days
from patentflow.inventory.indexes import PatentIndexes
from patentflow.inventory.owned import OwnedIndex
from patentflow.kit.clock import Clock
from patentflow.testing.calendar import Calendar
from patentflow.testing.events import received
from patentflow.testing.inprocess import auth, eventually
from patentflow.testing.memory import MemoryMongo
from patentflow.testing.samples import number

from .inprocess import ADMIN_A, TODAY, A, on_calendar, patent_body

OPERATOR = auth(Role.OPERATOR)


def record(**fields: Any) -> dict[str, Any]:
    return {"patent_type": "invention", "filing_date": "2013-12-18", "state_funded": False, **fields}


@pytest.mark.parametrize(
    ("fields", "days"),
    [
        ({}, [date(2033, 12, 18)]),  # the day after the last day of a 20-year term
        ({"expiry_date": "2033-12-17"}, [date(2033, 12, 18)]),  # as the event states it
        ({"patent_type": "utility_model", "filing_date": "2020-02-29"}, [date(2030, 2, 28)]),
        ({"legal_status": "expired"}, []),  # recorded past its term: nothing left to fall due
        ({"legal_status": "terminated"}, []),  # a terminated patent does not expire (legal.status_on)
        ({"legal_status": "suspended"}, [date(2033, 12, 18)]),
        ({"state_funded": True, "grant_date": "2016-05-04"}, [date(2033, 12, 18), date(2021, 5, 4)]),
        ({"state_funded": True}, [date(2033, 12, 18)]),  # not granted: no five years to count
        ({"state_funded": False, "grant_date": "2016-05-04"}, [date(2033, 12, 18)]),
    ],
)
def test_a_record_falls_due_the_day_after_its_term_and_five_years_after_a_funded_grant(
    fields: dict[str, Any], days: list[date]
) -> None:
    assert due_days(record(**fields)) == days


def calendar(today: date = TODAY, lookback: int = 7) -> DueCalendar:
    return DueCalendar(MemoryMongo()["test"]["sweep_calendar"], Clock(today), lookback)  # type: ignore[arg-type]


def test_a_day_after_the_record_is_filed_as_it_is_while_a_pass_reads_it_else_under_today() -> None:
    due = calendar(lookback=7)
    recorded = TODAY - timedelta(days=30)
    assert due.filed_under(TODAY + timedelta(days=400), recorded) == TODAY + timedelta(days=400)
    assert due.filed_under(TODAY - timedelta(days=7), recorded) == TODAY - timedelta(days=7)
    # past the lookback: the passes that read it are over, so today's takes it
    assert due.filed_under(TODAY - timedelta(days=8), recorded) == TODAY
    # not after the record's day: the record decided it
    assert due.filed_under(recorded, recorded) is None
    assert due.filed_under(TODAY, TODAY) is None
    assert due.filed_under(date(2001, 1, 1), recorded) is None


def recorded_event(
    serial: int, *, filed: date, kind: str = "utility_model", on: date | None = TODAY, at: datetime | None = None
) -> Any:
    event = PatentRecorded.model_validate(
        {"application_number": number(2019, serial, kind=2 if kind == "utility_model" else 1), "patent_type": kind,
         "title": "一种测试装置", "ipc_main": "G06F 16/35", "filing_date": filed, "grant_date": None,
         "owner": Owner(credit_code=A, name="示范大学", province="110000"), "state_funded": False,
         "source": "manual", "recorded_by": "test", "recorded_on": on}
    )  # fmt: skip
    return received(event, 1, offset=serial, time=at)


async def test_the_consumer_files_each_patent_under_its_day_and_a_redelivery_changes_what_a_pass_reads_not() -> None:
    store = MemoryMongo()["test"]
    due = DueCalendar(store["sweep_calendar"], Clock(TODAY))  # type: ignore[arg-type]
    indexes = PatentIndexes(OwnedIndex(store["patents_by_owner"], store["patents"]), due)  # type: ignore[arg-type]
    # utility models: ten years; filed from 2017-01-01 a day apart, so due from 2027-01-01
    events = [recorded_event(s, filed=date(2017, 1, 1) + timedelta(days=s)) for s in range(400)]
    await indexes.apply_batch([[e] for e in events])
    await indexes.apply_batch([[e] for e in events[:50]])  # redelivered
    january = await due.due(date(2027, 1, 1), date(2027, 1, 31))
    assert january == sorted(e.meta.subject for e in events[:31])
    assert await due.due(date(2027, 12, 31), date(2028, 1, 1)) == sorted(e.meta.subject for e in events[364:366])
    everything = await due.due(date(2027, 1, 1), date(2028, 12, 31))
    assert everything == sorted(e.meta.subject for e in events)
    heads = {d["_id"] for d in await due.collection.find({}).to_list() if d["_id"].endswith("/head")}
    assert heads == {"2025/head"}  # one set for the days of 2025 - 2029


async def test_an_event_read_after_its_day_passed_is_filed_under_today() -> None:
    due = calendar()
    store = MemoryMongo()["test"]
    indexes = PatentIndexes(OwnedIndex(store["owned"], store["patents"]), due)  # type: ignore[arg-type]
    filed = (TODAY - timedelta(days=9)).replace(year=TODAY.year - 10)  # a utility model due 9 days ago
    late = recorded_event(1, filed=filed, on=TODAY - timedelta(days=12))  # read 12 days after its record
    decided = recorded_event(2, filed=filed, on=TODAY)  # recorded expired
    # before events said their day: the day before the event's time stands for it
    noon = datetime.combine(TODAY, time(12), UTC)
    old_late = recorded_event(3, filed=filed, on=None, at=noon - timedelta(days=12))
    old_decided = recorded_event(4, filed=filed, on=None, at=noon)
    assert [due_days(e.data) for e in (late, old_late)] == [[TODAY - timedelta(days=9)]] * 2
    await indexes.apply_batch([[late], [decided], [old_late], [old_decided]])
    assert await due.due(TODAY - timedelta(days=30), TODAY) == sorted([late.meta.subject, old_late.meta.subject])


async def test_a_store_an_earlier_version_wrote_is_filed_once_at_start() -> None:
    store = MemoryMongo()["test"]
    due = DueCalendar(store["sweep_calendar"], Clock(TODAY))  # type: ignore[arg-type]
    patents = store["patents"]

    def doc(serial: int, filed: str, status: str = "valid") -> dict[str, Any]:
        patent = {"patent_type": "utility_model", "filing_date": filed, "state_funded": False}
        return {"_id": number(2019, serial, kind=2), "state": {"patent": patent, "legal_status": status}}

    await patents.insert_many(
        [doc(1, "2017-03-01"), doc(2, "2017-03-02", "expired"), doc(3, "2010-01-01"), doc(4, "2016-11-20")]
    )
    await due.build(patents)  # type: ignore[arg-type]
    assert await due.due(TODAY - timedelta(days=7), date(2030, 1, 1)) == [
        number(2019, 1, kind=2),
        number(2019, 4, kind=2),
    ]
    await patents.insert_one(doc(5, "2017-03-03"))
    await due.build(patents)  # type: ignore[arg-type]  # built: the consumer files what comes later
    assert number(2019, 5, kind=2) not in await due.due(date(2027, 1, 1), date(2027, 12, 31))


async def test_a_pass_looks_at_the_patents_due_since_the_last_pass_and_at_no_other() -> None:
    day = Calendar(date(2026, 11, 21))
    async with on_calendar(day) as service:
        due = service.deps(InventoryDeps).due
        filed = {"2016-11-25": 1, "2016-12-10": 2, "2020-05-06": 3}  # utility models due 2026-11-25, 12-10; 2030-05-06
        numbers = {}
        for filing, serial in filed.items():
            body = patent_body(serial, A, application_number=number(int(filing[:4]), serial, kind=2), filing_date=filing,
                               grant_date=None, school_id=None)  # fmt: skip
            assert (await service.http.post("/patents", json=body, headers=ADMIN_A)).status_code == 201
            numbers[filing] = body["application_number"]
        await eventually(lambda: due.due(date(2030, 5, 6), date(2030, 5, 6)), what="the records filed")

        async def sweep(**params: Any) -> dict[str, Any]:
            answer = await service.http.post("/operations/sweep", params=params, headers=OPERATOR)
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        async def status(filing: str) -> str:
            shown = await service.http.get(f"/patents/{numbers[filing]}", headers=ADMIN_A)
            return str(shown.json()["legal_status"])

        assert await sweep() == {"today": "2026-11-21", "first_due_day": "2026-11-14", "looked_at": 0, "changed": 0}
        day.days.append(date(2026, 11, 25))
        assert await sweep() == {"today": "2026-11-25", "first_due_day": "2026-11-14", "looked_at": 1, "changed": 1}
        assert [await status(f) for f in filed] == ["expired", "valid", "valid"]
        day.days.append(date(2026, 12, 20))  # no pass for weeks: the next reads every day since the last
        assert await sweep() == {"today": "2026-12-20", "first_due_day": "2026-11-18", "looked_at": 2, "changed": 1}
        assert [await status(f) for f in filed] == ["expired", "expired", "valid"]
        assert await sweep() == {"today": "2026-12-20", "first_due_day": "2026-12-13", "looked_at": 0, "changed": 0}
        # an operator's pass over every patent: the same rules, nothing left to change
        every = await sweep(every="true")
        assert every == {"today": "2026-12-20", "first_due_day": None, "looked_at": 3, "changed": 0}


async def test_a_number_filed_without_its_patent_is_skipped() -> None:
    day = Calendar(TODAY)
    async with on_calendar(day) as service:
        await service.deps(InventoryDeps).due.file([(number(2016, 7, kind=2), [TODAY], TODAY - timedelta(days=1))])
        answer = await service.http.post("/operations/sweep", headers=OPERATOR)
        assert (answer.json()["looked_at"], answer.json()["changed"]) == (1, 0)
