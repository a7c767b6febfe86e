"""Consumers that lose nothing: commit only after the effect is stored, retry with back-off, then dead-letter.

A handler that keeps failing on one event sends it, after ``max_attempts``, to the group's dead-letter topic
with the error and the original coordinates in headers; later events of the same aggregate are parked behind
it (dead-lettered with ``dlq_reason=parked``) until an operator replays them. Outages of the store or the
broker are not the event's fault: they are not counted as attempts, and the record is redelivered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.errors import ConnectionFailure

from patentflow.contracts.topics import dead_letter_topic
from patentflow.kit import metrics
from patentflow.kit.cloudevents import InvalidEnvelope, ReceivedEvent, parse_event, parse_record
from patentflow.kit.deadletters import DeadLetter, DeadLetterStore
from patentflow.kit.eventmap import EventMap
from patentflow.kit.outbox import Publisher

log = structlog.get_logger(__name__)

Handler = Callable[[ReceivedEvent], Awaitable[None]]
# Applies whole runs of events (one group per aggregate, in order) and returns the aggregates it applied.
BatchHandler = Callable[[Sequence[Sequence[ReceivedEvent]]], Awaitable[set[str]]]


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A consumer a service runs: its name (the group is ``patentflow.<service>.<name>``), topics and handler;
    ``table`` is the event table it was built from, which the contract documents and the tests check."""

    name: str
    topics: Sequence[str]
    handler: Handler
    table: EventMap | None = None
    batch_handler: BatchHandler | None = None


# Failures of the infrastructure, not of the event: wait and let Kafka redeliver, never dead-letter.
TRANSIENT: tuple[type[BaseException], ...] = (ConnectionFailure, KafkaConnectionError, KafkaTimeoutError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failing event is retried before it is dead-lettered."""

    max_attempts: int = 5
    backoff_seconds: float = 0.2
    backoff_max_seconds: float = 5.0
    transient_retry_seconds: float = 2.0

    def delay(self, attempt: int) -> float:
        """Back-off before attempt ``attempt + 1``."""
        return float(min(self.backoff_seconds * 2 ** (attempt - 1), self.backoff_max_seconds))


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """How many records one fetch brings, how long it waits for them, and how many aggregates apply at once."""

    max_records: int = 500
    wait_ms: int = 100
    concurrency: int = 32
    # How long the broker holds a fetch that finds no new records. aiokafka does not fetch a partition again while
    # records of it are still buffered, so a fetch for the others can sit out this wait while new records of the
    # buffered ones queue behind it: at Kafka's 500 ms that was half a second of lag under a steady load.
    fetch_wait_ms: int = 50
    # How many bytes a fetch waits for (up to ``fetch_wait_ms``). At Kafka's 1 byte every consumer fetched again as
    # soon as one record arrived: under a steady 1 000 events/s the broker answered hundreds of fetches a second per
    # group, which cost it half a core with two groups, and each fetch brought a handful of records.
    fetch_min_bytes: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What an operator's replay did."""

    subject: str
    replayed: int
    remaining: int
    error: str | None = None


@dataclass
class ReliableConsumer:
    """One consumer group applying one handler to its topics."""

    group: str
    topics: Sequence[str]
    handler: Handler
    dead_letters: DeadLetterStore
    publisher: Publisher
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch: BatchPolicy = field(default_factory=lambda: BatchPolicy())
    batch_handler: BatchHandler | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def dead_letter_topic(self) -> str:
        """Where this group's failures go."""
        return dead_letter_topic(self.group)

    def subscribe(self, broker: KafkaBroker) -> None:
        """Register with the broker, in batches. NACK_ON_ERROR: a batch is committed only after ``handle_batch``
        returned, that is once every record's effect or dead letter is stored; an error rewinds the batch."""

        async def on_batch(message: KafkaMessage) -> None:
            raw = message.raw_message
            records = tuple(raw) if isinstance(raw, tuple | list) else (raw,)
            await self.handle_batch(records)
            for record in _last_per_partition(records):
                self._record_lag(record)

        broker.subscriber(
            *self.topics,
            group_id=self.group,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            batch=True,
            max_records=self.batch.max_records,
            batch_timeout_ms=self.batch.wait_ms,
            fetch_max_wait_ms=self.batch.fetch_wait_ms,
            fetch_min_bytes=self.batch.fetch_min_bytes,
            parser=_tolerant_batch_parser,
            decoder=_raw_bodies,
        )(on_batch)

    async def handle_batch(self, records: Sequence[Any]) -> None:
        """Apply one fetched batch: the records of one aggregate (Kafka key) in their order, aggregates side by side
        (at most ``batch.concurrency`` at once). Returns once every effect or dead letter is stored. An outage of the
        store or broker raises, and the whole batch is delivered again: what was applied is dropped as a repeat."""
        groups: dict[Any, list[Any]] = {}
        for record in records:
            groups.setdefault(record.key or (record.topic, record.partition), []).append(record)
        if self.batch_handler is not None:
            for key in await self._apply_together(groups):
                del groups[key]
        gate = asyncio.Semaphore(self.batch.concurrency)

        async def in_order(group: list[Any]) -> None:
            async with gate:
                for record in group:
                    await self.handle(record)

        async with asyncio.TaskGroup() as tasks:  # the first failure cancels the others and is raised here
            for group in groups.values():
                tasks.create_task(in_order(group))
        metrics.BATCH_SIZE.labels(group=self.group).observe(len(records))

    def _record_lag(self, record: Any) -> None:
        # The consumer knows each partition's high-water mark from its last fetch: lag costs no request.
        consumer = getattr(record, "consumer", None)
        if consumer is None:
            return
        highwater = consumer.highwater(TopicPartition(record.topic, record.partition))
        if highwater is not None:
            lag = max(highwater - record.offset - 1, 0)
            metrics.CONSUMER_LAG.labels(group=self.group, topic=record.topic, partition=str(record.partition)).set(lag)

    async def _apply_together(self, groups: dict[Any, list[Any]]) -> list[Any]:
        """The keys whose records the batch handler applied whole. Only well-formed events of aggregates nobody
        parked go there; anything it does not take, or any failure but an outage, goes the per-event way."""
        assert self.batch_handler is not None
        runs: dict[Any, list[ReceivedEvent]] = {}
        for key, group in groups.items():
            try:
                events = [parse_record(r) for r in group]
            except InvalidEnvelope:
                continue
            if len({e.meta.subject for e in events}) == 1 and not self.dead_letters.is_parked(
                self.group, events[0].meta.subject
            ):
                runs[key] = events
        if not runs:
            return []
        try:
            applied = await self.batch_handler(list(runs.values()))
        except TRANSIENT:
            log.warning("store or broker unavailable; the batch will be redelivered", exc_info=True)
            await asyncio.sleep(self.policy.transient_retry_seconds)
            raise
        except Exception:
            log.warning("a batch could not be applied whole; applying it event by event", exc_info=True)
            return []
        done = [key for key, events in runs.items() if events[0].meta.subject in applied]
        handled = Counter(event.meta.type for key in done for event in runs[key])
        for kind, count in handled.items():  # one increment per type and batch, not per event
            metrics.EVENTS_HANDLED.labels(group=self.group, type=kind, outcome="applied").inc(count)
        return done

    async def handle(self, record: Any) -> None:
        """Apply one Kafka record; returns once its effect or its dead letter is stored."""
        structlog.contextvars.bind_contextvars(
            topic=record.topic, partition=record.partition, offset=record.offset, group=self.group
        )
        try:
            try:
                event = parse_record(record)
            except InvalidEnvelope as exc:
                await self._dead_letter(record, None, exc, attempts=1, reason="invalid")
                return
            structlog.contextvars.bind_contextvars(
                event_id=event.meta.id,
                event_type=event.meta.type,
                subject=event.meta.subject,
                correlation_id=event.meta.correlation_id,
                causation_id=event.meta.causation_id,
            )
            async with self._lock:
                if self.dead_letters.is_parked(self.group, event.meta.subject):
                    await self._dead_letter(record, event, None, attempts=0, reason="parked")
                    return
            await self._apply_with_retries(record, event)
        finally:
            structlog.contextvars.unbind_contextvars(
                "topic",
                "partition",
                "offset",
                "group",
                "event_id",
                "event_type",
                "subject",
                "correlation_id",
                "causation_id",
            )

    async def _apply_with_retries(self, record: Any, event: ReceivedEvent) -> None:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                await self.handler(event)
            except TRANSIENT:
                log.warning("store or broker unavailable; record will be redelivered", exc_info=True)
                await asyncio.sleep(self.policy.transient_retry_seconds)
                raise
            except Exception as exc:
                if attempt >= self.policy.max_attempts:
                    log.error("event failed on every attempt; dead-lettering it", attempts=attempt, exc_info=True)
                    await self._dead_letter(record, event, exc, attempts=attempt, reason="failed")
                    return
                metrics.HANDLER_RETRIES.labels(group=self.group).inc()
                log.warning("event failed; retrying", attempt=attempt, error=str(exc))
                await asyncio.sleep(self.policy.delay(attempt))
                continue
            metrics.HANDLER_LATENCY.labels(group=self.group).observe(time.perf_counter() - started)
            metrics.EVENTS_HANDLED.labels(group=self.group, type=event.meta.type, outcome="applied").inc()
            return

    async def _dead_letter(
        self, record: Any, event: ReceivedEvent | None, exc: BaseException | None, *, attempts: int, reason: str
    ) -> None:
        try:
            await self._store_and_publish_dead_letter(record, event, exc, attempts=attempts, reason=reason)
        except Exception:
            # Not committed: Kafka redelivers the record and we try again after the pause.
            log.exception("could not dead-letter the record; it will be redelivered")
            await asyncio.sleep(self.policy.transient_retry_seconds)
            raise

    async def _store_and_publish_dead_letter(
        self, record: Any, event: ReceivedEvent | None, exc: BaseException | None, *, attempts: int, reason: str
    ) -> None:
        subject = event.meta.subject if event else None
        behind = None
        if reason == "parked" and subject is not None:
            letters = await self.dead_letters.open_for(self.group, subject)
            here = (record.topic, record.partition, record.offset)
            mine = next((d for d in letters if (d["topic"], d["partition"], d["offset"]) == here), None)
            if mine is not None:
                # Redelivered after a crash between storing its dead letter and committing: keep what was stored.
                reason, exc, attempts = mine["status"], _Stored(mine["error_type"], mine["error"]), mine["attempts"]
                behind = mine.get("parked_behind")
            else:
                behind = letters[0]["event_id"] if letters else None
        letter = DeadLetter(
            group=self.group,
            subject=subject,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value or b"",
            headers=list(record.headers or ()),
            status="parked" if reason == "parked" else "failed",
            error_type=(exc.name if isinstance(exc, _Stored) else type(exc).__name__) if exc else "Parked",
            error=str(exc) if exc else f"parked behind an earlier failed event of {subject}",
            attempts=attempts,
            event_id=event.meta.id if event else None,
            event_type=event.meta.type if event else None,
            parked_behind=behind,
        )
        # Stored first, published second: a crash in between republishes (same ids), never loses.
        await self.dead_letters.record(letter)
        headers = dict(_text_headers(letter.headers))
        headers.update(
            {
                "dlq_reason": reason,
                "dlq_error_type": letter.error_type,
                "dlq_error_message": letter.error[:2000],
                "dlq_attempts": str(attempts),
                "dlq_consumer_group": self.group,
                "dlq_original_topic": record.topic,
                "dlq_original_partition": str(record.partition),
                "dlq_original_offset": str(record.offset),
            }
        )
        if behind:
            headers["dlq_parked_behind"] = behind
        await self.publisher.send_all([(self.dead_letter_topic, record.key or b"", letter.value, headers)])
        metrics.DEAD_LETTERS.labels(group=self.group, reason=reason).inc()
        metrics.EVENTS_HANDLED.labels(group=self.group, type=letter.event_type or "", outcome=reason).inc()

    async def replay(self, subject: str) -> ReplayReport:
        """Apply an aggregate's dead-lettered events again, in order; stop at the first that still fails."""
        async with self._lock:
            letters = await self.dead_letters.open_for(self.group, subject)
            done = 0
            for letter in letters:
                headers = self.dead_letters.headers_of(letter)
                try:
                    event = parse_event(
                        headers=headers,
                        value=bytes(letter["value"]),
                        topic=letter["topic"],
                        partition=letter["partition"],
                        offset=letter["offset"],
                        key=letter.get("key"),
                    )
                    await self.handler(event)
                except Exception as exc:
                    await self.dead_letters.mark(letter["_id"], "failed", error=str(exc), error_type=type(exc).__name__)
                    return ReplayReport(subject, done, len(letters) - done, str(exc))
                await self.dead_letters.mark(letter["_id"], "replayed")
                done += 1
            self.dead_letters.release(self.group, subject)
            return ReplayReport(subject, done, 0)


async def _tolerant_batch_parser(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream decodes every header as UTF-8 before our code runs; a null or undecodable value would fail the
    batch outside any handler (neither acked nor dead-lettered). Parse sanitized copies, keep the originals."""
    batch = tuple(records) if isinstance(records, tuple | list) else (records,)
    safe = tuple(_sanitized(record) for record in batch)
    parsed = await original(safe if isinstance(records, tuple | list) else safe[0])
    parsed.raw_message = records
    return parsed


def _sanitized(record: Any) -> Any:
    headers = list(record.headers or ())
    safe = [(name, _utf8_or_empty(value)) for name, value in headers]
    if safe == headers:
        return record
    copy = dataclasses.replace(record, headers=safe)
    if hasattr(record, "consumer"):
        copy.consumer = record.consumer
    return copy


def _last_per_partition(records: Sequence[Any]) -> list[Any]:
    last: dict[tuple[str, int], Any] = {}
    for record in records:
        last[record.topic, record.partition] = record
    return list(last.values())


def _utf8_or_empty(value: bytes | None) -> bytes:
    if value is None:
        return b""
    try:
        value.decode()
    except UnicodeDecodeError:
        return b""
    return value


async def _raw_bodies(message: Any) -> Any:
    """No JSON decoding in FastStream: a bad body must reach ``parse_event`` and be dead-lettered, not looped."""
    return message.body


class _Stored(Exception):
    """An error recorded earlier, carried again when its record is redelivered."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _text_headers(headers: Sequence[tuple[str, bytes | None]]) -> list[tuple[str, str]]:
    return [(name, value.decode(errors="replace")) for name, value in headers if value is not None]
