"""Bulk writes and imports on the real broker and store: nothing lost when publishing stops half-way.

The broker outage is the one thing simulated (a publisher that refuses every record); store, Kafka, relay and
recovery are the real ones.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.events.common import Owner
from patentflow.inventory import domain, imports, institutions
from patentflow.inventory.imports import Importer
from patentflow.inventory.models import InstitutionCreate, InventoryRecordInput, PatentCreate, SchoolCreate
from patentflow.inventory.tabular import HEADER_OF
from patentflow.kit.aggregates import AggregateStore
from patentflow.kit.bulk import BulkCreator, PublishFailed
from patentflow.kit.decisions import CommandContext, Decision
from patentflow.kit.guarded import GuardedWrites
from patentflow.kit.outbox import OutboxRelay, ProducerPublisher
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import header, read_all
from patentflow.testing.samples import fresh_serials, write_csv
from tests.e2e.conftest import INSTITUTION_A, new_number, patent_body

SOURCE = "/patentflow/inventory"
OWNER = Owner(credit_code=INSTITUTION_A, name="示范理工大学", province="110000")
TODAY = date(2026, 11, 21)
CTX = CommandContext(principal="import", command_id="c", correlation_id="import-1")


class Outage:
    """A publisher while the broker is unreachable: every record fails."""

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        return [ConnectionError("broker unreachable") for _ in records]

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        raise ConnectionError("broker unreachable")


@pytest.fixture
async def store(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> AsyncIterator[AggregateStore]:
    db = mongo[f"bulk_{unique}"]
    writes = GuardedWrites()
    await writes.configure(mongo)  # as the runtime does: a lock per id on FerretDB
    yield AggregateStore(db["patents"], source=SOURCE, writes=writes)
    await mongo.drop_database(db.name)


def _rows(count: int) -> list[tuple[str, Decision]]:
    record = InventoryRecordInput(
        conversion_intents=["transfer"], implementation_status="not_implemented", trl=5, self_grade=3
    ).command()
    rows = []
    for _ in range(count):
        number = new_number()
        patent = PatentCreate(**patent_body(number)).command()
        rows.append((number, domain.record_patent(None, patent, OWNER, by="import", today=TODAY, inventory=record)))
    return rows


async def _sequences(infrastructure: Infrastructure, numbers: Sequence[str]) -> dict[str, list[int]]:
    """The ce_sequence of every record of each aggregate on the patents topic, in the order they were written."""
    wanted = {n.encode(): n for n in numbers}
    found: dict[str, list[int]] = {n: [] for n in numbers}
    records = await read_all(infrastructure.kafka_bootstrap, topics.PATENTS.name)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        if record.key in wanted:
            found[wanted[record.key]].append(int(header(record, "ce_sequence") or 0))
    return found


async def _edit(store: AggregateStore, number: str) -> None:
    """A later command on an imported record: a changed inventory record (event 3)."""
    changed = InventoryRecordInput(
        conversion_intents=["licence_ordinary"], implementation_status="not_implemented", trl=6, self_grade=4
    ).command()
    await store.execute(number, CTX, lambda current: domain.fill_inventory(current, changed, by="x", today=TODAY))  # type: ignore[arg-type]


async def _failed_chunk(store: AggregateStore, rows: list[tuple[str, Decision]]) -> BulkCreator:
    chunks = store.collection.database["chunks"]
    with pytest.raises(PublishFailed):
        await BulkCreator(store, chunks, Outage()).create("import-1:0", rows, CTX)
    assert await store.collection.count_documents({}) == len(rows)  # the records are stored
    assert (await chunks.find_one({"_id": "import-1:0"}) or {})["published"] is False
    return BulkCreator(store, chunks, Outage())


async def test_a_chunk_whose_publish_failed_publishes_its_events_when_written_again(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(30)
    await _failed_chunk(store, rows)
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [] for n, _ in rows}

    again = BulkCreator(store, store.collection.database["chunks"], ProducerPublisher(producer))
    result = await again.create("import-1:0", rows, CTX)

    assert result.created == []  # the first attempt created them
    assert len(result.existing) == 30
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}


async def test_recovery_publishes_a_chunk_left_unpublished_once_it_is_old_enough(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(30)
    await _failed_chunk(store, rows)
    recovering = BulkCreator(store, store.collection.database["chunks"], ProducerPublisher(producer))

    assert await recovering.recover() == 0  # younger than a minute: maybe still being written elsewhere
    assert await recovering.recover(older_than=timedelta(0)) == 1

    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}
    assert await recovering.recover(older_than=timedelta(0)) == 0


async def test_recovery_reads_small_markers_not_the_chunks_and_each_goes_once_its_chunk_is_published(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    database = store.collection.database
    rows = _rows(10)
    await _failed_chunk(store, rows)
    published = BulkCreator(store, database["chunks"], ProducerPublisher(producer))
    await published.create("import-2:0", _rows(5), CTX)  # published: its marker went with it
    markers = await database["chunks_pending"].find({}).to_list()
    assert [m["_id"] for m in markers] == ["import-1:0"]
    assert set(markers[0]) == {"_id", "attempt", "at"}  # a marker holds no ids: cheap to read on every pass

    recovering = BulkCreator(store, database["chunks"], ProducerPublisher(producer))
    assert await recovering.recover(older_than=timedelta(0)) == 1
    assert await database["chunks_pending"].count_documents({}) == 0
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}


async def test_a_chunk_left_without_a_marker_is_found_by_the_first_recovery_of_a_process(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    # As an earlier version left it: unpublished, no marker. A process looks through the chunks once, at its first
    # pass; later passes read the markers only.
    database = store.collection.database
    rows = _rows(10)
    await _failed_chunk(store, rows)
    await database["chunks_pending"].delete_many({})
    recovering = BulkCreator(store, database["chunks"], ProducerPublisher(producer))

    assert await recovering.recover() == 0  # too young at the first pass: remembered for the next ones
    assert await recovering.recover(older_than=timedelta(0)) == 1
    assert await recovering.recover(older_than=timedelta(0)) == 0
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}


async def test_a_marker_of_a_chunk_never_written_is_dropped_only_once_old(
    store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    database = store.collection.database
    await database["chunks_pending"].insert_one({"_id": "import-3:0", "attempt": "a", "at": time.time()})
    recovering = BulkCreator(store, database["chunks"], ProducerPublisher(producer))

    assert await recovering.recover() == 0
    assert await database["chunks_pending"].count_documents({}) == 1  # young: its chunk may be on its way
    assert await recovering.recover(older_than=timedelta(0)) == 0
    assert await database["chunks_pending"].count_documents({}) == 0


async def test_an_edit_relayed_before_recovery_sends_the_first_events_first(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(5)
    await _failed_chunk(store, rows)
    edited = rows[0][0]
    await _edit(store, edited)

    await OutboxRelay([store.collection], ProducerPublisher(producer), source=SOURCE).relay_once()

    sequences = await _sequences(infrastructure, [n for n, _ in rows])
    assert sequences[edited] == [1, 2, 3]
    await BulkCreator(store, store.collection.database["chunks"], ProducerPublisher(producer)).recover(
        older_than=timedelta(0)
    )
    sequences = await _sequences(infrastructure, [n for n, _ in rows])
    assert sequences == {n: [1, 2, 3] if n == edited else [1, 2] for n, _ in rows}  # nothing twice, nothing lost


async def test_an_edit_after_a_published_chunk_does_not_repeat_the_first_events(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(5)
    chunks = store.collection.database["chunks"]
    await BulkCreator(store, chunks, ProducerPublisher(producer)).create("import-2:0", rows, CTX)
    edited = rows[0][0]
    await _edit(store, edited)

    assert await OutboxRelay([store.collection], ProducerPublisher(producer), source=SOURCE).relay_once() == 1

    sequences = await _sequences(infrastructure, [n for n, _ in rows])
    assert sequences == {n: [1, 2, 3] if n == edited else [1, 2] for n, _ in rows}


async def test_an_id_given_twice_in_one_chunk_is_written_and_published_once(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(3)
    chunks = store.collection.database["chunks"]

    result = await BulkCreator(store, chunks, ProducerPublisher(producer)).create("c:0", [*rows, rows[1]], CTX)

    assert (sorted(result.created), result.existing) == (sorted(n for n, _ in rows), [rows[1][0]])
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}


@pytest.fixture
async def registry(store: AggregateStore) -> AggregateStore:
    """The institution of the imports, with school ``ee``."""
    registry = AggregateStore(store.collection.database["institutions"], source=SOURCE)
    register = InstitutionCreate(
        credit_code=INSTITUTION_A, name="示范理工大学", kind="university", province="110000"
    ).command()
    await registry.execute(INSTITUTION_A, CTX, lambda current: institutions.register(current, register, by="admin"))
    school = SchoolCreate(school_id="ee", name="电子").command()
    await registry.execute(INSTITUTION_A, CTX, lambda current: institutions.add_school(current, school, by="admin"))  # type: ignore[arg-type]
    return registry


def _importer(store: AggregateStore, registry: AggregateStore, publisher: Any) -> Importer:
    db = store.collection.database
    return Importer(
        patents=store,
        registry=registry,
        bulk=BulkCreator(store, db["chunks"], publisher),
        jobs=db["imports"],
        errors=db["errors"],
        clock=lambda: TODAY,
    )


@pytest.mark.floods
async def test_an_import_cut_off_by_a_broker_outage_fails_clearly_and_resumes_losing_nothing(
    infrastructure: Infrastructure,
    store: AggregateStore,
    registry: AggregateStore,
    producer: AIOKafkaProducer,
    tmp_path: Path,
) -> None:
    sample = write_csv(tmp_path / "rows.csv", 3_500, bad_share=0.02, first_serial=fresh_serials(3_500), school="ee")
    cut_off = _importer(store, registry, Outage())
    await cut_off.register("job", institution=INSTITUTION_A, filename="rows.csv", by="admin", size=1)
    await cut_off.run("job", sample.path)

    failed = await cut_off.job("job")
    assert failed is not None
    assert failed["status"] == "failed"
    assert "upload the file again to resume" in failed["error"]
    assert "broker unreachable" in failed["error"]

    resumed = _importer(store, registry, ProducerPublisher(producer))
    await resumed.run("job", sample.path)

    done = await resumed.job("job")
    assert done is not None
    assert done["status"] == "done", done
    assert done["error"] is None
    assert done["created"] + done["unchanged"] == len(sample.good)
    assert done["bad"] == len(sample.bad_rows)
    assert await store.collection.count_documents({}) == len(sample.good)
    sequences = await _sequences(infrastructure, sample.good)
    assert sequences == {n: [1, 2] for n in sample.good}  # every record's events, each once


async def test_a_number_repeated_beyond_the_window_is_caught_by_the_store(
    store: AggregateStore,
    registry: AggregateStore,
    producer: AIOKafkaProducer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 4)
    monkeypatch.setattr(imports, "REPEAT_WINDOW", 5)  # at least a chunk: a number never repeats inside one
    sample = write_csv(tmp_path / "rows.csv", 20, first_serial=fresh_serials(20), school="ee")
    with sample.path.open(encoding="utf-8", newline="") as handle:
        header, *lines = list(csv.reader(handle))
    title = header.index(HEADER_OF["title"])
    near, far_same, far_changed = list(lines[17]), list(lines[0]), list(lines[1])
    far_changed[title] = "另一个名称"
    with sample.path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([near, far_same, far_changed])  # rows 22, 23 and 24 of the file
    importer = _importer(store, registry, ProducerPublisher(producer))
    await importer.register("job", institution=INSTITUTION_A, filename="rows.csv", by="admin", size=1)

    await importer.run("job", sample.path)

    job = await importer.job("job")
    assert job is not None
    assert (job["status"], job["created"], job["unchanged"], job["bad"]) == ("done", 20, 1, 2)
    reported = {e["row"]: e["problems"][0]["reason"] for e in await importer.errors_of("job", skip=0, limit=10)}
    assert reported[22] == "与第 19 行的申请号相同 / the same number as row 19"
    assert reported[24].startswith("已建档且数据不同，请用更正功能修改 / already recorded with other data")


async def test_a_chunk_recorded_but_never_inserted_is_inserted_when_written_again(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    rows = _rows(5)
    chunks = store.collection.database["chunks"]
    # An attempt that got as far as its chunk document, and no further (cancelled, or the store failed).
    await chunks.insert_one(
        {
            "_id": "import-3:0",
            "ids": [n for n, _ in rows],
            "published": False,
            "attempt": "gone",
            "at": datetime.now(UTC) - timedelta(minutes=5),
        }
    )
    writer = BulkCreator(store, chunks, ProducerPublisher(producer))
    assert await writer.recover() == 1  # nothing of it to publish

    result = await writer.create("import-3:0", rows, CTX)

    assert sorted(result.created) == sorted(n for n, _ in rows)
    assert await _sequences(infrastructure, [n for n, _ in rows]) == {n: [1, 2] for n, _ in rows}


class RefusingKeys:
    """A publisher that refuses the records of some aggregates (one permanently failing chunk)."""

    def __init__(self, inner: ProducerPublisher, refused: set[str]) -> None:
        self.inner, self.refused = inner, {k.encode() for k in refused}

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        passed = [r for r in records if r[1] not in self.refused]
        outcomes = iter(await self.inner.send_each(passed) if passed else [])
        return [ConnectionError("refused") if r[1] in self.refused else next(outcomes) for r in records]

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        raise NotImplementedError


async def test_recovery_goes_past_a_chunk_that_cannot_be_published(
    infrastructure: Infrastructure, store: AggregateStore, producer: AIOKafkaProducer
) -> None:
    stuck, fine = _rows(2), _rows(2)
    chunks = store.collection.database["chunks"]
    for chunk_id, rows in (("a:0", stuck), ("b:0", fine)):
        with pytest.raises(PublishFailed):
            await BulkCreator(store, chunks, Outage()).create(chunk_id, rows, CTX)
    publisher = RefusingKeys(ProducerPublisher(producer), {n for n, _ in stuck})

    assert await BulkCreator(store, chunks, publisher).recover(older_than=timedelta(0)) == 1

    sequences = await _sequences(infrastructure, [n for n, _ in stuck + fine])
    assert sequences == {**{n: [] for n, _ in stuck}, **{n: [1, 2] for n, _ in fine}}
    assert (await chunks.find_one({"_id": "a:0"}) or {})["published"] is False  # tried again next time


async def test_concurrent_uploads_of_one_file_run_it_once(store: AggregateStore, registry: AggregateStore) -> None:
    importer = _importer(store, registry, Outage())
    await importer.register("job", institution=INSTITUTION_A, filename="rows.csv", by="admin", size=1)

    claims = await asyncio.gather(*(importer.claim("job") for _ in range(5)))

    assert sorted(claims) == [False, False, False, False, True]
    assert not await importer.claim("job")  # running: nobody else starts it
