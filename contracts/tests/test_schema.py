"""Generated JSON Schemas and AsyncAPI document: no drift, complete catalogue, documented and frozen events."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from patentflow.contracts import envelope, schema, topics
from patentflow.contracts.events import ALL_EVENTS, EVENT_TYPES, PatentRecordCorrected

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "contracts"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/components/schemas/X``."""
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{ref} does not resolve (stuck at {part!r})"
        assert part in node, f"{ref} does not resolve (stuck at {part!r})"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models mentioned in a field's annotation (through Optional, tuple, Annotated ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        return [m for arg in typing.get_args(annotation) for m in _nested_models(arg)]
    return []


def _models_of(event: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    todo = [event]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for info in model.model_fields.values():
            todo.extend(_nested_models(info.annotation))
    return seen


# --- drift check ---------------------------------------------------------------------------------------------


def test_check_passes_right_after_write(tmp_path: Path) -> None:
    assert schema.main(["write", str(tmp_path)]) == 0
    assert (tmp_path / "asyncapi.json").is_file()
    assert {p.name for p in (tmp_path / "schemas").glob("*.json")} == {
        *(f"{e.event_type}.json" for e in ALL_EVENTS),
        "cloudevents-headers.json",
    }
    assert schema.main(["check", str(tmp_path)]) == 0


def test_check_fails_and_names_a_modified_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.main(["write", str(tmp_path)]) == 0
    changed = tmp_path / "schemas" / f"{ALL_EVENTS[0].event_type}.json"
    changed.write_text(changed.read_text(encoding="utf-8").replace('"title"', '"Title"', 1), encoding="utf-8")
    capsys.readouterr()
    assert schema.main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"out of date: {changed}" in err
    assert "asyncapi.json" not in err


def test_check_fails_on_a_missing_file(tmp_path: Path) -> None:
    assert schema.main(["write", str(tmp_path)]) == 0
    (tmp_path / "asyncapi.json").unlink()
    assert schema.main(["check", str(tmp_path)]) == 1


def test_check_fails_on_a_stray_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.main(["write", str(tmp_path)]) == 0
    stray = tmp_path / "schemas" / "cn.patentflow.removed.Gone.v1.json"
    stray.write_text("{}\n", encoding="utf-8")
    assert schema.main(["check", str(tmp_path)]) == 1
    assert str(stray) in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["check"], ["lint", "contracts"], ["check", "a", "b"]])
def test_main_refuses_bad_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.main(argv) == 2
    assert "usage:" in capsys.readouterr().err


# --- AsyncAPI document ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return schema.asyncapi()


def test_asyncapi_is_version_3(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["defaultContentType"] == envelope.CONTENT_TYPE


def test_asyncapi_has_a_channel_for_every_catalogued_topic(asyncapi: dict[str, Any]) -> None:
    addresses = [channel["address"] for channel in asyncapi["channels"].values()]
    assert sorted(addresses) == sorted(topic.name for topic in topics.CATALOGUE)
    for channel in asyncapi["channels"].values():
        topic = topics.topic_named(channel["address"])
        assert channel["bindings"]["kafka"]["partitions"] == topic.partitions


def test_asyncapi_lists_every_event_with_a_resolvable_payload(asyncapi: dict[str, Any]) -> None:
    messages = asyncapi["components"]["messages"]
    assert set(messages) == {event.__name__ for event in ALL_EVENTS}
    for event in ALL_EVENTS:
        message = messages[event.__name__]
        assert message["name"] == event.event_type
        payload_ref = message["payload"]["$ref"]
        assert payload_ref.startswith("#/components/schemas/")
        payload = _resolve(asyncapi, payload_ref)
        assert set(payload["properties"]) == set(event.model_fields)
        assert _resolve(asyncapi, message["headers"]["$ref"])["title"] == "CloudEventHeaders"


def test_every_event_is_on_the_channel_of_its_topic(asyncapi: dict[str, Any]) -> None:
    by_address = {channel["address"]: channel for channel in asyncapi["channels"].values()}
    for event in ALL_EVENTS:
        channel = by_address[event.topic.name]
        assert event.__name__ in channel["messages"]
        assert _resolve(asyncapi, channel["messages"][event.__name__]["$ref"])["name"] == event.event_type


def test_every_reference_in_asyncapi_resolves(asyncapi: dict[str, Any]) -> None:
    refs = _refs(asyncapi)
    assert refs, "the document should use references"
    for ref in refs:
        _resolve(asyncapi, ref)


def test_cloudevents_headers_schema_requires_the_envelope_attributes() -> None:
    headers = schema.cloudevents_headers_schema()
    assert set(headers["required"]) == {*envelope.REQUIRED_HEADERS, envelope.H_CONTENT_TYPE}
    assert set(headers["required"]) <= set(headers["properties"])


def test_json_schemas_carry_type_id_and_topic() -> None:
    schemas = schema.json_schemas()
    for event in ALL_EVENTS:
        doc = schemas[f"{event.event_type}.json"]
        assert doc["$id"] == event.event_type
        assert doc["x-topic"] == event.topic.name


# --- event models --------------------------------------------------------------------------------------------


def test_event_types_are_unique_and_registered() -> None:
    assert len(EVENT_TYPES) == len(ALL_EVENTS)
    for event in ALL_EVENTS:
        assert event.event_type.startswith(envelope.TYPE_PREFIX)
        assert event.event_type.rsplit(".", 1)[-1].startswith("v")
        assert event.topic in topics.CATALOGUE
        assert event.subject_field in event.model_fields


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_every_event_model_is_frozen_and_closed(event: type[envelope.DomainEvent]) -> None:
    assert event.model_config.get("frozen") is True
    assert event.model_config.get("extra") == "forbid"


def test_an_event_instance_cannot_be_changed_or_extended() -> None:
    event = PatentRecordCorrected(
        application_number="ZL201310699744.2", corrected=("title",), title="New", corrected_by="u-1"
    )
    assert event.subject() == "201310699744.2"
    with pytest.raises(ValidationError):
        event.title = "Changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        PatentRecordCorrected(
            application_number="201310699744.2", corrected=("title",), corrected_by="u-1", unexpected=1
        )  # type: ignore[call-arg]


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_every_event_field_has_a_description(event: type[envelope.DomainEvent]) -> None:
    undocumented = [name for name, info in event.model_fields.items() if not (info.description or "").strip()]
    assert undocumented == [], f"{event.__name__} fields without description: {undocumented}"


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_every_nested_value_object_field_has_a_description(event: type[envelope.DomainEvent]) -> None:
    # All value objects in events/common.py are documented today, so they are held to the same rule.
    undocumented = [
        f"{model.__name__}.{name}"
        for model in _models_of(event)
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undocumented == []


def test_nested_value_objects_are_found_and_frozen() -> None:
    names = {model.__name__ for event in ALL_EVENTS for model in _models_of(event)}
    assert {"Owner", "CoOwner", "StateFunding"} <= names
    for event in ALL_EVENTS:
        for model in _models_of(event):
            assert model.model_config.get("frozen") is True, model.__name__


# --- registration ---------------------------------------------------------------------------------------------


def test_defining_an_event_class_registers_it_and_a_second_class_of_one_type_is_refused() -> None:
    from typing import ClassVar

    from pydantic import Field

    class Probe(envelope.DomainEvent):
        """A test-only event."""

        event_type: ClassVar[str] = envelope.TYPE_PREFIX + "inventory.ProbeForTest.v1"
        topic: ClassVar[topics.Topic] = topics.PATENTS
        subject_field: ClassVar[str] = "application_number"
        application_number: str = Field(description="Aggregate")

    try:
        assert envelope.REGISTRY[Probe.event_type] is Probe
        with pytest.raises(TypeError, match="defined twice"):

            class Other(envelope.DomainEvent):
                """Same type, another class."""

                event_type: ClassVar[str] = Probe.event_type
                topic: ClassVar[topics.Topic] = topics.PATENTS
                subject_field: ClassVar[str] = "application_number"
                application_number: str

        with pytest.raises(TypeError, match="names no field"):

            class NoSubject(envelope.DomainEvent):
                """A subject field that does not exist."""

                event_type: ClassVar[str] = envelope.TYPE_PREFIX + "inventory.NoSubjectForTest.v1"
                topic: ClassVar[topics.Topic] = topics.PATENTS
                subject_field: ClassVar[str] = "number"
    finally:
        envelope.REGISTRY.pop(Probe.event_type, None)


def test_every_event_class_in_the_contracts_is_registered() -> None:
    def subclasses(cls: type[envelope.DomainEvent]) -> list[type[envelope.DomainEvent]]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    defined = {c for c in subclasses(envelope.DomainEvent) if "event_type" in c.__dict__}
    defined = {c for c in defined if c.__module__.startswith("patentflow.contracts.events")}
    assert defined == set(ALL_EVENTS)
