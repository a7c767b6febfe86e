"""pytest fixtures: ``infrastructure`` (session), ``service_env`` and ``unique`` ids; load with ``pytest_plugins``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from patentflow.testing.infrastructure import Infrastructure, provide

TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def infrastructure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infrastructure]:
    """Real Kafka and a MongoDB-compatible store for the whole run."""
    with provide(tmp_path_factory.mktemp("infrastructure")) as found:
        print(f"\ninfrastructure: kafka {found.kafka_bootstrap}, mongodb {found.mongodb_url} via {found.provider}")
        yield found


@pytest.fixture(scope="session")
def run_id() -> str:
    """Distinguishes this run's databases and groups from any earlier run against the same servers."""
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def service_env(infrastructure: Infrastructure, run_id: str) -> dict[str, str]:
    """Environment for services under test; each service gets a database of its own for this run."""
    return {
        "PATENTFLOW_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
        "PATENTFLOW_MONGODB_URL": infrastructure.mongodb_url,
        "PATENTFLOW_AUTH_SECRET": TEST_SECRET,
        "PATENTFLOW_ENVIRONMENT": "test",
        "PATENTFLOW_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def unique() -> str:
    """A fresh id fragment, so tests never depend on each other."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where service processes under test write their logs."""
    return tmp_path_factory.mktemp("service-logs")
