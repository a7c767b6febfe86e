"""The platform's contract as a whole: every consumer table complete, every receive documented, nothing drifted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from patentflow.catalog import receives, tables
from patentflow.contracts import schema, topics
from patentflow.contracts.envelope import REGISTRY, TYPE_PREFIX, DomainEvent
from patentflow.contracts.events import ALL_EVENTS, EVENT_TYPES
from patentflow.contracts.topics import Service
from patentflow.kit.eventmap import check

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


def test_every_consumer_table_maps_or_ignores_every_event_of_its_topics() -> None:
    found = tables()
    assert set(found) == {
        Service.INVENTORY,  # its own events: the export's index of each institution's patents
        Service.EVALUATION,
        Service.MATCHING,
        Service.TRANSACTIONS,
        Service.PLEDGE,
        Service.PROJECTION,
    }
    assert check(m for maps in found.values() for m in maps) == {}


def test_a_new_event_on_a_subscribed_topic_fails_the_check_until_a_table_lists_it() -> None:
    class PatentAbandoned(DomainEvent):
        """A test-only event: what a newcomer adds before mapping it anywhere."""

        event_type: ClassVar[str] = TYPE_PREFIX + "inventory.PatentAbandonedForTest.v1"
        topic: ClassVar[topics.Topic] = topics.PATENTS
        subject_field: ClassVar[str] = "application_number"
        application_number: str

    try:
        assert EVENT_TYPES[PatentAbandoned.event_type] is PatentAbandoned  # registered by being defined
        gaps = check(m for maps in tables().values() for m in maps)
        # (The projection's patent view folds on read, no consumer: its own test asks it to be complete.)
        assert set(gaps) == {"patent-replica", "engine", "patents-by-owner"}
        assert all(names == ["PatentAbandoned"] for names in gaps.values())
    finally:
        REGISTRY.pop(PatentAbandoned.event_type)


def test_every_event_has_its_producer_and_every_consumer_in_the_asyncapi_document() -> None:
    document = schema.asyncapi(receives())
    receivers: dict[str, set[str]] = {}
    senders: dict[str, str] = {}
    for operation_id, operation in document["operations"].items():
        for message in operation["messages"]:
            name = message["$ref"].rsplit("/", 1)[-1]
            if operation["action"] == "send":
                senders[name] = operation_id.split("-", 1)[0]
            else:
                receivers.setdefault(name, set()).add(operation_id.split("-", 1)[0])
    assert set(senders) == {e.__name__ for e in ALL_EVENTS}
    assert receivers["PatentRecorded"] == {
        "inventory",
        "evaluation",
        "matching",
        "transactions",
        "pledge",
        "projection",
    }
    assert receivers["InventorySubmitted"] == {"projection"}
    assert receivers["InstitutionRegistered"] == {"projection"}  # the engine: ministry, pilot, kind of institution


def test_committed_contracts_have_no_drift(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.main(["check", str(CONTRACTS)], receives()) == 0
    assert "out of date" not in capsys.readouterr().err


def test_committed_asyncapi_equals_the_generated_one() -> None:
    assert json.loads((CONTRACTS / "asyncapi.json").read_text(encoding="utf-8")) == schema.asyncapi(receives())
