"""Events as a consumer receives them, built in memory for tests of what consumers do with them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from patentflow.contracts.envelope import DomainEvent, source_of
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent, new_event_id


def received(
    event: DomainEvent,
    sequence: int,
    *,
    time: datetime | None = None,
    event_id: str | None = None,
    partition: int = 0,
    offset: int | None = None,
) -> ReceivedEvent:
    """``event`` as read from its topic: CloudEvents attributes, JSON data, where it was read."""
    meta = EventMeta(
        id=event_id or new_event_id(),
        source=source_of(event.topic.owner.value),
        type=event.event_type,
        subject=event.subject(),
        sequence=sequence,
        time=time or datetime.now(UTC),
    )
    raw = event.model_dump_json().encode()
    data = json.loads(raw)  # the data and the bytes it is read from agree, as for a record from Kafka
    return ReceivedEvent(
        meta, data, event.topic.name, partition, sequence if offset is None else offset, event.subject().encode(), raw
    )
