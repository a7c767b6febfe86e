"""Generates the JSON Schemas and the AsyncAPI 3.0 document from the contracts, and checks them for drift.

Which service sends an event is the contract's (its topic's owner); which services receive it is declared by
each consumer's table in its service and handed in as :class:`Receive`. The platform document with every
service's receives is written by ``python -m patentflow.catalog write|check DIR`` (``make contracts``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from patentflow.contracts import envelope, topics
from patentflow.contracts.events import ALL_EVENTS

VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class Receive:
    """One consumer's use of one topic: which service, which consumer (group), which events it applies."""

    service: str
    consumer: str
    topic: topics.Topic
    events: tuple[type[envelope.DomainEvent], ...]
    description: str = ""


def _message_name(event: type[envelope.DomainEvent]) -> str:
    return event.__name__


def cloudevents_headers_schema() -> dict[str, Any]:
    """JSON Schema of the Kafka headers that carry the CloudEvents attributes (binary mode)."""
    string = {"type": "string"}
    props: dict[str, Any] = {
        envelope.H_SPECVERSION: {"const": envelope.SPEC_VERSION, "description": "CloudEvents version"},
        envelope.H_ID: {**string, "description": "Unique event id (UUID); duplicates share it"},
        envelope.H_SOURCE: {**string, "description": "Publishing service, e.g. /patentflow/inventory"},
        envelope.H_TYPE: {
            **string,
            "description": "Versioned event type, e.g. cn.patentflow.inventory.PatentRecorded.v1",
        },
        envelope.H_TIME: {**string, "format": "date-time", "description": "When the change happened (RFC 3339)"},
        envelope.H_SUBJECT: {**string, "description": "Aggregate id, also the Kafka key"},
        envelope.H_SEQUENCE: {
            **string,
            "pattern": "^[1-9][0-9]*$",
            "description": "Per-aggregate sequence in this source, from 1 without gaps",
        },
        envelope.H_CORRELATION: {**string, "description": "Id of the request or flow this event belongs to"},
        envelope.H_CAUSATION: {**string, "description": "Id of the command or event that caused this event"},
        envelope.H_TRACEPARENT: {**string, "description": "W3C trace context"},
        envelope.H_CONTENT_TYPE: {"const": envelope.CONTENT_TYPE},
    }
    return {
        "type": "object",
        "title": "CloudEventHeaders",
        "properties": props,
        "required": [*envelope.REQUIRED_HEADERS, envelope.H_CONTENT_TYPE],
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """One self-contained JSON Schema document per event type, keyed by file name."""
    out: dict[str, dict[str, Any]] = {}
    for event in ALL_EVENTS:
        schema = event.model_json_schema(mode="serialization")
        schema["$id"] = event.event_type
        schema["x-topic"] = event.topic.name
        out[f"{event.event_type}.json"] = schema
    out["cloudevents-headers.json"] = cloudevents_headers_schema()
    return out


def asyncapi(receives: Sequence[Receive] = ()) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic and event type, with the receive operations of ``receives``."""
    _, defs = models_json_schema(
        [(e, "serialization") for e in ALL_EVENTS], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["CloudEventHeaders"] = cloudevents_headers_schema()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in topics.CATALOGUE:
        channel_id = topic.name.removeprefix("patentflow.").replace(".", "-")
        events = [e for e in ALL_EVENTS if e.topic is topic or topic in e.topic_family]
        channels[channel_id] = {
            "address": topic.name,
            "title": topic.name,
            "description": f"{topic.description} Key: {topic.key}. Owner: {topic.owner.value}.",
            "messages": {_message_name(e): {"$ref": f"#/components/messages/{_message_name(e)}"} for e in events},
            "bindings": {
                "kafka": {
                    "partitions": topic.partitions,
                    "bindingVersion": "0.5.0",
                    "topicConfiguration": {"retention.ms": topic.retention_ms},
                }
            },
        }
        if events:
            operations[f"{topic.owner.value}-publishes-{channel_id}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{topic.owner.value} publishes to {topic.name}",
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{_message_name(e)}"} for e in events],
            }
        for receive in (r for r in receives if r.topic is topic and r.events):
            operations[f"{receive.service}-{receive.consumer}-receives-{channel_id}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{receive.service} ({receive.consumer}) applies these events of {topic.name}",
                "description": receive.description
                + f" Consumer group: patentflow.{receive.service}.{receive.consumer}.",
                "messages": [
                    {"$ref": f"#/channels/{channel_id}/messages/{_message_name(e)}"}
                    for e in events
                    if e in receive.events
                ],
            }
        for event in events:
            messages[_message_name(event)] = {
                "name": event.event_type,
                "title": _message_name(event),
                "summary": next(iter((event.__doc__ or "").strip().splitlines()), event.__name__),
                "contentType": envelope.CONTENT_TYPE,
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {"$ref": f"#/components/schemas/{event.__name__}"},
                "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}, "bindingVersion": "0.5.0"}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "patentflow domain events",
            "version": VERSION,
            "description": "CloudEvents 1.0 over Kafka (binary mode). Topics keep events forever; "
            "a breaking change is a new versioned type.",
        },
        "defaultContentType": envelope.CONTENT_TYPE,
        "servers": {"local": {"host": "localhost:9092", "protocol": "kafka", "description": "make run"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def rendered(directory: Path, receives: Sequence[Receive] = ()) -> dict[Path, str]:
    """Every generated file under ``directory`` with its exact text."""
    files = {directory / "asyncapi.json": _dump(asyncapi(receives))}
    for name, schema in json_schemas().items():
        files[directory / "schemas" / name] = _dump(schema)
    return files


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str], receives: Sequence[Receive] = ()) -> int:
    """Write or check the generated files; ``check`` exits 1 and names each file that drifted."""
    if len(argv) != 2 or argv[0] not in {"write", "check"}:
        print("usage: python -m patentflow.catalog write|check DIR", file=sys.stderr)
        return 2
    directory = Path(argv[1])
    files = rendered(directory, receives)
    if argv[0] == "write":
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return 0
    stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    known = set(files)
    extra = [p for p in (directory / "schemas").glob("*.json") if p not in known]
    for path in [*stale, *extra]:
        print(f"out of date: {path} (run: make contracts)", file=sys.stderr)
    return 1 if stale or extra else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
