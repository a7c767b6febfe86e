"""The outbox relay: publishes the events that aggregates recorded, in order, then marks them published.

A crash between a write and its publication only delays the events: the next pass (of this or a restarted
process) finds ``outbox_pending`` and publishes from ``published_sequence`` on. A crash after publishing but
before marking publishes again; consumers drop the duplicate by its sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Sequence
from typing import Any, Protocol

import pydantic_core
import structlog
from aiokafka.errors import MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.contracts.envelope import H_CORRELATION, H_ID
from patentflow.kit import metrics
from patentflow.kit.cloudevents import EventMeta
from patentflow.kit.guarded import GuardedUpdate, GuardedWrites
from patentflow.kit.mongo import Document

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Sends records to Kafka and returns once every one is acknowledged by all in-sync replicas."""

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        """Send (topic, key, value, headers) records; return when all are acknowledged."""

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        """Send records; the error of each one that failed, None for each acknowledged."""


class _Pipelined:
    """``send_all`` on top of a ``send_each`` that pipelines every send and reports each outcome."""

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        """Pipeline every send and report each one's outcome."""
        futures: list[Any] = []
        for record in records:
            try:
                sent = await self._send(*record)
                # A confirmation to wait for, or (FastStream's in-memory test broker) the delivery already done.
                futures.append(sent if inspect.isawaitable(sent) else _done())
            except Exception as exc:  # refused before sending, e.g. a record over the size limit
                futures.append(_failed(exc))
        results = await asyncio.gather(*futures, return_exceptions=True)
        return [r if isinstance(r, Exception) else None for r in results]

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        """Pipeline every send, then wait for all acknowledgements; raise the first failure."""
        for error in await self.send_each(records):
            if error is not None:
                raise error

    async def _send(self, topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> Any:
        raise NotImplementedError


class BrokerPublisher(_Pipelined):
    """A :class:`Publisher` over a FastStream Kafka broker."""

    def __init__(self, broker: object) -> None:
        self._broker = broker

    async def _send(self, topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> Any:
        # FastStream adds a correlation_id header of its own; give it ours so both say the same.
        return await self._broker.publish(  # type: ignore[attr-defined]
            value,
            topic,
            key=key,
            headers=headers,
            no_confirm=True,
            correlation_id=headers.get(H_CORRELATION) or headers.get(H_ID),
        )


async def _failed(exc: Exception) -> None:
    raise exc


async def _done() -> None:
    return None


# aiokafka's default max_request_size, just under the broker's default message.max.bytes (1 048 588).
MAX_RECORD_BYTES = 1_048_576


class ProducerPublisher(_Pipelined):
    """A :class:`Publisher` over a plain aiokafka producer (``kit.kafka.make_producer``), for bulk paths.

    ``send_each`` fills record batches itself, partition by partition, rather than sending record by record:
    aiokafka's per-record ``send`` (a future, a partitioner call and an accumulator lookup each) cost as much as
    building the records. Keys go to the partitions ``send`` would choose (Kafka's murmur2 of the key), and
    batches of one partition are queued in record order, so per-aggregate order is the same.
    """

    def __init__(self, producer: Any, *, max_record_bytes: int = MAX_RECORD_BYTES) -> None:
        self._producer = producer
        self._partitioner = DefaultPartitioner()
        self._max_record_bytes = max_record_bytes

    async def send_each(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> list[Exception | None]:
        """Queue every record in batches per partition, then report each record's outcome."""
        by_partition: dict[tuple[str, int], list[int]] = {}
        partitions: dict[str, list[int]] = {}
        chosen: dict[tuple[str, bytes], int] = {}  # an aggregate's events share a key: hash it once
        for index, (topic, key, _, _) in enumerate(records):
            if topic not in partitions:
                partitions[topic] = sorted(await self._producer.partitions_for(topic))
            if (topic, key) not in chosen:
                chosen[topic, key] = self._partitioner(key, partitions[topic], None)
            by_partition.setdefault((topic, chosen[topic, key]), []).append(index)
        outcomes: list[Exception | None] = [None] * len(records)
        queued: list[tuple[Any, list[int]]] = []
        refused: dict[bytes, Exception] = {}  # keys with a refused event: their later events are held back too
        for (topic, partition), indices in by_partition.items():
            batch, members = self._producer.create_batch(), list[int]()
            for position, index in enumerate(indices):
                _, key, value, headers = records[index]
                if key in refused:  # sending it would put a gap in the aggregate's sequence
                    outcomes[index] = refused[key]
                    continue
                encoded = [(name, text.encode()) for name, text in headers.items()]
                size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, encoded)
                if size > self._max_record_bytes:
                    # Refused here, as ``send`` refuses it: a batch the broker rejects would also fail every
                    # later batch of its partition (the idempotent producer's sequence numbers break).
                    refused[key] = outcomes[index] = MessageSizeTooLargeError(
                        f"the record is {size} bytes, over the limit of {self._max_record_bytes}"
                    )
                    continue
                if members and batch.append(timestamp=None, key=key, value=value, headers=encoded) is not None:
                    members.append(index)
                    continue
                if members:  # the batch is full: queue it and start the next with this record
                    future, error = await self._queue(batch, topic, partition)
                    queued.append((future, members))
                    if error is not None:  # the partition takes nothing now: fail the rest of it unsent
                        for rest in indices[position:]:
                            outcomes[rest] = error
                        members = []
                        break
                    batch, members = self._producer.create_batch(), []
                # The first record of a batch always fits.
                batch.append(timestamp=None, key=key, value=value, headers=encoded)
                members.append(index)
            if members:
                queued.append(((await self._queue(batch, topic, partition))[0], members))
        for future, members in queued:
            try:
                await future
            except Exception as exc:
                for index in members:
                    outcomes[index] = exc
        return outcomes

    async def _queue(self, batch: Any, topic: str, partition: int) -> tuple[Any, Exception | None]:
        """The batch's delivery future, and the error if it could not even be queued."""
        batch.close()  # an open batch would also take records of ``producer.send`` for this partition
        try:
            return await self._producer.send_batch(batch, topic, partition=partition), None
        except Exception as exc:  # refused before sending (closed producer, unknown partition, queue timeout)
            return asyncio.ensure_future(_failed(exc)), exc


def to_record(source: str, entry: Document) -> tuple[str, bytes, bytes, dict[str, str]]:
    """An outbox entry as (topic, key, value, CloudEvents headers)."""
    meta = EventMeta(
        id=entry["id"],
        source=source,
        type=entry["type"],
        subject=entry["subject"],
        sequence=entry["sequence"],
        time=entry["time"],
        correlation_id=entry.get("correlation_id"),
        causation_id=entry.get("causation_id"),
        traceparent=entry.get("traceparent"),
    )
    data = entry["data"]  # JSON text; a document in entries an earlier version wrote
    value = data.encode() if isinstance(data, str) else pydantic_core.to_json(data)
    return entry["topic"], entry["subject"].encode(), value, meta.headers()


class OutboxRelay:
    """Relays the outboxes of some collections; wakes at once after a write, and polls to recover after a crash.

    Where the store indexes ``outbox_pending`` (MongoDB), each pass asks it for pending aggregates. FerretDB 1.x
    answers any query but ``{_id}`` by decoding every document (37 s at 100 000 imported patents), so there the
    relay works from the ids its own process wrote (``wake(collection, id)``), fetched by ``_id``, and looks through
    the whole collection only at start-up and every ``sweep_seconds``, for the ids of events another process or a
    crash left (``_sweep_ids``).
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Document]],
        publisher: Publisher,
        *,
        source: str,
        poll_seconds: float = 0.5,
        batch: int = 500,
        writes: GuardedWrites | None = None,
        sweep_seconds: float = 3600.0,
    ) -> None:
        self._collections = collections
        self._publisher = publisher
        self._source = source
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._writes = writes or GuardedWrites()
        self._sweep_seconds = sweep_seconds
        self._hints: dict[str, set[str]] = {c.name: set() for c in collections}
        self._next_sweep = 0.0  # the first pass looks through everything

    def wake(self, collection: str | None = None, aggregate_id: str | None = None) -> None:
        """Called after a write, so events leave without waiting for the next poll."""
        if collection in self._hints and aggregate_id is not None and not self._queries_are_indexed:
            self._hints[collection].add(aggregate_id)
        self._wake.set()

    @property
    def _queries_are_indexed(self) -> bool:
        return self._writes.compound

    async def run(self) -> None:
        """Relay until cancelled; a failed pass is logged and retried on the next one.

        Writes in this process wake the relay at once; the poll only recovers events left by a crash or written by
        another process, so it slows down (to ten times the interval) while nothing is pending.
        """
        sweeper = None if self._queries_are_indexed else asyncio.create_task(self._sweeping())
        try:
            await self._relaying()
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper

    async def _sweeping(self) -> None:
        # Beside the relay, never in its way: at 1 000 000 documents on FerretDB a sweep reads for minutes, and a
        # relay that swept in line published nothing meanwhile (its backlog grew by thousands during a review pass).
        while True:
            try:
                await self._sweep_ids()
                self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sweep failed; retrying at the next one")
            await asyncio.sleep(self._sweep_seconds)

    async def _relaying(self) -> None:
        idle = 0
        while True:
            self._wake.clear()
            try:
                sent = await self.relay_once(sweep=False)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                sent = 0
            if sent:
                idle = 0
                continue  # there may be more behind the batch
            idle = min(idle + 1, 10)
            # asyncio.timeout, not wait_for: Python 3.11's wait_for returns the wait's result when a cancel arrives
            # just as a write woke the relay, so the cancel was lost and the service never finished stopping.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll * idle):
                    await self._wake.wait()

    async def relay_once(self, *, sweep: bool = True) -> int:
        """One pass over every collection; returns the number of events published. Where only ``_id`` lookups are
        fast, a pass called on its own first sweeps when one is due; ``run`` sweeps beside its passes instead."""
        if sweep and not self._queries_are_indexed and time.monotonic() >= self._next_sweep:
            await self._sweep_ids()
        total = 0
        for collection in self._collections:
            total += await self._relay_collection(collection, sweep=self._queries_are_indexed)
        return total

    async def _sweep_ids(self) -> None:
        """Where only ``_id`` lookups are fast: one look through each collection for the ids of every pending
        aggregate, relayed by id from then on. One scan per sweep however many are pending: a sweep that relayed what
        it found 500 at a time scanned the whole collection again for every 500 (at 1 000 000 patents, a minute each).
        """
        started = time.monotonic()
        for collection in self._collections:
            pending = await collection.find({"outbox_pending": True}, {"_id": 1}).to_list()
            self._hints[collection.name].update(doc["_id"] for doc in pending)
        self._next_sweep = started + self._sweep_seconds

    async def backlog(self) -> int:
        """Aggregates with unpublished events (a gauge for operators); on FerretDB, those this process knows of."""
        if not self._queries_are_indexed:
            return sum(len(ids) for ids in self._hints.values())
        counts = [await c.count_documents({"outbox_pending": True}) for c in self._collections]
        return sum(counts)

    async def _relay_collection(self, collection: AsyncCollection[Document], *, sweep: bool) -> int:
        fields = {"outbox": 1, "version": 1, "published_sequence": 1, "bulk": 1}
        hinted = self._hints[collection.name]
        ids: list[str] = []
        try:
            if sweep:  # the store indexes outbox_pending: ask it
                docs = await collection.find({"outbox_pending": True}, fields).limit(self._batch).to_list()
            else:
                ids = [hinted.pop() for _ in range(min(len(hinted), self._batch))]
                found = [await collection.find_one({"_id": i}, {**fields, "outbox_pending": 1}) for i in ids]
                docs = [d for d in found if d is not None and d.get("outbox_pending")]
            if not docs:
                return 0
            published, failed = await self._relay_docs(collection, docs)
        except BaseException:
            hinted.update(ids)  # nothing of this pass is lost: the next one tries these again
            raise
        # Failed ones are tried again on the next pass. (Ids written meanwhile were added by ``wake`` and stay.)
        hinted.update(i for i in failed if not self._queries_are_indexed)
        return published

    async def _relay_docs(self, collection: AsyncCollection[Document], docs: list[Document]) -> tuple[int, set[str]]:
        """Publish the unsent events of these aggregates in sequence and mark them; (published, failed ids)."""
        records: list[tuple[str, tuple[str, bytes, bytes, dict[str, str]]]] = []
        chunks: dict[str, bool] = {}
        for doc in docs:
            floor = await self._published_through(collection, doc, chunks)
            unsent = [e for e in doc["outbox"] if e["sequence"] > floor]
            records.extend(
                (doc["_id"], to_record(self._source, e)) for e in sorted(unsent, key=lambda e: e["sequence"])
            )
        outcomes = await self._publisher.send_each([r for _, r in records]) if records else []
        failed = {doc_id for (doc_id, _), error in zip(records, outcomes, strict=True) if error is not None}
        for doc_id, error in zip((d for d, _ in records), outcomes, strict=True):
            if error is not None:
                # Not marked: retried next pass; other aggregates go on. The backlog metric shows it stuck.
                log.error("event not published", aggregate=doc_id, error=f"{type(error).__name__}: {error}")
        marks = []
        for doc in docs:
            if doc["_id"] in failed:
                continue
            top = max((e["sequence"] for e in doc["outbox"]), default=doc.get("published_sequence", 0))
            # Clears the outbox only if no command appended since we read it (same version); otherwise the
            # high-water mark alone keeps what we sent from being sent again, and the next pass clears it.
            clear = {"$set": {"outbox": [], "outbox_pending": False, "published_sequence": top}}
            marks.append(GuardedUpdate(doc["_id"], {"version": doc["version"]}, clear))
            raise_mark = {"$set": {"published_sequence": top}}
            marks.append(GuardedUpdate(doc["_id"], {"published_sequence": {"$lt": top}}, raise_mark))
        await self._writes.update_many_if(collection, marks)
        published = sum(e is None for e in outcomes)
        metrics.EVENTS_PUBLISHED.labels(source=self._source).inc(published)
        return published, failed

    @staticmethod
    async def _published_through(collection: AsyncCollection[Document], doc: Document, chunks: dict[str, bool]) -> int:
        """The sequence up to which the aggregate's events are on Kafka.

        A bulk writer publishes the first events of the aggregates it creates and records that once per chunk
        (``kit.bulk``), not in each document. If a later write reaches the relay before that chunk is published
        (the bulk publish failed and is not recovered yet), the relay sends those first events too, in order:
        consumers drop a repeat by its sequence, and nothing is lost.
        """
        floor: int = doc.get("published_sequence", 0)
        bulk = doc.get("bulk")
        if bulk is None or floor >= bulk["through"]:
            return floor
        if bulk["chunk"] not in chunks:
            chunk = await collection.database[bulk["collection"]].find_one({"_id": bulk["chunk"]}, {"published": 1})
            chunks[bulk["chunk"]] = bool(chunk and chunk.get("published"))
        return int(bulk["through"]) if chunks[bulk["chunk"]] else floor
