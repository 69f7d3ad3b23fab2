"""Run a real `emulator serve` in a child process, for tests and benchmarks.

The server binds a free loopback port, and `stop()` (or leaving the `with` block) ends it with
SIGINT, as Ctrl-C would; a server whose test forgets it still dies with the interpreter.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

_READY = re.compile(r"ready on (http://\S+)")


class EmulatorProcess:
    """`emulator serve --port 0` on a database file; `.url` once started."""

    def __init__(self, db: str | Path = ":memory:", *extra_args: str, workers: int = 2) -> None:
        self.db = str(db)
        self.extra_args = list(extra_args)
        self.workers = workers
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 20.0) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            self.db,
            "--workers",
            str(self.workers),
            *self.extra_args,
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # its own process group, so kill() takes the workers too
        )
        atexit.register(self.kill)
        self.url = self._read_url(timeout)
        self._wait_healthy(timeout)
        return self

    def _read_url(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = _READY.search(line)
            if match:
                return match.group(1)
        self.kill()
        raise RuntimeError("emulator serve did not start:\n" + "".join(seen))

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/_emulator/health", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # a busy machine: ask again
                pass
            time.sleep(0.05)
        raise RuntimeError(f"emulator at {self.url} never answered its health check")

    def stop(self, timeout: float = 10.0) -> int:
        """Ctrl-C the server and wait for it; returns its exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None
        return code

    def kill(self) -> None:
        """SIGKILL the server and its workers, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the master and its workers
            self.process.wait()

    def restart(self) -> EmulatorProcess:
        self.stop()
        return self.start()

    def session(self, token: str, version: str | None = None) -> requests.Session:
        """A requests session that speaks as `token` to this server."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        session.headers["Accept"] = "application/json"
        if version:
            session.headers["Intercom-Version"] = version
        return session

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException], BaseException, TracebackType] | Any
    ) -> None:
        self.stop()
