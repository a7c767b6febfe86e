"""Where the local infrastructure is installed and keeps its data, and on which ports it listens."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KAFKA_VERSION = "4.1.1"
FERRETDB_VERSION = "1.24.0"
# Bumped when our build of FerretDB changes (see ferretdb.py), so an older build in the cache is not reused.
FERRETDB_BUILD = "idfix1-lazylog"


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"{name}={value!r} is not a port number")
    return int(value)


@dataclass(frozen=True, slots=True)
class InfraConfig:
    """Install cache (shared, outside the repo), one data directory, and ports."""

    cache_dir: Path
    data_dir: Path
    kafka_port: int = 9092
    controller_port: int = 9093
    mongo_port: int = 27017
    host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> InfraConfig:
        """Read ``PATENTFLOW_CACHE_DIR``, ``PATENTFLOW_DATA_DIR`` and the ``PATENTFLOW_*_PORT`` variables."""
        cache = Path(
            os.environ.get("PATENTFLOW_CACHE_DIR")
            or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "patentflow"
        )
        data = data_dir or Path(os.environ.get("PATENTFLOW_DATA_DIR") or ".data")
        return cls(
            cache_dir=cache.expanduser().resolve(),
            data_dir=data.expanduser().resolve(),
            kafka_port=_port("PATENTFLOW_KAFKA_PORT", 9092),
            controller_port=_port("PATENTFLOW_KAFKA_CONTROLLER_PORT", 9093),
            mongo_port=_port("PATENTFLOW_MONGO_PORT", 27017),
        )

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap servers for clients."""
        return f"{self.host}:{self.kafka_port}"

    @property
    def mongodb_url(self) -> str:
        """Connection string for clients."""
        return f"mongodb://{self.host}:{self.mongo_port}/"

    @property
    def kafka_home(self) -> Path:
        """Installed Kafka jars."""
        return self.cache_dir / f"kafka-{KAFKA_VERSION}"

    @property
    def ferretdb_binary(self) -> Path:
        """Built FerretDB runner."""
        return self.cache_dir / f"ferretdb-{FERRETDB_VERSION}-{FERRETDB_BUILD}" / "ferretdb-local"
