"""What a consumer does with each event type of the topics it reads: a table of typed mappings; no I/O.

A mapping turns one event into the change it makes to the consumer's document of that aggregate (a MongoDB update,
``{}`` for none). Every event type published to a subscribed topic is either mapped or listed as ignored;
``unlisted()`` names the ones that are neither, and a test fails on them, so a new event type cannot be forgotten.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import EVENT_TYPES
from patentflow.contracts.schema import Receive
from patentflow.contracts.topics import Topic
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.decisions import Document

Mapping = Callable[[Any, EventMeta], Document]
M = TypeVar("M", bound=Mapping)


class UnlistedEvent(LookupError):
    """An event type of a subscribed topic that the table neither maps nor ignores."""


@dataclass
class EventMap:
    """The table of one consumer: its name (group ``patentflow.<service>.<name>``), topics, mappings, ignored."""

    name: str
    topics: tuple[Topic, ...]
    description: str = ""
    mappings: dict[type[DomainEvent], Mapping] = field(default_factory=dict)
    ignored: frozenset[type[DomainEvent]] = frozenset()

    def on(self, *kinds: type[DomainEvent]) -> Callable[[M], M]:
        """Register the decorated function as the mapping of these event types (its first parameter takes them)."""

        def register(mapping: M) -> M:
            for kind in kinds:
                if kind in self.mappings or kind in self.ignored:
                    raise ValueError(f"{self.name}: {kind.__name__} is listed twice")
                if kind.topic not in self.topics:
                    raise ValueError(f"{self.name}: {kind.__name__} is published to {kind.topic.name}, not read here")
                self.mappings[kind] = mapping
            return mapping

        return register

    def ignore(self, *kinds: type[DomainEvent]) -> None:
        """Event types of the subscribed topics this consumer has no use for (they only advance its sequence)."""
        twice = [k.__name__ for k in kinds if k in self.mappings or k in self.ignored]
        if twice:
            raise ValueError(f"{self.name}: listed twice: {', '.join(twice)}")
        self.ignored = self.ignored | frozenset(kinds)

    @property
    def topic_names(self) -> list[str]:
        """The Kafka topics to subscribe to."""
        return [t.name for t in self.topics]

    def published(self) -> list[type[DomainEvent]]:
        """Every registered event type published to the subscribed topics."""
        return [kind for kind in EVENT_TYPES.values() if kind.topic in self.topics]

    def unlisted(self) -> list[type[DomainEvent]]:
        """Event types of the subscribed topics that are neither mapped nor ignored (should be none)."""
        return [kind for kind in self.published() if kind not in self.mappings and kind not in self.ignored]

    def update_for(self, event: ReceivedEvent) -> Document:
        """The change ``event`` makes; raises :class:`UnlistedEvent` for a registered type the table forgot.

        A type this platform version does not know at all (a newer producer) changes nothing but the sequence.
        The payload is read tolerantly: fields a newer producer added are dropped before validation.
        """
        kind = EVENT_TYPES.get(event.meta.type)
        if kind is None or kind in self.ignored:
            return {}
        mapping = self.mappings.get(kind)
        if mapping is None:
            raise UnlistedEvent(f"{self.name} neither maps nor ignores {kind.__name__}")
        data, fields = event.data, _fields_of(kind)
        known = data if data.keys() <= fields else {k: v for k, v in data.items() if k in fields}
        return mapping(kind.model_validate(known), event.meta)


@functools.cache
def _fields_of(kind: type[DomainEvent]) -> frozenset[str]:
    # Asked once per event by every consumer: pydantic's ``model_fields`` on the class is a deprecation shim that
    # took a tenth of the projection's time under load.
    return frozenset(kind.__pydantic_fields__)


def check(maps: Iterable[EventMap]) -> dict[str, list[str]]:
    """For each table with gaps, the names of the event types it forgets."""
    return {m.name: [k.__name__ for k in m.unlisted()] for m in maps if m.unlisted()}


def receives_of(service: str, maps: Sequence[EventMap]) -> list[Receive]:
    """The AsyncAPI receive operations of a service's tables: per table and topic, the events it maps."""
    return [
        Receive(service, m.name, topic, tuple(k for k in m.mappings if k.topic is topic), m.description)
        for m in maps
        for topic in m.topics
    ]
