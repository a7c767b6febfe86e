"""CloudEvents binary mode over Kafka: outgoing headers and parsing of incoming records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from patentflow.contracts import envelope as ce
from patentflow.kit.cloudevents import EventMeta, InvalidEnvelope, decode_headers, new_event_id, parse_event

TOPIC = "patentflow.inventory.patents"


def _meta(**overrides: Any) -> EventMeta:
    fields: dict[str, Any] = {
        "id": "3f1c2d4e-0000-4000-8000-000000000001",
        "source": ce.source_of("inventory"),
        "type": "cn.patentflow.inventory.PatentRecorded.v1",
        "subject": "201310699744.2",
        "sequence": 7,
        "time": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    }
    fields.update(overrides)
    return EventMeta(**fields)


def _kafka_headers(headers: dict[str, str]) -> list[tuple[str, bytes]]:
    """Headers the way aiokafka hands them to a consumer."""
    return [(name, value.encode()) for name, value in headers.items()]


def _parse(headers: list[tuple[str, bytes]], value: bytes | None = b'{"title":"x"}') -> Any:
    return parse_event(headers=headers, value=value, topic=TOPIC, partition=2, offset=41, key=b"201310699744.2")


def test_headers_round_trip_through_parse_event() -> None:
    meta = _meta(correlation_id="corr-1", causation_id="cause-1", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    headers = _kafka_headers(meta.headers())
    event = _parse(headers)
    assert event.meta == meta
    assert event.data == {"title": "x"}
    assert (event.topic, event.partition, event.offset, event.key) == (TOPIC, 2, 41, b"201310699744.2")
    assert event.raw_value == b'{"title":"x"}'
    assert event.raw_headers == tuple(headers)


def test_headers_are_binary_mode_cloudevents() -> None:
    headers = _meta().headers()
    assert headers[ce.H_SPECVERSION] == "1.0"
    assert headers[ce.H_CONTENT_TYPE] == "application/json"
    assert headers[ce.H_SEQUENCE] == "7"
    assert headers[ce.H_TIME] == "2024-05-06T07:08:09.123456Z"
    assert set(ce.REQUIRED_HEADERS) <= set(headers)


def test_optional_headers_are_left_out_when_unset() -> None:
    headers = _meta().headers()
    assert ce.H_CORRELATION not in headers
    assert ce.H_CAUSATION not in headers
    assert ce.H_TRACEPARENT not in headers
    event = _parse(_kafka_headers(headers))
    assert event.meta.correlation_id is None
    assert event.meta.causation_id is None


def test_time_is_written_in_utc_and_read_back_as_the_same_instant() -> None:
    local = datetime(2024, 5, 6, 15, 8, 9, tzinfo=timezone(timedelta(hours=8)))
    headers = _meta(time=local).headers()
    assert headers[ce.H_TIME] == "2024-05-06T07:08:09Z"
    parsed = _parse(_kafka_headers(headers)).meta.time
    assert parsed == local
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("missing", ce.REQUIRED_HEADERS)
def test_rejects_record_missing_a_required_header_naming_it(missing: str) -> None:
    headers = {k: v for k, v in _meta().headers().items() if k != missing}
    with pytest.raises(InvalidEnvelope, match=rf"missing CloudEvents headers: {missing}$"):
        _parse(_kafka_headers(headers))


def test_rejects_empty_header_as_missing_and_names_every_missing_one() -> None:
    headers = {**_meta().headers(), ce.H_SUBJECT: ""}
    del headers[ce.H_ID]
    with pytest.raises(InvalidEnvelope, match=r"missing CloudEvents headers: ce_id, ce_subject"):
        _parse(_kafka_headers(headers))


def test_rejects_record_without_any_headers() -> None:
    with pytest.raises(InvalidEnvelope, match=r"missing CloudEvents headers: ce_specversion"):
        _parse([])


def test_rejects_unsupported_specversion() -> None:
    headers = {**_meta().headers(), ce.H_SPECVERSION: "0.3"}
    with pytest.raises(InvalidEnvelope, match=r"unsupported ce_specversion '0.3'"):
        _parse(_kafka_headers(headers))


@pytest.mark.parametrize("value", [b"not json", b"{", b"", None])
def test_rejects_payload_that_is_not_json(value: bytes | None) -> None:
    with pytest.raises(InvalidEnvelope, match=r"payload is not JSON"):
        _parse(_kafka_headers(_meta().headers()), value)


@pytest.mark.parametrize("value", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_rejects_json_payload_that_is_not_an_object(value: bytes) -> None:
    with pytest.raises(InvalidEnvelope, match=r"payload must be a JSON object"):
        _parse(_kafka_headers(_meta().headers()), value)


@pytest.mark.parametrize("sequence", ["0", "-3"])
def test_rejects_sequence_below_one(sequence: str) -> None:
    headers = {**_meta().headers(), ce.H_SEQUENCE: sequence}
    with pytest.raises(InvalidEnvelope, match=r"ce_sequence starts at 1"):
        _parse(_kafka_headers(headers))


@pytest.mark.parametrize(("name", "value"), [(ce.H_SEQUENCE, "seven"), (ce.H_TIME, "yesterday")])
def test_rejects_unreadable_sequence_or_time(name: str, value: str) -> None:
    headers = {**_meta().headers(), name: value}
    with pytest.raises(InvalidEnvelope, match=r"bad ce_sequence or ce_time"):
        _parse(_kafka_headers(headers))


def test_invalid_envelope_is_a_value_error() -> None:
    assert issubclass(InvalidEnvelope, ValueError)


def test_decode_headers_lets_later_duplicates_win_and_accepts_mappings() -> None:
    assert decode_headers([("a", b"1"), ("b", b"2"), ("a", b"3")]) == {"a": "3", "b": "2"}
    assert decode_headers({"a": b"1", "b": "2", "c": bytearray(b"3")}) == {"a": "1", "b": "2", "c": "3"}


def test_new_event_ids_are_unique_version_4_uuids_in_canonical_form() -> None:
    ids = {new_event_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
