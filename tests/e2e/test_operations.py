"""What an operator sees on a running service: readiness, metrics, AsyncAPI, dead letters and replay."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaProducer

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.contracts.events import PatentRecordCorrected, PatentRecorded
from patentflow.kit.cloudevents import EventMeta, new_event_id
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_A, new_number, token

OPERATOR = token(Role.OPERATOR)
ENGINE_GROUPS = "patentflow.projection.engine-"  # the projection's one group: its engine's, named after its file


async def _publish(bootstrap: str, number: str, sequence: int, event_type: str, data: dict[str, object]) -> str:
    meta = EventMeta(
        id=new_event_id(),
        source="/patentflow/inventory",
        type=event_type,
        subject=number,
        sequence=sequence,
        time=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in meta.headers().items()]
        await producer.send_and_wait(
            topics.PATENTS.name, json.dumps(data).encode(), key=number.encode(), headers=headers
        )
    finally:
        await producer.stop()
    return meta.id


async def test_operator_lists_a_poison_event_and_the_one_parked_behind_it(
    http: httpx.AsyncClient, projection: ServiceUnderTest, infrastructure: Infrastructure
) -> None:
    number = new_number()
    poison = await _publish(
        infrastructure.kafka_bootstrap,
        number,
        1,
        PatentRecorded.event_type,
        {"application_number": number, "title": "missing nearly everything"},
    )
    follower = await _publish(
        infrastructure.kafka_bootstrap,
        number,
        2,
        PatentRecordCorrected.event_type,
        {"application_number": number, "corrected": ["title"], "title": "t", "corrected_by": "x"},
    )

    letters: list[dict[str, object]] = []
    for _ in range(150):
        response = await http.get(f"{projection.url}/admin/dead-letters", headers=OPERATOR)
        letters = [d for d in response.json() if d["subject"] == number]
        if len(letters) == 2:
            break
        await asyncio.sleep(0.2)
    by_id = {d["event_id"]: d for d in letters}
    (group,) = {d["group"] for d in letters}
    forbidden = await http.get(
        f"{projection.url}/admin/dead-letters", headers=token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_A)
    )
    replay = await http.post(
        f"{projection.url}/admin/dead-letters/replay", params={"group": group, "subject": number}, headers=OPERATOR
    )
    unknown_group = await http.post(
        f"{projection.url}/admin/dead-letters/replay", params={"group": "nope", "subject": number}, headers=OPERATOR
    )

    assert set(by_id) == {poison, follower}
    assert group.startswith(ENGINE_GROUPS)
    assert by_id[poison]["status"] == "failed"
    assert by_id[poison]["error_type"] == "ValidationError"
    assert by_id[poison]["attempts"] == 5
    assert by_id[follower]["status"] == "parked"
    assert by_id[follower]["parked_behind"] == poison
    assert forbidden.status_code == 403
    assert replay.status_code == 200
    assert replay.json()["replayed"] == 0  # still invalid: replay stops at it and keeps both
    assert replay.json()["remaining"] == 2
    assert "validation error" in replay.json()["error"]
    assert unknown_group.status_code == 404
    assert (await http.get(f"{projection.url}/patents/{number}", headers=token(Role.NATIONAL_ADMIN))).status_code == 404


async def test_service_reports_readiness_metrics_and_its_event_contract(
    http: httpx.AsyncClient, projection: ServiceUnderTest, inventory: ServiceUnderTest
) -> None:
    ready = await http.get(f"{projection.url}/health/ready")
    live = await http.get(f"{inventory.url}/health/live")
    metrics = await http.get(f"{inventory.url}/metrics")
    asyncapi = await http.get(f"{projection.url}/asyncapi.json")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok", "started": "ok"}
    assert live.json() == {"status": "ok"}
    assert "patentflow_outbox_backlog" in metrics.text
    assert asyncapi.json()["asyncapi"] == "3.0.0"
    assert "inventory-patents" in asyncapi.json()["channels"]
