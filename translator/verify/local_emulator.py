"""``translator verify --against-emulator``: a temporary ``emulator serve`` (the same package's
other command) on a free loopback port with its own database in a temporary directory, stopped
when the run ends, and sent SIGTERM by the kernel should the verify process die first.

The translator never imports the emulator: it starts it as a child process, as a user would.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import requests

_READY = re.compile(r"ready on (http://\S+)")
_PR_SET_PDEATHSIG = 1


class EmulatorError(RuntimeError):
    """The temporary emulator did not start."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Not Linux: no prctl, and the run's `finally` alone stops the server.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class TemporaryEmulator:
    """``with TemporaryEmulator(directory) as url: ...``"""

    def __init__(self, directory: Path, timeout: float = 120.0) -> None:
        self.command = [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(directory / "emulator.db"),
            # As the contract suite runs it: a group right after its user's identify finds
            # the contact (search lag is Intercom's, checked by the emulator's own tests).
            "--search-lag-seconds",
            "0",
        ]
        self.timeout = timeout
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        try:
            url = self._ready_url()
            self._wait_healthy(url)
        except BaseException:
            self.stop()
            raise
        # Keep reading its output so a chatty server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        return url

    def _ready_url(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        watchdog = threading.Timer(self.timeout, self._kill)
        watchdog.start()
        try:
            for line in self.process.stdout:
                self.output.append(line)
                if match := _READY.search(line):
                    return match.group(1)
        finally:
            watchdog.cancel()
        last = self.output[-1].strip() if self.output else "no output"
        raise EmulatorError(f"the temporary emulator did not start: {last}")

    def _wait_healthy(self, url: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/_emulator/health", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise EmulatorError(f"the temporary emulator at {url} never answered its health check")

    def _drain(self) -> None:
        process = self.process
        if process is not None and process.stdout is not None:
            for _ in process.stdout:
                pass

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Ctrl-C the server and wait for it (SIGKILL after 30 s)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self._kill()
                self.process.wait()
        self.process = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
