"""Apache Kafka 4.x, single node in KRaft mode, assembled from Maven Central and run with the machine's Java."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import uuid
from importlib.resources import files
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from patentflow.localinfra.config import KAFKA_VERSION, InfraConfig
from patentflow.localinfra.processes import InfraError, ManagedProcess, port_in_use, run_checked, wait_until

ASSETS = files("patentflow.localinfra") / "assets"


def installed(cfg: InfraConfig) -> bool:
    """Whether the jars are in the cache."""
    return (cfg.kafka_home / ".installed").exists()


def install(cfg: InfraConfig) -> None:
    """Fetch Kafka's jars with Maven into the cache (once; a second call does nothing)."""
    if installed(cfg):
        return
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise InfraError(f"{tool} not found: Kafka needs Java 17+ and Maven (or use docker compose)")
    home = cfg.kafka_home
    home.mkdir(parents=True, exist_ok=True)
    pom = (ASSETS / "kafka-pom.xml").read_text().replace("@KAFKA_VERSION@", KAFKA_VERSION)
    (home / "pom.xml").write_text(pom)
    run_checked(
        ["mvn", "-q", "-B", "dependency:copy-dependencies", "-DoutputDirectory=lib", "-DincludeScope=runtime"],
        cwd=home,
        what="downloading Kafka from Maven Central",
    )
    (home / "log4j2.properties").write_text((ASSETS / "log4j2.properties").read_text())
    (home / ".installed").write_text(KAFKA_VERSION)


def _process(cfg: InfraConfig) -> ManagedProcess:
    return ManagedProcess("kafka", cfg.data_dir / "run")


def _properties(cfg: InfraConfig, log_dir: Path) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers={cfg.host}:{cfg.controller_port}",
            f"listeners=PLAINTEXT://{cfg.host}:{cfg.kafka_port},CONTROLLER://{cfg.host}:{cfg.controller_port}",
            f"advertised.listeners=PLAINTEXT://{cfg.host}:{cfg.kafka_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={log_dir}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Topics come from the catalogue with their settings; a typo must not create one.
            "auto.create.topics.enable=false",
            "",
        ]
    )


def _java_command(cfg: InfraConfig, main: str, *args: str) -> list[str]:
    home = cfg.kafka_home
    return [
        "java",
        "-Xms256m",
        "-Xmx768m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={cfg.data_dir / 'kafka' / 'logs'}",
        "-cp",
        f"{home / 'lib'}/*",
        main,
        *args,
    ]


def start(cfg: InfraConfig) -> None:
    """Format the storage once, start the broker, and wait until it answers."""
    proc = _process(cfg)
    if proc.pid() is not None:
        wait_until(lambda: healthy(cfg), timeout=60, what="Kafka", process=proc)
        return
    for port in (cfg.kafka_port, cfg.controller_port):
        if port_in_use(cfg.host, port):
            raise InfraError(
                f"port {port} is already in use by another process; stop it or set "
                "PATENTFLOW_KAFKA_PORT / PATENTFLOW_KAFKA_CONTROLLER_PORT"
            )
    root = cfg.data_dir / "kafka"
    log_dir = root / "data"
    (root / "logs").mkdir(parents=True, exist_ok=True)
    props = root / "server.properties"
    props.write_text(_properties(cfg, log_dir))
    marker = root / "formatted.json"
    if marker.exists():
        formatted = json.loads(marker.read_text())
        if formatted.get("controller_port") != cfg.controller_port:
            raise InfraError(
                f"the Kafka data in {root} was formatted for controller port {formatted.get('controller_port')};"
                " use that port or another PATENTFLOW_DATA_DIR"
            )
    else:
        cluster = str(uuid.uuid4())[:22].replace("-", "A")
        run_checked(
            _java_command(
                cfg,
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                cluster,
                "-c",
                str(props),
                "--ignore-formatted",
            ),
            cwd=root,
            what="formatting Kafka storage",
        )
        marker.write_text(json.dumps({"cluster": cluster, "controller_port": cfg.controller_port}))
    proc.start(_java_command(cfg, "kafka.Kafka", str(props)), cwd=root)
    wait_until(lambda: healthy(cfg), timeout=90, what="Kafka", process=proc)


def healthy(cfg: InfraConfig) -> bool:
    """The broker answers a metadata request."""
    return asyncio.run(_metadata(cfg.kafka_bootstrap))


async def _metadata(bootstrap: str) -> bool:
    # Refused connections are expected while the broker starts; aiokafka would log each one as an error.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await asyncio.wait_for(admin.start(), 5)
        await asyncio.wait_for(admin.describe_cluster(), 5)
        return True
    except Exception:
        return False
    finally:
        await admin.close()


def stop(cfg: InfraConfig) -> bool:
    """Stop the broker (a controlled shutdown can take a few seconds)."""
    return _process(cfg).stop(timeout=30)


def running(cfg: InfraConfig) -> int | None:
    """Pid of our broker, if it runs."""
    return _process(cfg).pid()
