"""bench/servers.py waits for a server that answers slowly while it starts (issue 18): a read
timeout is retried until the deadline, not a crash."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.servers import wait_until_answering


class _SlowFirst(BaseHTTPRequestHandler):
    """Holds the first request past the 2 s read timeout; answers the next at once."""

    calls = 0
    release = threading.Event()

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            type(self).release.wait(timeout=30)  # until the test is over
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowFirst)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        _SlowFirst.release.set()
        server.shutdown()
        server.server_close()


def test_a_read_timeout_is_retried_until_the_server_answers(slow_server: str) -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        wait_until_answering(slow_server, alive, timeout=30)  # raised ReadTimeout before
    finally:
        alive.kill()
        alive.wait()
    assert _SlowFirst.calls >= 2
