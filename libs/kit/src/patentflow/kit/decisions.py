"""What a command decides and who sent it: the pure types of the write side, with no I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from patentflow.contracts.envelope import DomainEvent

Document = dict[str, Any]


def fingerprint(payload: Any) -> str:
    """A stable hash of a command's content, to tell a retry from a different request under the same key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who sent a command and how its events are traced."""

    principal: str
    command_id: str
    correlation_id: str
    traceparent: str | None = None
    idempotency_key: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A loaded aggregate."""

    id: str
    version: int
    last_sequence: int
    state: Document
    commands: tuple[Document, ...] = ()
    updated_at: datetime | None = None  # when it was last written: its next events are stamped later than that


@dataclass(frozen=True, slots=True)
class Decision:
    """What a command decided: the new state, the events it causes and the answer to give (and replay)."""

    state: Document
    events: Sequence[DomainEvent]
    response: Document


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to a command; ``replayed`` when an earlier identical command already produced it."""

    response: Document
    replayed: bool = False


Decide = Callable[[Aggregate | None], Decision | Awaitable[Decision]]
