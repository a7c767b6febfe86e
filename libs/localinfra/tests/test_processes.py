"""Process management of the local infrastructure: pid files, stale processes, ports, start-up failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from patentflow.localinfra import ferretdb, kafka
from patentflow.localinfra.config import InfraConfig
from patentflow.localinfra.processes import InfraError, ManagedProcess, free_port, port_in_use, wait_until


@pytest.fixture
def cfg(tmp_path: Path) -> InfraConfig:
    return InfraConfig(
        cache_dir=tmp_path / "cache",
        data_dir=tmp_path / "data",
        kafka_port=free_port(),
        controller_port=free_port(),
        mongo_port=free_port(),
    )


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _sleeper(proc: ManagedProcess, seconds: int = 30) -> int:
    # The data directory on the command line is what marks a process as ours.
    return proc.start([sys.executable, "-c", f"import time; time.sleep({seconds})", proc.marker])


def test_started_process_is_known_by_its_pid_file_and_stops(tmp_path: Path) -> None:
    proc = ManagedProcess("sleeper", tmp_path / "run")
    pid = _sleeper(proc)

    assert proc.pid() == pid
    assert proc.stop(timeout=5) is True
    assert proc.pid() is None
    assert not proc.pid_file.exists()


def test_stale_pid_file_of_a_dead_process_is_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    proc = ManagedProcess("kafka", tmp_path / "run")
    proc.run_dir.mkdir(parents=True)
    proc.pid_file.write_text(str(dead.pid))

    assert proc.pid() is None
    assert not proc.pid_file.exists()
    assert proc.stop() is False


def test_pid_file_naming_someone_elses_process_is_not_trusted(tmp_path: Path) -> None:
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        proc = ManagedProcess("ferretdb", tmp_path / "run")
        proc.run_dir.mkdir(parents=True)
        proc.pid_file.write_text(str(stranger.pid))

        assert proc.pid() is None
        assert proc.stop() is False
        assert stranger.poll() is None  # never signalled
    finally:
        stranger.kill()
        stranger.wait()


def test_kafka_refuses_a_port_in_use_with_a_clear_message(cfg: InfraConfig, listening: int) -> None:
    taken = InfraConfig(cfg.cache_dir, cfg.data_dir, kafka_port=listening, controller_port=cfg.controller_port)

    with pytest.raises(InfraError, match=rf"port {listening} is already in use.*PATENTFLOW_KAFKA_PORT"):
        kafka.start(taken)


def test_ferretdb_refuses_a_port_in_use_with_a_clear_message(cfg: InfraConfig, listening: int) -> None:
    taken = InfraConfig(cfg.cache_dir, cfg.data_dir, mongo_port=listening)

    with pytest.raises(InfraError, match=rf"port {listening} is already in use.*PATENTFLOW_MONGO_PORT"):
        ferretdb.start(taken)


def test_port_probe_tells_free_from_taken(listening: int) -> None:
    assert port_in_use("127.0.0.1", listening) is True
    assert port_in_use("127.0.0.1", free_port()) is False


def test_a_server_that_dies_while_starting_fails_fast_with_its_log(tmp_path: Path) -> None:
    proc = ManagedProcess("broken", tmp_path / "run")
    proc.start([sys.executable, "-c", "import sys; print('bad config: no listeners'); sys.exit(3)", proc.marker])

    with pytest.raises(InfraError, match=r"(?s)broken exited while starting.*bad config: no listeners"):
        wait_until(lambda: False, timeout=20, what="broken", process=proc)


def test_a_server_that_never_answers_times_out_with_its_log(tmp_path: Path) -> None:
    proc = ManagedProcess("silent", tmp_path / "run")
    _sleeper(proc)
    try:
        with pytest.raises(InfraError, match=r"silent not ready after 1s"):
            wait_until(lambda: False, timeout=1, what="silent", process=proc)
    finally:
        proc.stop(timeout=5)


def test_bad_port_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATENTFLOW_KAFKA_PORT", "ninety")

    with pytest.raises(SystemExit, match="PATENTFLOW_KAFKA_PORT='ninety' is not a port number"):
        InfraConfig.from_env()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATENTFLOW_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("PATENTFLOW_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("PATENTFLOW_MONGO_PORT", "27999")

    cfg = InfraConfig.from_env()

    assert cfg.data_dir == tmp_path / "d"
    assert cfg.kafka_home.parent == tmp_path / "c"
    assert cfg.mongodb_url == "mongodb://127.0.0.1:27999/"
