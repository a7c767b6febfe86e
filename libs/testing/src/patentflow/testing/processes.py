"""Services as real processes for end-to-end tests: start, wait until ready, kill hard or stop gently."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from patentflow.localinfra.processes import free_port


@dataclass
class ServiceUnderTest:
    """One service process with its own port, environment and log file."""

    name: str
    env: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, **extra_env: str) -> ServiceUnderTest:
        """Start and wait for ``/health/ready``; fail with the end of its log."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{self.name}-{self.port}.log").open("ab")
        env = {**os.environ, **self.env, **extra_env, "PATENTFLOW_HTTP_PORT": str(self.port)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"patentflow.{self.name}"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait, as an operator would stop it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        path = self.log_dir / f"{self.name}-{self.port}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
