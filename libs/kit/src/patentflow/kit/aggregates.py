"""The aggregate store: state, the events it causes (outbox) and the idempotency record, written in one document.

One document per aggregate keeps every write atomic on any MongoDB-compatible store, including those without
multi-document transactions. Layout::

    {_id, version, last_sequence, state: {...},
     outbox: [entry, ...], outbox_pending: bool, published_sequence: int,
     commands: [{key, principal, fingerprint, response}, ...],   # the newest KEEP_COMMANDS keys
     bulk: {collection, chunk, through}}                         # only if created by a bulk writer (kit.bulk)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pydantic_core
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.reasons import ReasonCode
from patentflow.kit.cloudevents import new_event_id
from patentflow.kit.decisions import Aggregate, CommandContext, Decide, Decision, Document, Outcome
from patentflow.kit.errors import RuleViolation
from patentflow.kit.guarded import GuardedWrites

KEEP_COMMANDS = 100
MAX_CONFLICT_RETRIES = 5


def utcnow() -> datetime:
    """Now, in UTC; injectable where tests need a clock."""
    return datetime.now(UTC)


@dataclass
class AggregateStore:
    """Loads and saves aggregates of one collection, with their outbox and idempotency records."""

    collection: AsyncCollection[Document]
    source: str
    on_write: Callable[[str, str], None] = field(default=lambda collection, aggregate_id: None)  # after a write
    clock: Callable[[], datetime] = utcnow
    writes: GuardedWrites = field(default_factory=GuardedWrites)

    async def ensure_indexes(self) -> None:
        """The relay finds pending aggregates through this index."""
        await self.collection.create_index([("outbox_pending", ASCENDING)])

    async def get(self, aggregate_id: str) -> Aggregate | None:
        """The aggregate, or None."""
        doc = await self.collection.find_one({"_id": aggregate_id}, {"outbox": 0})
        if doc is None:
            return None
        commands = tuple(doc.get("commands", ()))
        return Aggregate(
            doc["_id"], doc["version"], doc["last_sequence"], doc["state"], commands, doc.get("updated_at")
        )

    async def ids(self, query: Document) -> list[str]:
        """Ids of the aggregates matching a query, for sweeps."""
        return [d["_id"] for d in await self.collection.find(query, {"_id": 1}).to_list()]

    def new_document(
        self, aggregate_id: str, decision: Decision, ctx: CommandContext, *, bulk: Document | None = None
    ) -> Document:
        """The document a new aggregate is stored as.

        ``bulk`` (``{"collection", "chunk"}``) when a bulk writer publishes the events itself and records it in that
        chunk document: the relay leaves them alone, unless a later write comes first (see ``OutboxRelay``).
        """
        entries = [self._entry(e, i, ctx) for i, e in enumerate(decision.events, start=1)]
        doc = {
            "_id": aggregate_id,
            "version": 1,
            "state": decision.state,
            "last_sequence": len(entries),
            "commands": [],
            "updated_at": self.clock(),
            "outbox": entries,
            "outbox_pending": bool(entries) and bulk is None,
            "published_sequence": 0,
        }
        if bulk is not None:
            doc["bulk"] = {**bulk, "through": len(entries)}
        return doc

    async def execute(self, aggregate_id: str, ctx: CommandContext, decide: Decide) -> Outcome:
        """Run a command against one aggregate: replay a known Idempotency-Key, else decide and save atomically.

        Concurrent writers are detected by the version and the command is decided again on fresh state.
        """
        for _ in range(MAX_CONFLICT_RETRIES):
            current = await self.get(aggregate_id)
            if current is not None and (replay := self._replay(current, ctx)) is not None:
                return Outcome(replay, replayed=True)
            decision = decide(current)
            if isinstance(decision, Awaitable):
                decision = await decision
            if current is not None and not decision.events and decision.state == current.state:
                return Outcome(decision.response)  # nothing changed: nothing to store or publish
            if await self._write(aggregate_id, current, decision, ctx):
                self.on_write(self.collection.name, aggregate_id)
                return Outcome(decision.response)
        raise RuleViolation(ReasonCode.CONCURRENT_MODIFICATION)

    @staticmethod
    def _replay(current: Aggregate, ctx: CommandContext) -> Document | None:
        if ctx.idempotency_key is None:
            return None
        for record in current.commands:
            if record["key"] == ctx.idempotency_key and record["principal"] == ctx.principal:
                if record["fingerprint"] != ctx.fingerprint:
                    raise RuleViolation(ReasonCode.IDEMPOTENCY_KEY_REUSED)
                response: Document = record["response"]
                return response
        return None

    async def _write(
        self, aggregate_id: str, current: Aggregate | None, decision: Decision, ctx: CommandContext
    ) -> bool:
        last_sequence = current.last_sequence if current else 0
        now = self._after(current)
        entries = [self._entry(e, last_sequence + i, ctx, now) for i, e in enumerate(decision.events, start=1)]
        commands = list(current.commands) if current else []
        if ctx.idempotency_key is not None:
            record = {
                "key": ctx.idempotency_key,
                "principal": ctx.principal,
                "fingerprint": ctx.fingerprint,
                "response": decision.response,
                "at": self.clock(),
            }
            commands = [*commands, record][-KEEP_COMMANDS:]
        fields = {
            "state": decision.state,
            "last_sequence": last_sequence + len(entries),
            "commands": commands,
            "updated_at": now,
        }
        if current is None:
            doc = {
                "_id": aggregate_id,
                "version": 1,
                **fields,
                "outbox": entries,
                "outbox_pending": bool(entries),
                "published_sequence": 0,
            }
            try:
                await self.collection.insert_one(doc)
            except DuplicateKeyError:
                return False  # created concurrently: decide again against it
            return True
        update: Document = {"$set": {**fields, "version": current.version + 1}}
        if entries:
            update["$set"]["outbox_pending"] = True
            update["$push"] = {"outbox": {"$each": entries}}
        return await self.writes.update_if(self.collection, aggregate_id, {"version": current.version}, update)

    def _after(self, current: Aggregate | None) -> datetime:
        """Now, or a millisecond after the aggregate's last write if the clock says otherwise (another instance's
        clock behind this one's, a clock set back): an aggregate's events never go back in time, which is the order
        the read side folds facts in."""
        now = self.clock()
        last = current.updated_at if current is not None else None
        if last is None:
            return now
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return now if now > last else last + timedelta(milliseconds=1)

    def _entry(self, event: DomainEvent, sequence: int, ctx: CommandContext, time: datetime | None = None) -> Document:
        return {
            "id": new_event_id(),
            "topic": event.destination().name,
            "type": event.event_type,
            "subject": event.subject(),
            "sequence": sequence,
            "time": time or self.clock(),
            "correlation_id": ctx.correlation_id,
            "causation_id": ctx.command_id,
            "traceparent": ctx.traceparent,
            # JSON text, not a nested document: a payload's own keys (an indicator "legal.stability") are no
            # field names FerretDB accepts, and the relay sends the text as it is.
            "data": pydantic_core.to_json(event.json_data()).decode(),
        }
