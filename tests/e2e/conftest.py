"""End-to-end fixtures: inventory and projection as real processes on the real broker and store."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from patentflow.contracts import topics
from patentflow.contracts.access import Role, Scope
from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char
from patentflow.kit.auth import issue_token
from patentflow.kit.kafka import ensure_topics, make_producer
from patentflow.kit.settings import ServiceSettings
from patentflow.testing.fixtures import TEST_SECRET
from patentflow.testing.infrastructure import Infrastructure
from patentflow.testing.processes import ServiceUnderTest

INSTITUTION_A = "12100000400000624" + credit_code_check_char("12100000400000624")
INSTITUTION_B = "12430000444876543" + credit_code_check_char("12430000444876543")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    # Tests that publish thousands of events run last: the shared projection works through them afterwards, and
    # the read-model latency the other tests wait for stays that of a quiet system.
    items.sort(key=lambda item: item.get_closest_marker("floods") is not None)


def token(role: Role, **scope: str) -> dict[str, str]:
    """Authorization header for a principal."""
    value = issue_token(
        TEST_SECRET, sub=f"{role.value}:{scope}", role=role, scope=Scope(**scope), ttl=timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {value}"}


def new_number(kind: int = 1) -> str:
    """A fresh, valid application number."""
    body = f"2020{kind}{random.randrange(10**7):07d}"  # filed 2020, as patent_body says
    return f"{body}.{application_check_digit(body)}"


INSTITUTIONS = {
    INSTITUTION_A: {
        "credit_code": INSTITUTION_A,
        "name": "示范理工大学",
        "kind": "university",
        "province": "110000",
        "ministry": "MoE",
        "pilot": True,
    },
    INSTITUTION_B: {"credit_code": INSTITUTION_B, "name": "湖南示范大学", "kind": "university", "province": "430000"},
}


def register_institutions(url: str) -> None:
    """Register the test institutions (again is fine: the same key replays)."""
    for code, body in INSTITUTIONS.items():
        headers = {**token(Role.NATIONAL_ADMIN), "Idempotency-Key": f"register-{code}"}
        response = httpx.post(f"{url}/institutions", json=body, headers=headers, timeout=15)
        assert response.status_code in (201, 409), response.text


def patent_body(number: str, institution: str = INSTITUTION_A, **extra: Any) -> dict[str, Any]:
    """A valid record of a stock patent."""
    return {
        "application_number": number,
        "title": "一种专利文本分类方法",
        "abstract": "摘要",
        "ipc_main": "G06F 16/35",
        "ipc_secondary": ["G06N 3/08"],
        "filing_date": "2020-05-06",
        "grant_date": "2021-09-10",
        "owner_credit_code": institution,
        "inventors": ["王五"],
        "state_funded": False,
        "source": "institution_upload",
        **extra,
    }


@pytest.fixture(scope="session")
def databases(run_id: str) -> dict[str, str]:
    """One database per service for this run."""
    return {name: f"e2e_{run_id}_{name}" for name in ("inventory", "evaluation", "matching", "projection")}


def _running(name: str, env: dict[str, str], databases: dict[str, str], logs: Path) -> Iterator[ServiceUnderTest]:
    own = {"PATENTFLOW_MONGODB_DATABASE": databases[name]}
    if name == "projection":  # its query engine's files, next to the logs of this run
        own["PATENTFLOW_ENGINE_DIR"] = str(logs.parent / f"engine-{databases[name]}")
        own["PATENTFLOW_READ_RATE_PER_SECOND"] = "100000"  # tests poll hard; rate limits have tests of their own
    service = ServiceUnderTest(name, {**env, **own}, logs).start()
    if name == "inventory":
        register_institutions(service.url)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def inventory(service_env: dict[str, str], databases: dict[str, str], logs_dir: Path) -> Iterator[ServiceUnderTest]:
    yield from _running("inventory", service_env, databases, logs_dir)


@pytest.fixture(scope="session")
def evaluation(service_env: dict[str, str], databases: dict[str, str], logs_dir: Path) -> Iterator[ServiceUnderTest]:
    yield from _running("evaluation", service_env, databases, logs_dir)


@pytest.fixture(scope="session")
def matching(service_env: dict[str, str], databases: dict[str, str], logs_dir: Path) -> Iterator[ServiceUnderTest]:
    yield from _running("matching", service_env, databases, logs_dir)


@pytest.fixture(scope="session")
def projection(service_env: dict[str, str], databases: dict[str, str], logs_dir: Path) -> Iterator[ServiceUnderTest]:
    yield from _running("projection", service_env, databases, logs_dir)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


@pytest.fixture(scope="session")
async def mongo(infrastructure: Infrastructure) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infrastructure.mongodb_url, tz_aware=True)
    yield client
    await client.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """An end-to-end test is never skipped here: a skip becomes a failure that says why."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and item.get_closest_marker("e2e") is not None:
        report.outcome = "failed"
        report.longrepr = f"e2e test {item.nodeid} was skipped; end-to-end tests must run: {report.longrepr}"


@pytest.fixture
async def producer(infrastructure: Infrastructure) -> AsyncIterator[AIOKafkaProducer]:
    """The inventory service's bulk producer (``kit.kafka.make_producer``), the domain topics created."""
    settings = ServiceSettings(
        service_name="inventory",
        kafka_bootstrap_servers=infrastructure.kafka_bootstrap,
        mongodb_url=infrastructure.mongodb_url,
        auth_secret=TEST_SECRET,
    )
    await ensure_topics(settings, topics.CATALOGUE)
    started = make_producer(settings)
    await started.start()
    yield started
    await started.stop()
