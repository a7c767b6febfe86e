"""FerretDB 1.x with its SQLite backend: a MongoDB-wire-compatible server built with Go from the module proxy."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pymongo import MongoClient

from patentflow.localinfra.config import FERRETDB_VERSION, InfraConfig
from patentflow.localinfra.kafka import ASSETS
from patentflow.localinfra.processes import InfraError, ManagedProcess, port_in_use, run_checked, wait_until


def installed(cfg: InfraConfig) -> bool:
    """Whether the server is built in the cache."""
    return cfg.ferretdb_binary.exists()


# FerretDB 1.24's SQLite backend indexes ``_id`` as ``_ferretdb_sjson->"_id"`` but looks documents up by
# ``_ferretdb_sjson->'$._id'``; SQLite matches index expressions by their text, so every find, update and delete
# by _id scanned the whole table (60 ms at 20 000 documents, growing linearly). One line makes the lookup use the
# index's own expression; the installer applies it to a copy of the module in the cache.
_ID_LOOKUP = ("IDColumn = DefaultColumn + \"->'$._id'\"", 'IDColumn = DefaultColumn + "->\\"_id\\""')
_ID_LOOKUP_FILE = Path("internal/backends/sqlite/metadata/metadata.go")


def install(cfg: InfraConfig) -> None:
    """Build our ten-line runner around FerretDB's embeddable package (once).

    ``go install`` of FerretDB's own command does not work from the module proxy (its version file is generated
    at release time), so the pinned ``go.mod``/``go.sum`` in ``assets/ferretdb`` build the embeddable package.
    """
    if installed(cfg):
        return
    if shutil.which("go") is None:
        raise InfraError("go not found: FerretDB is built with Go 1.22+ (or use docker compose)")
    home = cfg.ferretdb_binary.parent
    src = home / "src"
    src.mkdir(parents=True, exist_ok=True)
    for name in ("go.mod", "go.sum", "main.go"):
        (src / name).write_text((ASSETS / "ferretdb" / name).read_text())
    env = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    module = f"github.com/FerretDB/FerretDB@v{FERRETDB_VERSION}"
    downloaded = run_checked(["go", "mod", "download", "-json", module], cwd=src, what="downloading FerretDB", env=env)
    patched = home / "module"
    shutil.rmtree(patched, ignore_errors=True)
    shutil.copytree(json.loads(downloaded)["Dir"], patched)
    target = patched / _ID_LOOKUP_FILE
    text = target.read_text()
    if _ID_LOOKUP[0] not in text:
        raise InfraError(f"FerretDB {FERRETDB_VERSION} no longer has the _id lookup this installer fixes ({target})")
    target.chmod(0o644)
    target.write_text(text.replace(_ID_LOOKUP[0], _ID_LOOKUP[1]))
    with (src / "go.mod").open("a") as go_mod:
        go_mod.write(f"\nreplace github.com/FerretDB/FerretDB => {patched}\n")
    run_checked(["go", "build", "-o", str(cfg.ferretdb_binary), "."], cwd=src, what="building FerretDB", env=env)


# Go's collector at its default (100) took a tenth of the server's CPU in bulk inserts and, on two cores, competed
# with the clients for the second one. 400 lets the heap grow to five times the live data between collections
# (the server stays around 200 MB); inserts measured 10-15 % faster. An operator's GOGC wins.
GOGC = "400"


def _process(cfg: InfraConfig) -> ManagedProcess:
    return ManagedProcess("ferretdb", cfg.data_dir / "run")


def start(cfg: InfraConfig) -> None:
    """Start the server on the data directory and wait until it answers ``ping``."""
    proc = _process(cfg)
    if proc.pid() is None:
        if port_in_use(cfg.host, cfg.mongo_port):
            raise InfraError(
                f"port {cfg.mongo_port} is already in use by another process; stop it or set PATENTFLOW_MONGO_PORT"
            )
        data = cfg.data_dir / "ferretdb"
        data.mkdir(parents=True, exist_ok=True)
        proc.start(
            [str(cfg.ferretdb_binary), "-listen", f"{cfg.host}:{cfg.mongo_port}", "-sqlite-dir", str(data)],
            env={"GOGC": os.environ.get("GOGC", GOGC)},
        )
    wait_until(lambda: healthy(cfg), timeout=30, what="FerretDB", process=proc)


def healthy(cfg: InfraConfig) -> bool:
    """The server answers ``ping``."""
    client: MongoClient[dict[str, object]] = MongoClient(cfg.mongodb_url, serverSelectionTimeoutMS=1500)
    try:
        return bool(client.admin.command("ping").get("ok"))
    except Exception:
        return False
    finally:
        client.close()


def stop(cfg: InfraConfig) -> bool:
    """Stop the server."""
    return _process(cfg).stop(timeout=10)


def running(cfg: InfraConfig) -> int | None:
    """Pid of our server, if it runs."""
    return _process(cfg).pid()
