"""Dead letters of one consumer group: the events that failed, and those parked behind them, kept for replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from patentflow.kit.mongo import Document

Status = Literal["failed", "parked", "replayed"]
OPEN: tuple[Status, ...] = ("failed", "parked")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record that a consumer could not apply, with where it came from and why."""

    group: str
    subject: str | None
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    status: Status
    error_type: str
    error: str
    attempts: int
    event_id: str | None = None
    event_type: str | None = None
    parked_behind: str | None = None

    @property
    def id(self) -> str:
        """Unique per record and group, so recording it again after a crash changes nothing."""
        return f"{self.group}:{self.topic}:{self.partition}:{self.offset}"


class DeadLetterStore:
    """Dead letters in the consuming service's own database, plus the set of parked aggregates."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._parked: dict[str, set[str]] = {}
        # Bumped by every change of a group's parked set, so a refresh that read the store before the change
        # does not overwrite it with what it read.
        self._generation: dict[str, int] = {}

    async def ensure_indexes(self) -> None:
        """Lookups by group, aggregate and status."""
        await self._collection.create_index([("group", ASCENDING), ("subject", ASCENDING), ("status", ASCENDING)])

    async def load(self, group: str) -> None:
        """Refresh which aggregates of a group are parked (after start, and now and then for rebalances)."""
        generation = self._generation.get(group, 0)
        docs = await self._collection.find(
            {"group": group, "status": {"$in": list(OPEN)}, "subject": {"$ne": None}}, {"subject": 1}
        ).to_list()
        if self._generation.get(group, 0) == generation:
            self._parked[group] = {d["subject"] for d in docs}

    def is_parked(self, group: str, subject: str) -> bool:
        """Whether events of this aggregate must wait behind a failed one."""
        return subject in self._parked.get(group, set())

    async def record(self, letter: DeadLetter) -> None:
        """Store a dead letter; storing the same record twice keeps one."""
        doc: Document = {
            "group": letter.group,
            "subject": letter.subject,
            "topic": letter.topic,
            "partition": letter.partition,
            "offset": letter.offset,
            "key": letter.key,
            "value": letter.value,
            # Sub-documents, not pairs: FerretDB 1.x stores no arrays nested in arrays.
            "headers": [{"name": name, "value": value} for name, value in letter.headers],
            "status": letter.status,
            "error_type": letter.error_type,
            "error": letter.error,
            "attempts": letter.attempts,
            "event_id": letter.event_id,
            "event_type": letter.event_type,
            "parked_behind": letter.parked_behind,
            "at": datetime.now(UTC),
        }
        existing = await self._collection.find_one({"_id": letter.id}, {"status": 1})
        if existing is None:
            await self._collection.update_one({"_id": letter.id}, {"$setOnInsert": doc}, upsert=True)
        elif existing["status"] == "replayed":
            # Read again (a rebuild, a reset offset) and failed again: open once more, with the new error.
            await self._collection.update_one({"_id": letter.id}, {"$set": doc})
        if letter.subject is not None:
            self._parked.setdefault(letter.group, set()).add(letter.subject)
            self._generation[letter.group] = self._generation.get(letter.group, 0) + 1

    @staticmethod
    def headers_of(doc: Document) -> list[tuple[str, bytes]]:
        """The original Kafka headers of a stored dead letter."""
        return [(h["name"], bytes(h["value"])) for h in doc["headers"] if h.get("value") is not None]

    async def open_for(self, group: str, subject: str) -> list[Document]:
        """The failed and parked records of one aggregate, in the order they were read."""
        docs = await self._collection.find(
            {"group": group, "subject": subject, "status": {"$in": list(OPEN)}}
        ).to_list()
        return sorted(docs, key=lambda d: (d["partition"], d["offset"]))

    async def mark(self, letter_id: str, status: Status, **fields: Any) -> None:
        """Change a record's status (replayed, or still failed with a new error)."""
        await self._collection.update_one({"_id": letter_id}, {"$set": {"status": status, **fields}})

    def release(self, group: str, subject: str) -> None:
        """The aggregate has nothing open any more: its events flow again."""
        self._parked.get(group, set()).discard(subject)
        self._generation[group] = self._generation.get(group, 0) + 1

    async def list(self, group: str | None = None, status: str | None = None, limit: int = 100) -> list[Document]:
        """Dead letters for operators, newest first, without the raw bytes."""
        query: Document = {}
        if group:
            query["group"] = group
        if status:
            query["status"] = status
        cursor = self._collection.find(query, {"value": 0, "headers": 0, "key": 0}).sort("at", -1).limit(limit)
        return await cursor.to_list()
