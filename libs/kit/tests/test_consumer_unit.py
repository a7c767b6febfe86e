"""ReliableConsumer without Kafka or MongoDB: retries, dead letters, parking behind a failure, and replay."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import types
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, ConnectionFailure

from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.consumer import ReliableConsumer, ReplayReport, RetryPolicy
from patentflow.kit.deadletters import DeadLetter, DeadLetterStore

GROUP = "projection-patents"
TOPIC = "patentflow.inventory.patents"
DLQ_TOPIC = f"patentflow.deadletter.{GROUP}"
FAST = RetryPolicy(max_attempts=3, backoff_seconds=0, backoff_max_seconds=0, transient_retry_seconds=0)


# --- fakes ---------------------------------------------------------------------------------------------------


def _matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for name, condition in query.items():
        value = doc.get(name)
        if isinstance(condition, dict) and "$in" in condition:
            if value not in condition["$in"]:
                return False
        elif isinstance(condition, dict) and "$ne" in condition:
            if value == condition["$ne"]:
                return False
        elif value != condition:
            return False
    return True


class FakeCursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self._docs = docs

    def sort(self, key: str, direction: int) -> FakeCursor:
        self._docs.sort(key=lambda d: d[key], reverse=direction < 0)
        return self

    def limit(self, n: int) -> FakeCursor:
        self._docs = self._docs[:n]
        return self

    async def to_list(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self._docs]


class FakeCollection:
    """The few AsyncCollection methods DeadLetterStore calls, over a dict keyed by ``_id``."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.indexes: list[Any] = []

    async def create_index(self, keys: Any, **_: Any) -> str:
        self.indexes.append(keys)
        return "index"

    async def update_one(self, filter: dict[str, Any], update: dict[str, Any], upsert: bool = False) -> None:
        doc = self.docs.get(filter["_id"])
        if doc is None:
            if not upsert:
                return
            doc = self.docs[filter["_id"]] = {"_id": filter["_id"], **update.get("$setOnInsert", {})}
        doc.update(update.get("$set", {}))

    async def find_one(self, query: dict[str, Any], projection: dict[str, Any] | None = None) -> dict[str, Any] | None:
        doc = self.docs.get(query["_id"])
        return dict(doc) if doc is not None and _matches(doc, query) else None

    def find(self, query: dict[str, Any], projection: dict[str, Any] | None = None) -> FakeCursor:
        found = [doc for doc in self.docs.values() if _matches(doc, query)]
        if projection and all(v == 0 for v in projection.values()):
            found = [{k: v for k, v in doc.items() if k not in projection} for doc in found]
        elif projection:
            found = [{k: v for k, v in doc.items() if k == "_id" or projection.get(k)} for doc in found]
        return FakeCursor(found)


class FakePublisher:
    def __init__(self) -> None:
        self.calls: list[list[tuple[str, bytes, bytes, dict[str, str]]]] = []

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        self.calls.append(list(records))

    @property
    def records(self) -> list[tuple[str, bytes, bytes, dict[str, str]]]:
        return [record for call in self.calls for record in call]


class FlakyHandler:
    """Applies events, failing for the subjects in ``failing`` (with ``error``)."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.error: Exception = RuntimeError("projection rejected the event")
        self.attempts: list[str] = []
        self.applied: list[str] = []

    async def __call__(self, event: ReceivedEvent) -> None:
        self.attempts.append(event.meta.id)
        if event.meta.subject in self.failing:
            raise self.error
        self.applied.append(event.meta.id)


_offsets = iter(range(100, 10_000))


def _record(
    subject: str,
    event_id: str,
    sequence: int = 1,
    *,
    headers: list[tuple[str, bytes]] | None = None,
    value: bytes | None = None,
) -> types.SimpleNamespace:
    meta = EventMeta(
        id=event_id,
        source="/patentflow/inventory",
        type="cn.patentflow.inventory.PatentRecorded.v1",
        subject=subject,
        sequence=sequence,
        time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    if headers is None:
        headers = [(name, text.encode()) for name, text in meta.headers().items()]
    if value is None:
        value = json.dumps({"subject": subject, "sequence": sequence}).encode()
    return types.SimpleNamespace(
        topic=TOPIC, partition=1, offset=next(_offsets), key=subject.encode(), value=value, headers=headers
    )


class Harness:
    def __init__(self) -> None:
        self.collection = FakeCollection()
        self.store = DeadLetterStore(self.collection)  # type: ignore[arg-type]
        self.publisher = FakePublisher()
        self.handler = FlakyHandler()
        self.consumer = ReliableConsumer(
            group=GROUP,
            topics=[TOPIC],
            handler=self.handler,
            dead_letters=self.store,
            publisher=self.publisher,
            policy=FAST,
        )

    def letters(self, **query: Any) -> list[dict[str, Any]]:
        return sorted((d for d in self.collection.docs.values() if _matches(d, query)), key=lambda d: d["offset"])


@pytest.fixture
def h() -> Harness:
    return Harness()


# --- tests ---------------------------------------------------------------------------------------------------


def test_retry_policy_backs_off_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_seconds=0.5, backoff_max_seconds=3)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_dead_letter_topic_is_named_after_the_group(h: Harness) -> None:
    assert h.consumer.dead_letter_topic == DLQ_TOPIC


@pytest.mark.asyncio
async def test_applies_event_once_without_dead_letter(h: Harness) -> None:
    await h.consumer.handle(_record("A", "a-1"))
    assert h.handler.applied == ["a-1"]
    assert h.handler.attempts == ["a-1"]
    assert h.publisher.calls == []
    assert h.collection.docs == {}


@pytest.mark.asyncio
async def test_passes_the_parsed_event_to_the_handler(h: Harness) -> None:
    seen: list[ReceivedEvent] = []

    async def handler(event: ReceivedEvent) -> None:
        seen.append(event)

    h.consumer.handler = handler
    record = _record("A", "a-1", sequence=4)
    await h.consumer.handle(record)
    [event] = seen
    assert (event.meta.id, event.meta.subject, event.meta.sequence) == ("a-1", "A", 4)
    assert event.data == {"subject": "A", "sequence": 4}
    assert (event.topic, event.partition, event.offset, event.key) == (TOPIC, 1, record.offset, b"A")


@pytest.mark.asyncio
async def test_recovers_when_a_retry_succeeds(h: Harness) -> None:
    calls = 0

    async def handler(event: ReceivedEvent) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RuntimeError("not yet")

    h.consumer.handler = handler
    await h.consumer.handle(_record("A", "a-1"))
    assert calls == 3
    assert h.publisher.calls == []
    assert not h.store.is_parked(GROUP, "A")


@pytest.mark.asyncio
async def test_dead_letters_event_after_max_attempts_with_error_and_origin(h: Harness) -> None:
    h.handler.failing.add("A")
    record = _record("A", "a-1")
    await h.consumer.handle(record)

    assert h.handler.attempts == ["a-1", "a-1", "a-1"]
    assert h.handler.applied == []
    [[(topic, key, value, headers)]] = h.publisher.calls
    assert topic == DLQ_TOPIC
    assert key == b"A"
    assert value == record.value
    assert headers["dlq_reason"] == "failed"
    assert headers["dlq_error_type"] == "RuntimeError"
    assert headers["dlq_error_message"] == "projection rejected the event"
    assert headers["dlq_attempts"] == "3"
    assert headers["dlq_consumer_group"] == GROUP
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["dlq_original_partition"] == "1"
    assert headers["dlq_original_offset"] == str(record.offset)
    assert headers["ce_id"] == "a-1"  # the original CloudEvents headers travel with the dead letter
    assert "dlq_parked_behind" not in headers

    [stored] = h.letters()
    assert stored["_id"] == f"{GROUP}:{TOPIC}:1:{record.offset}"
    assert (stored["status"], stored["subject"], stored["event_id"], stored["attempts"]) == ("failed", "A", "a-1", 3)
    assert h.store.is_parked(GROUP, "A")


@pytest.mark.asyncio
async def test_parks_later_events_of_a_failed_subject_but_applies_other_subjects(h: Harness) -> None:
    h.handler.failing.add("A")
    await h.consumer.handle(_record("A", "a-1", 1))
    attempts_before = len(h.handler.attempts)

    parked = _record("A", "a-2", 2)
    await h.consumer.handle(parked)
    await h.consumer.handle(_record("B", "b-1", 1))

    assert len(h.handler.attempts) == attempts_before + 1  # only B reached the handler
    assert h.handler.applied == ["b-1"]
    assert len(h.publisher.calls) == 2
    topic, key, value, headers = h.publisher.calls[1][0]
    assert (topic, key, value) == (DLQ_TOPIC, b"A", parked.value)
    assert headers["dlq_reason"] == "parked"
    assert headers["dlq_parked_behind"] == "a-1"
    assert headers["dlq_attempts"] == "0"
    assert headers["dlq_error_type"] == "Parked"
    assert headers["dlq_original_offset"] == str(parked.offset)
    assert [(d["event_id"], d["status"], d["parked_behind"]) for d in h.letters(subject="A")] == [
        ("a-1", "failed", None),
        ("a-2", "parked", "a-1"),
    ]
    assert not h.store.is_parked(GROUP, "B")


@pytest.mark.asyncio
async def test_dead_letters_record_without_cloudevents_headers_at_once(h: Harness) -> None:
    record = _record("A", "a-1", headers=[("content-type", b"application/json")])
    await h.consumer.handle(record)

    assert h.handler.attempts == []
    [[(topic, key, value, headers)]] = h.publisher.calls
    assert (topic, key, value) == (DLQ_TOPIC, b"A", record.value)
    assert headers["dlq_reason"] == "invalid"
    assert headers["dlq_error_type"] == "InvalidEnvelope"
    assert "missing CloudEvents headers" in headers["dlq_error_message"]
    assert headers["dlq_attempts"] == "1"
    [stored] = h.letters()
    assert (stored["status"], stored["subject"], stored["event_id"]) == ("failed", None, None)
    assert not h.store.is_parked(GROUP, "A")  # an unreadable record parks no aggregate


@pytest.mark.asyncio
async def test_dead_letters_record_with_non_json_payload_as_invalid(h: Harness) -> None:
    await h.consumer.handle(_record("A", "a-1", value=b"\x00not json"))
    assert h.handler.attempts == []
    assert h.publisher.records[0][3]["dlq_reason"] == "invalid"
    assert "payload is not JSON" in h.publisher.records[0][3]["dlq_error_message"]


@pytest.mark.asyncio
async def test_reraises_transient_store_outage_without_dead_letter(h: Harness) -> None:
    h.handler.failing.add("A")
    h.handler.error = AutoReconnect("mongo went away")
    with pytest.raises(AutoReconnect):
        await h.consumer.handle(_record("A", "a-1"))
    assert h.handler.attempts == ["a-1"]  # not retried in place: Kafka redelivers the uncommitted record
    assert h.publisher.calls == []
    assert h.collection.docs == {}
    assert not h.store.is_parked(GROUP, "A")


@pytest.mark.asyncio
async def test_replay_applies_dead_letters_in_order_and_releases_the_subject(h: Harness) -> None:
    h.handler.failing.add("A")
    await h.consumer.handle(_record("A", "a-1", 1))
    await h.consumer.handle(_record("A", "a-2", 2))
    assert h.store.is_parked(GROUP, "A")

    h.handler.failing.clear()
    report = await h.consumer.replay("A")

    assert report == ReplayReport(subject="A", replayed=2, remaining=0)
    assert h.handler.applied == ["a-1", "a-2"]
    assert [d["status"] for d in h.letters(subject="A")] == ["replayed", "replayed"]
    assert not h.store.is_parked(GROUP, "A")

    published = len(h.publisher.calls)
    await h.consumer.handle(_record("A", "a-3", 3))
    assert h.handler.applied == ["a-1", "a-2", "a-3"]
    assert len(h.publisher.calls) == published  # applied directly, no new dead letter


@pytest.mark.asyncio
async def test_replay_stops_at_the_first_event_that_still_fails(h: Harness) -> None:
    h.handler.failing.add("A")
    await h.consumer.handle(_record("A", "a-1", 1))
    await h.consumer.handle(_record("A", "a-2", 2))
    h.handler.error = ValueError("still broken")

    report = await h.consumer.replay("A")

    assert report == ReplayReport(subject="A", replayed=0, remaining=2, error="still broken")
    first, second = h.letters(subject="A")
    assert (first["status"], first["error_type"], first["error"]) == ("failed", "ValueError", "still broken")
    assert second["status"] == "parked"
    assert h.store.is_parked(GROUP, "A")
    await h.consumer.handle(_record("A", "a-3", 3))
    assert h.publisher.records[-1][3]["dlq_reason"] == "parked"


@pytest.mark.asyncio
async def test_replay_of_a_subject_without_dead_letters_does_nothing(h: Harness) -> None:
    assert await h.consumer.replay("nothing-here") == ReplayReport(subject="nothing-here", replayed=0, remaining=0)
    assert h.handler.attempts == []


@pytest.mark.asyncio
async def test_recording_the_same_record_twice_keeps_one_dead_letter(h: Harness) -> None:
    h.handler.failing.add("A")
    record = _record("A", "a-1")
    await h.consumer.handle(record)
    await h.consumer.handle(record)  # redelivered after a crash: now parked, but same id as the stored letter
    [stored] = h.letters()
    assert stored["status"] == "failed"
    assert stored["attempts"] == 3


@pytest.mark.asyncio
async def test_parked_subjects_survive_a_restart_through_load(h: Harness) -> None:
    h.handler.failing.add("A")
    await h.consumer.handle(_record("A", "a-1"))
    await h.consumer.handle(_record("Z", "z-1", headers=[]))  # invalid: no subject to park

    restarted = DeadLetterStore(h.collection)  # type: ignore[arg-type]
    assert not restarted.is_parked(GROUP, "A")
    await restarted.load(GROUP)
    assert restarted.is_parked(GROUP, "A")
    assert not restarted.is_parked(GROUP, "Z")
    assert not restarted.is_parked("other-group", "A")


@pytest.mark.asyncio
async def test_dead_letter_listing_hides_raw_bytes_and_filters(h: Harness) -> None:
    await h.store.ensure_indexes()
    assert h.collection.indexes == [[("group", 1), ("subject", 1), ("status", 1)]]
    h.handler.failing.add("A")
    await h.consumer.handle(_record("A", "a-1", 1))
    await h.consumer.handle(_record("A", "a-2", 2))
    listed = await h.store.list(group=GROUP)
    assert {d["event_id"] for d in listed} == {"a-1", "a-2"}
    assert all("value" not in d and "headers" not in d and "key" not in d for d in listed)
    assert [d["event_id"] for d in await h.store.list(status="parked")] == ["a-2"]
    assert await h.store.list(group="other") == []


async def test_a_replayed_record_that_fails_again_is_open_again() -> None:
    collection = FakeCollection()
    store = DeadLetterStore(collection)  # type: ignore[arg-type]
    letter = DeadLetter(
        group="g",
        subject="A",
        topic="t",
        partition=0,
        offset=5,
        key=b"A",
        value=b"{}",
        headers=[],
        status="failed",
        error_type="RuntimeError",
        error="first",
        attempts=3,
        event_id="e",
    )
    await store.record(letter)
    await store.mark(letter.id, "replayed")
    store.release("g", "A")

    await store.record(dataclasses.replace(letter, error="second"))

    assert collection.docs[letter.id]["status"] == "failed"
    assert collection.docs[letter.id]["error"] == "second"
    assert store.is_parked("g", "A")


async def test_a_refresh_that_read_before_a_new_failure_does_not_unpark_it() -> None:
    gate = asyncio.Event()

    class SlowCursor(FakeCursor):
        async def to_list(self) -> list[dict[str, Any]]:
            await gate.wait()  # the store answered before the failure below was recorded
            return []

    collection = FakeCollection()
    collection.find = lambda *a, **k: SlowCursor([])  # type: ignore[method-assign]
    store = DeadLetterStore(collection)  # type: ignore[arg-type]
    refresh = asyncio.create_task(store.load("g"))
    await asyncio.sleep(0)
    letter = DeadLetter(
        group="g",
        subject="B",
        topic="t",
        partition=0,
        offset=9,
        key=b"B",
        value=b"{}",
        headers=[],
        status="failed",
        error_type="RuntimeError",
        error="x",
        attempts=3,
        event_id="e",
    )

    await store.record(letter)
    gate.set()
    await refresh

    assert store.is_parked("g", "B")


async def test_a_command_that_keeps_losing_the_race_is_refused_as_a_concurrent_modification() -> None:
    from patentflow.contracts.reasons import ReasonCode
    from patentflow.kit.aggregates import AggregateStore
    from patentflow.kit.decisions import CommandContext, Decision
    from patentflow.kit.errors import RuleViolation

    class Racing:
        """Every write finds the version moved on."""

        writes = 0

        async def find_one(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"_id": "a", "version": 1, "last_sequence": 0, "state": {}, "commands": []}

        async def update_one(self, *args: Any, **kwargs: Any) -> Any:
            Racing.writes += 1
            return types.SimpleNamespace(matched_count=0, upserted_id=None)

    store = AggregateStore(Racing(), source="/patentflow/test")  # type: ignore[arg-type]
    ctx = CommandContext(principal="p", command_id="c", correlation_id="c")

    with pytest.raises(RuleViolation) as caught:
        await store.execute("a", ctx, lambda current: Decision({"x": 1}, [], {}))

    assert caught.value.reason.code is ReasonCode.CONCURRENT_MODIFICATION
    assert Racing.writes == 5


# --- batches -------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_batch_applies_each_aggregate_in_order_and_aggregates_side_by_side(h: Harness) -> None:
    running: list[str] = []
    overlapped: list[bool] = []
    seen: list[str] = []

    async def handler(event: ReceivedEvent) -> None:
        running.append(event.meta.subject)
        overlapped.append(len(set(running)) > 1)
        await asyncio.sleep(0.01)
        seen.append(event.meta.id)
        running.remove(event.meta.subject)

    h.consumer.handler = handler
    batch = [_record(s, f"{s.lower()}-{n}", n) for n in (1, 2, 3) for s in ("A", "B", "C")]
    await h.consumer.handle_batch(batch)

    for subject in "abc":
        assert [e for e in seen if e.startswith(subject)] == [f"{subject}-1", f"{subject}-2", f"{subject}-3"]
    assert any(overlapped)  # aggregates did not wait for each other
    assert len(seen) == 9


@pytest.mark.asyncio
async def test_a_failing_event_in_a_batch_parks_its_aggregate_and_the_rest_of_the_batch_goes_on(h: Harness) -> None:
    h.handler.failing = {"A"}
    await h.consumer.handle_batch([_record("A", "a-1"), _record("B", "b-1"), _record("A", "a-2", 2)])
    assert h.handler.applied == ["b-1"]
    assert [(d["event_id"], d["status"]) for d in h.letters()] == [("a-1", "failed"), ("a-2", "parked")]


@pytest.mark.asyncio
async def test_an_outage_in_a_batch_raises_so_the_whole_batch_is_delivered_again(h: Harness) -> None:
    h.handler.failing = {"B"}
    h.handler.error = ConnectionFailure("store down")
    with pytest.raises(ExceptionGroup) as raised:
        await h.consumer.handle_batch([_record("A", "a-1"), _record("B", "b-1")])
    assert raised.group_contains(ConnectionFailure)
    assert h.letters() == []  # an outage is not the event's fault: nothing dead-lettered


class RunsHandler:
    """A batch handler that records the runs it was given and applies those whose subject is not in ``declines``."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []
        self.declines: set[str] = set()
        self.error: Exception | None = None

    async def __call__(self, runs: Sequence[Sequence[ReceivedEvent]]) -> set[str]:
        self.runs.extend([e.meta.id for e in run] for run in runs)
        if self.error is not None:
            raise self.error
        return {run[0].meta.subject for run in runs} - self.declines


@pytest.fixture
def runs(h: Harness) -> RunsHandler:
    handler = RunsHandler()
    h.consumer.batch_handler = handler
    return handler


@pytest.mark.asyncio
async def test_the_batch_handler_gets_one_run_per_aggregate_in_order_and_what_it_applied_skips_the_event_path(
    h: Harness, runs: RunsHandler
) -> None:
    batch = [_record(s, f"{s.lower()}-{n}", n) for n in (1, 2) for s in ("A", "B")]
    await h.consumer.handle_batch(batch)
    assert sorted(runs.runs) == [["a-1", "a-2"], ["b-1", "b-2"]]
    assert h.handler.attempts == []  # taken whole: the per-event handler never saw them
    assert h.letters() == []


@pytest.mark.asyncio
async def test_an_aggregate_the_batch_handler_leaves_is_applied_event_by_event(h: Harness, runs: RunsHandler) -> None:
    runs.declines = {"B"}
    await h.consumer.handle_batch([_record("A", "a-1"), _record("B", "b-1"), _record("B", "b-2", 2)])
    assert h.handler.applied == ["b-1", "b-2"]


@pytest.mark.asyncio
async def test_a_malformed_record_and_a_parked_aggregate_never_reach_the_batch_handler(
    h: Harness, runs: RunsHandler
) -> None:
    h.handler.failing = {"P"}
    await h.consumer.handle(_record("P", "p-1"))  # P fails for good: it is parked from now on
    h.handler.failing = set()
    broken = _record("X", "x-1", headers=[])
    await h.consumer.handle_batch([_record("A", "a-1"), _record("P", "p-2", 2), broken])
    assert runs.runs == [["a-1"]]
    by_event = {d["event_id"]: d["status"] for d in h.letters()}
    assert by_event == {"p-1": "failed", "p-2": "parked", None: "failed"}  # the malformed one: no event id
    assert "p-2" not in h.handler.applied


@pytest.mark.asyncio
async def test_a_batch_handler_that_fails_hands_the_whole_batch_to_the_event_path(
    h: Harness, runs: RunsHandler
) -> None:
    runs.error = ValueError("a run the batch path cannot take")
    await h.consumer.handle_batch([_record("A", "a-1"), _record("B", "b-1")])
    assert sorted(h.handler.applied) == ["a-1", "b-1"]
    assert h.letters() == []


@pytest.mark.asyncio
async def test_an_outage_in_the_batch_handler_raises_and_nothing_goes_the_event_path(
    h: Harness, runs: RunsHandler
) -> None:
    runs.error = AutoReconnect("store down")
    with pytest.raises(AutoReconnect):
        await h.consumer.handle_batch([_record("A", "a-1"), _record("B", "b-1")])
    assert h.handler.attempts == []
    assert h.letters() == []
