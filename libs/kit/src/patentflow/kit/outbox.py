"""The outbox relay: publishes the events that aggregates recorded, in order, then marks them published.

A crash between a write and its publication only delays the events: the next pass (of this or a restarted
process) finds ``outbox_pending`` and publishes from ``published_sequence`` on. A crash after publishing but
before marking publishes again; consumers drop the duplicate by its sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from typing import Protocol

import structlog
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


class BrokerPublisher:
    """A :class:`Publisher` over a FastStream Kafka broker; sends are pipelined, then awaited together."""

    def __init__(self, broker: object) -> None:
        self._broker = broker

    async def send_all(self, records: Sequence[tuple[str, bytes, bytes, dict[str, str]]]) -> None:
        """Pipeline every send, then wait for all acknowledgements."""
        # FastStream adds a correlation_id header of its own; give it ours so both say the same.
        futures = [
            await self._broker.publish(value, topic, key=key, headers=headers, no_confirm=True,  # type: ignore[attr-defined]
                                       correlation_id=headers.get(H_CORRELATION) or headers.get(H_ID))
            for topic, key, value, headers in records
        ]  # fmt: skip
        await asyncio.gather(*futures)


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
    value = json.dumps(entry["data"], ensure_ascii=False, separators=(",", ":")).encode()
    return entry["topic"], entry["subject"].encode(), value, meta.headers()


class OutboxRelay:
    """Relays the outboxes of some collections; wakes at once after a write, and polls to recover after a crash."""

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Document]],
        publisher: Publisher,
        *,
        source: str,
        poll_seconds: float = 0.5,
        batch: int = 500,
        writes: GuardedWrites | None = None,
    ) -> None:
        self._collections = collections
        self._publisher = publisher
        self._source = source
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._writes = writes or GuardedWrites()

    def wake(self) -> None:
        """Called after a write, so events leave without waiting for the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled; a failed pass is logged and retried on the next one."""
        while True:
            self._wake.clear()
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                sent = 0
            if sent:
                continue  # there may be more behind the batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)

    async def relay_once(self) -> int:
        """One pass over every collection; returns the number of events published."""
        total = 0
        for collection in self._collections:
            total += await self._relay_collection(collection)
        return total

    async def backlog(self) -> int:
        """Aggregates with unpublished events (a gauge for operators)."""
        counts = [await c.count_documents({"outbox_pending": True}) for c in self._collections]
        return sum(counts)

    async def _relay_collection(self, collection: AsyncCollection[Document]) -> int:
        docs = (
            await collection.find({"outbox_pending": True}, {"outbox": 1, "version": 1, "published_sequence": 1})
            .limit(self._batch)
            .to_list()
        )
        if not docs:
            return 0
        records: list[tuple[str, bytes, bytes, dict[str, str]]] = []
        for doc in docs:
            unsent = [e for e in doc["outbox"] if e["sequence"] > doc.get("published_sequence", 0)]
            records.extend(to_record(self._source, e) for e in sorted(unsent, key=lambda e: e["sequence"]))
        if records:
            await self._publisher.send_all(records)
        marks = []
        for doc in docs:
            top = max((e["sequence"] for e in doc["outbox"]), default=doc.get("published_sequence", 0))
            # Clears the outbox only if no command appended since we read it (same version); otherwise the
            # high-water mark alone keeps what we sent from being sent again, and the next pass clears it.
            clear = {"$set": {"outbox": [], "outbox_pending": False, "published_sequence": top}}
            marks.append(GuardedUpdate(doc["_id"], {"version": doc["version"]}, clear))
            raise_mark = {"$set": {"published_sequence": top}}
            marks.append(GuardedUpdate(doc["_id"], {"published_sequence": {"$lt": top}}, raise_mark))
        await self._writes.update_many_if(collection, marks)
        metrics.EVENTS_PUBLISHED.labels(source=self._source).inc(len(records))
        return len(records)
