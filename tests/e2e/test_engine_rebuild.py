"""The query engine on the real broker: kill -9 during a 100 000-event load ends equal to a rebuild; a rebuild while
events keep arriving ends equal to the live engine and is swapped in."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from patentflow.contracts.access import Role
from patentflow.contracts.envelope import DomainEvent, source_of
from patentflow.contracts.events import InventoryRecordFilled, PatentRecorded
from patentflow.contracts.events.common import Owner
from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char
from patentflow.kit.cloudevents import EventMeta, new_event_id
from patentflow.testing.processes import ServiceUnderTest
from tests.e2e.conftest import token

NATIONAL = token(Role.NATIONAL_ADMIN)


def _institution() -> Owner:
    body = "12" + "".join(secrets.choice("0123456789") for _ in range(15))
    return Owner(credit_code=body + credit_code_check_char(body), name="测试研究院", province="320000")


def _records(owner: Owner, patents: int, year: int) -> list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
    """Each patent's PatentRecorded and InventoryRecordFilled, as the inventory service publishes them."""
    out = []
    kind = secrets.randbelow(2) + 8  # PCT national-phase kinds: no other test of the run uses them
    start = secrets.randbelow(10**7 - patents)
    now = datetime.now(UTC)
    for serial in range(start, start + patents):
        body = f"{year}{kind}{serial:07d}"
        number = f"{body}.{application_check_digit(body)}"
        recorded = PatentRecorded.model_validate(
            {
                "application_number": number,
                "patent_type": "invention",
                "title": "一种负载测试方法",
                "ipc_main": "G06F 16/35",
                "filing_date": date(year, 3, 1),
                "grant_date": date(year + 1, 6, 1),
                "owner": owner,
                "state_funded": False,
                "source": "manual",
                "recorded_by": "load",
                "legal_status": "valid",
                "expiry_date": date(year + 20, 2, 28),
            }
        )
        filled = InventoryRecordFilled.model_validate(
            {
                "application_number": number,
                "conversion_intents": ["transfer"],
                "implementation_status": "not_implemented",
                "trl": 1 + serial % 9,
                "self_grade": 1 + serial % 5,
                "filled_by": "load",
            }
        )
        for sequence, event in ((1, recorded), (2, filled)):
            out.append(_record(event, sequence, now))
    return out


def _record(event: DomainEvent, sequence: int, now: datetime) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    meta = EventMeta(
        id=new_event_id(),
        source=source_of("inventory"),
        type=event.event_type,
        subject=event.subject(),
        sequence=sequence,
        time=now,
    )
    headers = [(k, v.encode()) for k, v in meta.headers().items()]
    return event.topic.name, event.subject().encode(), event.model_dump_json().encode(), headers


async def _send(producer: AIOKafkaProducer, records: list[Any], pause: float = 0.0, chunk: int = 5000) -> None:
    for start in range(0, len(records), chunk):
        futures = [
            await producer.send(topic, value, key=key, headers=headers)
            for topic, key, value, headers in records[start : start + chunk]
        ]
        await asyncio.gather(*futures)
        if pause:
            await asyncio.sleep(pause)


async def _coverage(http: httpx.AsyncClient, url: str, owner: Owner) -> dict[str, Any] | None:
    answer = await http.get(
        f"{url}/views/coverage", params={"group": "institution", "institution": owner.credit_code}, headers=NATIONAL
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    return rows[0] if rows else None


async def _until_counted(
    http: httpx.AsyncClient, url: str, owner: Owner, patents: int, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    row = await _coverage(http, url, owner)
    while (row is None or row["inventoried"] != patents) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        row = await _coverage(http, url, owner)
    assert row is not None, "nothing of the load reached the engine"
    assert row["inventoried"] == patents, row
    return row


async def _rebuilt(http: httpx.AsyncClient, url: str, timeout: float) -> dict[str, Any]:
    started = await http.post(f"{url}/admin/engine/rebuild", headers=NATIONAL)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + timeout
    progress = started.json()
    while progress["state"] not in ("swapped", "failed") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        progress = (await http.get(f"{url}/admin/engine/rebuild", headers=NATIONAL)).json()
    return progress


def _projection(env: dict[str, str], run_id: str, logs: Path, name: str) -> ServiceUnderTest:
    return ServiceUnderTest(
        "projection",
        {
            **env,
            "PATENTFLOW_MONGODB_DATABASE": f"e2e_{run_id}_projection_{name}",
            "PATENTFLOW_ENGINE_DIR": str(logs.parent / f"engine-{run_id}-{name}"),
            "PATENTFLOW_ENGINE_INSTANCE": name,
        },
        logs,
    )


async def test_kill_9_during_a_load_of_100_000_events_ends_equal_to_a_rebuild(
    http: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    service_env: dict[str, str],
    run_id: str,
    logs_dir: Path,
) -> None:
    owner = _institution()
    records = _records(owner, 50_000, 2011)
    projection = _projection(service_env, run_id, logs_dir, "crash").start()
    try:
        loading = asyncio.create_task(_send(producer, records))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once part of the load is in, mid-write
            row = await _coverage(http, projection.url, owner)
            if row is not None and row["recorded"] >= 5_000:
                break
            await asyncio.sleep(0.2)
        projection.kill()
        await loading
        projection.start()
        before = await _until_counted(http, projection.url, owner, 50_000, timeout=240)
        assert before["stock_valid"] == 50_000
        progress = await _rebuilt(http, projection.url, timeout=240)
        assert progress["state"] == "swapped", progress
        assert progress["differences"] == 0, progress
        assert progress["compared_patents"] >= 50_000
        after = await _coverage(http, projection.url, owner)
        assert after is not None
        assert {k: after[k] for k in ("stock_valid", "inventoried", "recorded")} == {
            k: before[k] for k in ("stock_valid", "inventoried", "recorded")
        }
    finally:
        projection.stop()


async def test_a_rebuild_while_events_keep_arriving_ends_equal_and_is_swapped_in(
    http: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    service_env: dict[str, str],
    run_id: str,
    logs_dir: Path,
) -> None:
    early, late = _institution(), _institution()
    projection = _projection(service_env, run_id, logs_dir, "rebuild").start()
    try:
        await _send(producer, _records(early, 5_000, 2012))
        await _until_counted(http, projection.url, early, 5_000, timeout=120)
        arriving = asyncio.create_task(_send(producer, _records(late, 10_000, 2013), pause=0.5, chunk=1000))
        # The operator's command: starts the rebuild, prints its progress, exits 0 once swapped in unchanged.
        command = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "patentflow.projection", "rebuild", "--url", projection.url, "--every", "0.5"],
            env={**os.environ, **service_env},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert command.returncode == 0, command.stdout + command.stderr
        assert "loading" in command.stdout
        assert "swapped" in command.stdout.splitlines()[-1]
        progress = (await http.get(f"{projection.url}/admin/engine/rebuild", headers=NATIONAL)).json()
        assert progress["state"] == "swapped", progress
        assert progress["differences"] == 0, progress
        assert progress["events"] > 0
        await arriving
        # The swapped-in engine carries on with the live consumer: nothing sent during the rebuild is missing.
        await _until_counted(http, projection.url, late, 10_000, timeout=120)
        await _until_counted(http, projection.url, early, 5_000, timeout=5)
        state = (await http.get(f"{projection.url}/admin/engine", headers=NATIONAL)).json()
        assert state["file"] == progress["generation"]
    finally:
        projection.stop()
