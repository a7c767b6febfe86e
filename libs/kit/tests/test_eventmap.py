"""Event tables: typed mappings, ignored types, forgotten types found, tolerant reading."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from patentflow.contracts import topics
from patentflow.contracts.envelope import DomainEvent
from patentflow.contracts.events import EVENT_TYPES, InstitutionRegistered, InventorySubmitted, PatentRecorded
from patentflow.kit.cloudevents import EventMeta, ReceivedEvent
from patentflow.kit.eventmap import EventMap, UnlistedEvent, check, receives_of

NUMBER = "201310699744.2"


def received(kind: type[DomainEvent], data: dict[str, Any], type_: str | None = None) -> ReceivedEvent:
    meta = EventMeta(
        id="e1",
        source="/patentflow/inventory",
        type=type_ or kind.event_type,
        subject=NUMBER,
        sequence=1,
        time=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return ReceivedEvent(meta, data, kind.topic.name, 0, 0, NUMBER.encode(), b"{}")


def table() -> EventMap:
    submitted = EventMap("t", (topics.PATENTS,))

    @submitted.on(InventorySubmitted)
    def on_submitted(event: InventorySubmitted, meta: EventMeta) -> dict[str, Any]:
        return {"$set": {"by": event.submitted_by, "at": meta.time}}

    return submitted


def test_a_mapping_gets_the_typed_event_and_its_attributes() -> None:
    update = table().update_for(received(InventorySubmitted, {"application_number": NUMBER, "submitted_by": "inv"}))
    assert update == {"$set": {"by": "inv", "at": datetime(2026, 1, 1, tzinfo=UTC)}}


def test_fields_a_newer_producer_added_are_read_past() -> None:
    data = {"application_number": NUMBER, "submitted_by": "inv", "added_in_v1_1": True}
    assert table().update_for(received(InventorySubmitted, data))["$set"]["by"] == "inv"


def test_a_forgotten_type_is_found_by_the_check_and_refused_at_run_time() -> None:
    forgetful = table()
    assert PatentRecorded in forgetful.unlisted()
    assert check([forgetful])["t"][0] == "PatentRecorded"
    with pytest.raises(UnlistedEvent):
        forgetful.update_for(received(PatentRecorded, {}))


def test_ignored_and_unknown_types_change_nothing_but_the_sequence() -> None:
    complete = table()
    complete.ignore(*[k for k in EVENT_TYPES.values() if k.topic is topics.PATENTS and k is not InventorySubmitted])
    assert complete.unlisted() == []
    assert complete.update_for(received(PatentRecorded, {})) == {}
    assert complete.update_for(received(InventorySubmitted, {}, type_="cn.patentflow.inventory.Future.v9")) == {}


def test_a_type_is_listed_once_and_only_for_a_subscribed_topic() -> None:
    submitted = table()
    with pytest.raises(ValueError, match="twice"):
        submitted.ignore(InventorySubmitted)
    with pytest.raises(ValueError, match="not read here"):
        submitted.on(InstitutionRegistered)(lambda event, meta: {})


def test_receive_operations_name_the_mapped_events_per_topic() -> None:
    [receive] = receives_of("projection", [table()])
    assert (receive.service, receive.consumer, receive.topic, receive.events) == (
        "projection",
        "t",
        topics.PATENTS,
        (InventorySubmitted,),
    )
