"""Both servers together: install, start, check and stop Kafka and FerretDB as one unit."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from patentflow.localinfra import ferretdb, kafka
from patentflow.localinfra.config import InfraConfig


def install(cfg: InfraConfig, say: Callable[[str], object] = print) -> None:
    """Install whatever is not in the cache yet."""
    if not kafka.installed(cfg):
        say(f"installing Apache Kafka into {cfg.kafka_home} (Maven Central, once) ...")
        kafka.install(cfg)
    if not ferretdb.installed(cfg):
        say(f"building FerretDB into {cfg.ferretdb_binary.parent} (Go module proxy, once) ...")
        ferretdb.install(cfg)


def start(cfg: InfraConfig, say: Callable[[str], object] = print) -> None:
    """Install if needed, then start both servers and wait until they answer."""
    install(cfg, say)
    say(f"starting FerretDB on {cfg.mongodb_url} ...")
    ferretdb.start(cfg)
    say(f"starting Kafka on {cfg.kafka_bootstrap} ...")
    kafka.start(cfg)


def stop(cfg: InfraConfig) -> list[str]:
    """Stop both servers; names what was stopped."""
    stopped = []
    if kafka.stop(cfg):
        stopped.append("kafka")
    if ferretdb.stop(cfg):
        stopped.append("ferretdb")
    return stopped


def status(cfg: InfraConfig) -> dict[str, str]:
    """Running state and health of each server."""
    out = {}
    for name, module in (("kafka", kafka), ("ferretdb", ferretdb)):
        pid = module.running(cfg)
        if pid is None:
            out[name] = "stopped"
        else:
            out[name] = f"running (pid {pid}), {'healthy' if module.healthy(cfg) else 'not answering'}"
    return out


def auth_secret(cfg: InfraConfig) -> str:
    """The services' token secret: ``PATENTFLOW_AUTH_SECRET``, else a development secret kept in the data dir."""
    if secret := os.environ.get("PATENTFLOW_AUTH_SECRET"):
        return secret
    path = cfg.data_dir / "auth-secret"
    if not path.exists():
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(f"dev-only-{secrets.token_hex(24)}")
        path.chmod(0o600)
    return path.read_text().strip()


def service_env(cfg: InfraConfig) -> dict[str, str]:
    """Environment that points a service at this infrastructure."""
    return {
        "PATENTFLOW_KAFKA_BOOTSTRAP_SERVERS": cfg.kafka_bootstrap,
        "PATENTFLOW_MONGODB_URL": cfg.mongodb_url,
        "PATENTFLOW_AUTH_SECRET": auth_secret(cfg),
        "PATENTFLOW_ENGINE_DIR": str(cfg.data_dir / "projection"),
    }
