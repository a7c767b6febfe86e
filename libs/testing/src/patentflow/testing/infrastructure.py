"""Kafka and a MongoDB-compatible store for tests: from the environment, else testcontainers, else local processes.

Order (README.md, "Commands"): ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URL`` when both are set; else
containers when a Docker engine answers; else the local infrastructure (``patentflow.localinfra``) started on free
ports in a throw-away data directory, so a running ``make run`` is never disturbed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from patentflow.localinfra import ferretdb, infra, kafka
from patentflow.localinfra.config import InfraConfig
from patentflow.localinfra.processes import free_port


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """Where the tests' broker and store are, and who provided them."""

    kafka_bootstrap: str
    mongodb_url: str
    provider: str
    store_pid: int | None = None  # the store's process, when it is a local one (benchmarks read its CPU)
    broker_pid: int | None = None  # the broker's, likewise


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU a local process has used so far (0 when there is none, as for a container)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def docker_engine_answers() -> bool:
    """Whether a Docker engine (not just the client) is reachable."""
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def provide(data_root: Path) -> Iterator[Infrastructure]:
    """Yield running infrastructure and take down whatever this call started."""
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URL")
    if kafka and mongo:
        yield Infrastructure(kafka, mongo, "environment")
    elif docker_engine_answers():
        with _containers() as found:
            yield found
    else:
        with _local_processes(data_root) as found:
            yield found


@contextmanager
def _containers() -> Iterator[Infrastructure]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    with KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as kafka, MongoDbContainer("mongo:7") as mongo:
        yield Infrastructure(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


@contextmanager
def _local_processes(data_root: Path) -> Iterator[Infrastructure]:
    base = InfraConfig.from_env()
    cfg = InfraConfig(
        cache_dir=base.cache_dir,
        data_dir=data_root / "infra",
        kafka_port=free_port(),
        controller_port=free_port(),
        mongo_port=free_port(),
    )
    infra.start(cfg)
    try:
        yield Infrastructure(
            cfg.kafka_bootstrap,
            cfg.mongodb_url,
            f"local processes ({cfg.data_dir})",
            ferretdb.running(cfg),
            kafka.running(cfg),
        )
    finally:
        infra.stop(cfg)
