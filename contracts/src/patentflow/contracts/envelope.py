"""CloudEvents 1.0 in Kafka binary mode: the header names and the base of every domain event model."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from patentflow.contracts.topics import PATENTS, Topic

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "cn.patentflow."

# Binary content mode of the Kafka protocol binding: every attribute is a header prefixed with ``ce_``.
H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_TIME = "ce_time"
H_SUBJECT = "ce_subject"
H_CORRELATION = "ce_correlationid"
H_CAUSATION = "ce_causationid"
H_SEQUENCE = "ce_sequence"  # decimal string, 1-based, per aggregate and source stream
H_TRACEPARENT = "ce_traceparent"  # W3C trace context, the CloudEvents distributed-tracing extension
H_CONTENT_TYPE = "content-type"

REQUIRED_HEADERS = (H_SPECVERSION, H_ID, H_SOURCE, H_TYPE, H_TIME, H_SUBJECT, H_SEQUENCE)


def source_of(service: str) -> str:
    """The ``ce_source`` URI reference of a service."""
    return f"/patentflow/{service}"


# Every event class, by its CloudEvents type, filled as the classes are defined: there is no list to forget.
REGISTRY: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Base of every event payload: frozen, extra fields forbidden on write, documented field by field.

    A subclass names its CloudEvents type (versioned: a breaking change is a new type), its topic and the
    field that holds the aggregate id (``ce_subject`` and the Kafka key); defining it registers it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    subject_field: ClassVar[str]
    # What the integrated timeline reads, declared rather than coded in the projection. ``patents_field`` names the
    # field that holds the application number (or a tuple of them) the event is about; events of the patents topic
    # are about their subject without saying so. ``encumbrance`` is the burden the event puts on (True) or lifts
    # from (False) those patents, e.g. ("pledged", True), and ``holder_field`` the field naming who holds it (the
    # bank of a pledge, the licensee of a licence), which is what such a holder's read scope is made of.
    patents_field: ClassVar[str | None] = None
    # An event type published to one topic of a family (a province's push topic, say) names the family here, and
    # ``destination`` picks its topic; ``topic`` is then the family's first, for what needs one.
    topic_family: ClassVar[tuple[Topic, ...]] = ()
    encumbrance: ClassVar[tuple[str, bool] | None] = None
    holder_field: ClassVar[str | None] = None
    # The field holding the day the event's facts hold from, when that is not the day it was recorded (a status the
    # register back-dates, a push answered yesterday and reported today): the read side files the event under that
    # day, so a late event counts in its own period and "as of" a day.
    effective_field: ClassVar[str | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Register the new event class under its type; a type defined twice is a programming error."""
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            return  # an intermediate base, not an event
        missing = [name for name in ("topic", "subject_field") if not hasattr(cls, name)]
        if missing or not cls.event_type.startswith(TYPE_PREFIX):
            raise TypeError(f"{cls.__name__} needs a {TYPE_PREFIX}… event_type, a topic and a subject_field")
        if cls.subject_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.subject_field names no field: {cls.subject_field!r}")
        for declared in ("patents_field", "holder_field", "effective_field"):
            name = getattr(cls, declared)
            if name is not None and name not in cls.model_fields:
                raise TypeError(f"{cls.__name__}.{declared} names no field: {name!r}")
        other = REGISTRY.get(cls.event_type)
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.event_type} is defined twice: {other.__qualname__} and {cls.__qualname__}")
        REGISTRY[cls.event_type] = cls

    def patents(self) -> tuple[str, ...]:
        """The application numbers this event is about, as the timeline files it (none for most other topics)."""
        if self.patents_field is None:
            return (self.subject(),) if self.topic is PATENTS else ()
        value = getattr(self, self.patents_field)
        return tuple(str(v) for v in value) if isinstance(value, tuple | list) else (str(value),)

    def destination(self) -> Topic:
        """The topic this event is published to: its type's, unless the type publishes to a family."""
        return self.topic

    def subject(self) -> str:
        """The aggregate id this event belongs to."""
        return str(getattr(self, self.subject_field))

    def json_data(self) -> dict[str, Any]:
        """The JSON payload; computed once (the event is frozen), as state and outbox both need it. Callers must
        not change the returned dictionary."""
        return self._payload

    # A cached_property rather than a PrivateAttr: pydantic routes private attributes through __getattr__ and
    # initialises them on every construction, which a bulk import of 100 000 rows pays for twice per row.
    @cached_property
    def _payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; its payload is computed afresh (the cached one may describe the fields before ``update``)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("_payload", None)
        return copied
