"""A crash between storing a record and publishing its event delays the event; it is never lost or doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.access import Role
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.kafka import read_all
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import INSTITUTION_A, new_number, patent_body, register_institutions, token
from tests.e2e.helpers import eventually_get

ADMIN_A = token(Role.INSTITUTION_ADMIN, institution=INSTITUTION_A)


async def _published(infrastructure: Infrastructure, number: str) -> list[Any]:
    return [r for r in await read_all(infrastructure.kafka_bootstrap, topics.PATENTS.name) if r.key == number.encode()]


async def test_event_stored_before_a_crash_arrives_exactly_once_after_restart(
    http: httpx.AsyncClient,
    projection: ServiceUnderTest,
    infrastructure: Infrastructure,
    service_env: dict[str, str],
    run_id: str,
    logs_dir: Path,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    database = f"e2e_{run_id}_inventory_crash"
    env = {**service_env, "PATENTFLOW_MONGODB_DATABASE": database}
    # The relay is held back, so the process dies with the record stored and its event not yet published.
    registering = ServiceUnderTest("inventory", env, logs_dir).start()
    register_institutions(registering.url)
    registering.stop()
    crashing = ServiceUnderTest("inventory", env, logs_dir).start(PATENTFLOW_OUTBOX_RELAY_ENABLED="false")
    number = new_number()
    try:
        created = await http.post(f"{crashing.url}/patents", json=patent_body(number), headers=ADMIN_A)
        assert created.status_code == 201, created.text
        stored = await mongo[database]["patents"].find_one({"_id": number})
        assert stored is not None
        assert stored["outbox_pending"] is True
        await asyncio.sleep(1.5)
        assert await _published(infrastructure, number) == []
    finally:
        crashing.kill()

    # Sweeps every second: the second half below changes the store behind the process's back, which on FerretDB
    # only a sweep notices (there the relay follows its own writes by id).
    restarted = ServiceUnderTest("inventory", env, logs_dir).start(PATENTFLOW_OUTBOX_SWEEP_SECONDS="1")
    try:
        read = await eventually_get(http, f"{projection.url}/patents/{number}", ADMIN_A)
        assert read.status_code == 200, read.text
        assert read.json()["sequences"] == {"inventory": 1}
        await asyncio.sleep(1.5)
        assert len(await _published(infrastructure, number)) == 1
        after = await mongo[database]["patents"].find_one({"_id": number})
        assert after is not None
        assert after["outbox_pending"] is False
        assert after["outbox"] == []
        assert after["published_sequence"] == 1

        # A crash after publishing but before marking: the relay publishes the same event again.
        await mongo[database]["patents"].update_one(
            {"_id": number}, {"$set": {"outbox": stored["outbox"], "outbox_pending": True, "published_sequence": 0}}
        )
        for _ in range(50):
            if len(await _published(infrastructure, number)) == 2:
                break
            await asyncio.sleep(0.2)
        twice = await _published(infrastructure, number)
        assert len(twice) == 2
        cloudevents = [[h for h in r.headers if h[0].startswith("ce_")] for r in twice]
        assert cloudevents[0] == cloudevents[1]  # same ce_id and sequence: a duplicate, not a new event
        await asyncio.sleep(1.0)
        again = await http.get(f"{projection.url}/patents/{number}", headers=ADMIN_A)
        assert again.json()["sequences"] == {"inventory": 1}
        assert again.json()["patent"] == read.json()["patent"]
    finally:
        restarted.stop()
