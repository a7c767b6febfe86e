"""Background processes with a pid file and a log file in the data directory; stale pid files are cleaned up."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


class InfraError(RuntimeError):
    """Something the operator must fix; the message says what."""


def port_in_use(host: str, port: int) -> bool:
    """Whether something accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests that must not clash with a running platform)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class ManagedProcess:
    """A process this tool started, known by its pid file."""

    name: str
    run_dir: Path

    @property
    def pid_file(self) -> Path:
        """Holds the pid while the process runs."""
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        """Where the process writes stdout and stderr."""
        return self.run_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid of our running process, or None (a stale pid file is removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        # A recycled pid belongs to someone else: only a command line naming our data directory is ours. It is
        # empty for a moment while a launcher (java) re-executes itself; that is still ours.
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid
        if cmdline and self.marker.encode() not in cmdline:
            self.pid_file.unlink(missing_ok=True)
            return None
        return pid

    @property
    def marker(self) -> str:
        """Every command we start names the data directory, which holds ``run_dir``."""
        return str(self.run_dir.parent)

    def start(self, command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
        """Start detached (own session, so Ctrl-C in a terminal reaches it only through ``stop``)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        proc = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
        log.close()
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def stop(self, timeout: float = 20.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout``; True if something was stopped."""
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):  # it may exit on its own right now
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def tail(self, lines: int = 20) -> str:
        """The end of the log, for error messages."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def _alive(pid: int) -> bool:
    """Running and not a zombie (our own exited children are reaped here)."""
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (OSError, IndexError):
        return True
    return state != "Z"


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, process: ManagedProcess) -> None:
    """Poll ``check`` until it holds; fail with the process log if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.pid() is None:
            raise InfraError(
                f"{process.name} exited while starting; its log ({process.log_file}) ends:\n{process.tail()}"
            )
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.5)
    raise InfraError(f"{what} not ready after {timeout:.0f}s; log {process.log_file} ends:\n{process.tail()}")


def run_checked(command: Sequence[str], *, cwd: Path, what: str, env: dict[str, str] | None = None) -> str:
    """Run an install step and return its standard output; on failure raise with its output."""
    result = subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-30:]
        raise InfraError(f"{what} failed ({' '.join(command)}):\n" + "\n".join(output))
    return result.stdout
