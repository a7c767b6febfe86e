"""The export's index of each institution's patents: kept from PatentRecorded alone (by the inventory's index
consumer), by id, unchanged by repeats."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from patentflow.contracts.events import InventoryRecordFilled, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.inventory.consumers import OWNED
from patentflow.inventory.due import DueCalendar
from patentflow.inventory.indexes import PatentIndexes
from patentflow.inventory.owned import OwnedIndex
from patentflow.kit.clock import Clock
from patentflow.kit.cloudevents import ReceivedEvent
from patentflow.kit.idsets import chunk_id, head
from patentflow.testing.events import received
from patentflow.testing.memory import MemoryMongo
from patentflow.testing.samples import number

from .inprocess import A, B


def recorded(serial: int, owner: str) -> ReceivedEvent:
    province = "110000" if owner == A else "430000"
    event = PatentRecorded.model_validate(
        {"application_number": number(2019, serial), "patent_type": "invention", "title": "一种测试方法",
         "ipc_main": "G06F 16/35", "filing_date": date(2019, 3, 1), "grant_date": date(2021, 6, 1),
         "owner": Owner(credit_code=owner, name="示范大学", province=province), "state_funded": False,
         "source": "manual", "recorded_by": "test", "legal_status": "valid", "expiry_date": date(2039, 2, 28)}
    )  # fmt: skip
    return received(event, 1, offset=serial)


def filled(serial: int) -> ReceivedEvent:
    event = InventoryRecordFilled.model_validate(
        {"application_number": number(2019, serial), "trl": 5, "self_grade": 3, "conversion_intents": ["transfer"],
         "implementation_status": "not_implemented", "filled_by": "test"}
    )  # fmt: skip
    return received(event, 2)


def index() -> PatentIndexes:
    store = MemoryMongo()["test"]
    owned = OwnedIndex(store["patents_by_owner"], store["patents"])  # type: ignore[arg-type]
    return PatentIndexes(owned, DueCalendar(store["sweep_calendar"], Clock(date(2026, 11, 21))))  # type: ignore[arg-type]


def test_every_inventory_event_is_mapped_or_ignored() -> None:
    assert OWNED.unlisted() == []
    assert set(OWNED.mappings) == {PatentRecorded}


async def test_batches_and_single_events_with_repeats_give_each_institution_exactly_its_numbers() -> None:
    indexes = index()
    owned = indexes.owned
    mine = [recorded(s, A) for s in range(40)]
    theirs = [recorded(s, B) for s in range(40, 55)]
    batch = [[e] for e in mine[:30] + theirs]
    assert await indexes.apply_batch(batch) == {e.meta.subject for e in mine[:30] + theirs}
    await indexes.apply_batch(batch)  # the whole fetch again (a redelivery after a crash)
    for event in mine[25:]:  # some again, the rest for the first time, one by one
        await indexes.apply(event)
    await indexes.apply_batch([[mine[3], filled(3)]])  # a later event of a patent adds nothing
    assert await owned.numbers_of(A) == sorted(e.meta.subject for e in mine)
    assert await owned.numbers_of(B) == sorted(e.meta.subject for e in theirs)
    assert await owned.numbers_of("12999999999999999X") == []
    documents = await owned.sets.collection.find({}).to_list()
    assert {d["_id"] for d in documents if d["_id"].startswith(A)} == {head(A), chunk_id(A, 0)}  # two small documents


async def test_a_store_written_before_the_index_is_indexed_once_at_start() -> None:
    owned = index().owned
    docs = [
        {"_id": number(2019, s), "state": {"patent": {"owner": {"credit_code": A if s % 3 else B}}}} for s in range(30)
    ]
    await owned.patents.insert_many(docs)
    await owned.build()
    assert await owned.numbers_of(A) == sorted(
        d["_id"] for d in docs if d["state"]["patent"]["owner"]["credit_code"] == A
    )
    assert await owned.numbers_of(B) == sorted(
        d["_id"] for d in docs if d["state"]["patent"]["owner"]["credit_code"] == B
    )
    await owned.patents.insert_one({"_id": number(2019, 99), "state": {"patent": {"owner": {"credit_code": A}}}})
    await owned.build()  # built: the consumer adds what comes later, no second scan
    assert number(2019, 99) not in await owned.numbers_of(A)


async def test_a_recorded_event_without_its_owner_is_refused_and_adds_nothing() -> None:
    indexes = index()
    event = recorded(1, A)
    broken = dataclasses.replace(event, data={k: v for k, v in event.data.items() if k != "owner"})
    with pytest.raises(ValueError, match="owner"):
        await indexes.apply_batch([[broken]])
    assert await indexes.owned.numbers_of(A) == []


async def test_a_recorded_event_without_the_fields_of_its_due_days_adds_it_to_neither_index() -> None:
    indexes = index()
    good, event = recorded(1, A), recorded(2, A)
    broken = dataclasses.replace(
        event, data={k: v for k, v in event.data.items() if k not in ("filing_date", "expiry_date")}
    )
    with pytest.raises(ValueError, match="due days"):
        await indexes.apply_batch([[good], [broken]])
    assert await indexes.owned.numbers_of(A) == []  # the fetch is retried, then dead-lettered: nothing half-written
    assert await indexes.due.due(date(2026, 1, 1), date(2050, 1, 1)) == []
