"""Bad input through a real `emulator serve`: what the HTTP server answers itself, and what
reaches us.

granian (the default server) refuses some requests before the app sees them, with an empty body
and the connection closed (not Intercom's `error.list`: the app never saw them): a request line
or headers past 64 KiB (MAX_HEAD_BYTES) are 431, more than 100 headers is 431, a request that is
not HTTP/1.x is 400. Those answers are sane (4xx, the connection closed) and leave the server
healthy and the store unchanged; docs/benchmarks.md lists them. Everything else reaches the app
and is answered as Intercom would.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.limits import MAX_BODY_BYTES
from emulator.server import MAX_HEAD_BYTES
from emulator.testing import EmulatorProcess
from tests.reliability.raw_http import send_raw
from tests.reliability.store_state import snapshot

TOKEN = "served-bad-input"
_HEADERS = (
    f"Host: localhost\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/json\r\n"
).encode()
_CLOSE = b"Connection: close\r\n\r\n"
_JSON = b"Content-Type: application/json\r\n"


def _post(body: bytes) -> bytes:
    length = b"Content-Length: %d\r\n" % len(body)
    return b"POST /contacts HTTP/1.1\r\n" + _HEADERS + _JSON + length + _CLOSE + body


# (label, raw request, status, whether the app (not the HTTP server) answers, with error.list)
RAW_REQUESTS: list[tuple[str, bytes, int, bool]] = [
    (
        "a request line past MAX_HEAD_BYTES",
        b"GET /contacts?x=" + b"a" * MAX_HEAD_BYTES + b" HTTP/1.1\r\n" + _HEADERS + _CLOSE,
        431,
        False,
    ),
    (
        "a header past MAX_HEAD_BYTES",
        b"GET /me HTTP/1.1\r\n" + _HEADERS + b"X-Big: " + b"a" * MAX_HEAD_BYTES + b"\r\n" + _CLOSE,
        431,
        False,
    ),
    (
        "150 headers",
        b"GET /me HTTP/1.1\r\n"
        + _HEADERS
        + b"".join(b"X-%d: 1\r\n" % i for i in range(150))
        + _CLOSE,
        431,
        False,
    ),
    ("bytes that are not HTTP", b"\x00\x01\x02 garbage\r\n\r\n", 400, False),
    ("HTTP/0.9", b"GET /me\r\n\r\n", 400, False),
    ("an invalid method token", b"G@T /me HTTP/1.1\r\n" + _HEADERS + _CLOSE, 400, False),
    (
        "a Content-Length that is not a number",
        b"POST /contacts HTTP/1.1\r\n"
        + _HEADERS
        + _JSON
        + b"Content-Length: abc\r\n"
        + _CLOSE
        + b"{}",
        400,
        False,
    ),
    (
        "a body past MAX_BODY_BYTES",
        b"POST /contacts HTTP/1.1\r\n"
        + _HEADERS
        + _JSON
        + b"Content-Length: %d\r\n" % (MAX_BODY_BYTES + 1)
        # The declared length is refused before any of the body is read; sending none keeps
        # the server's close clean (unread bytes would make it reset the connection, which can
        # discard its answer before the client reads it).
        + _CLOSE,
        413,
        True,
    ),
    ("malformed JSON", _post(b'{"email":'), 400, True),
    ("invalid UTF-8", _post(b'{"email":"\xff\xfe"}'), 400, True),
]


def stop_and_read_log(server: EmulatorProcess) -> str:
    """Ctrl-C the server and return everything it printed."""
    assert server.process is not None and server.process.stdout is not None
    server.process.send_signal(signal.SIGINT)
    log = server.process.stdout.read()
    server.stop()
    return log


@pytest.fixture
def served(tmp_path: Path) -> Any:
    server = EmulatorProcess(tmp_path / "served.db").start()
    requests.post(
        f"{server.url}/contacts",
        json={"email": "kept@example.com"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    ).raise_for_status()
    yield server, tmp_path / "served.db"
    server.stop()


def test_requests_refused_before_or_by_the_app_leave_everything_as_it_was(served: Any) -> None:
    server, db_path = served
    before = snapshot(db_path)
    for label, raw, status, by_app in RAW_REQUESTS:
        answered, headers, body = send_raw(server.url, raw)
        assert answered == status, f"{label}: {answered} {body[:200]!r}"
        if by_app:
            assert json.loads(body)["type"] == "error.list", label
        else:  # the server's own refusal: no page of its own, the connection closed
            assert {k.lower(): v for k, v in headers.items()}["connection"] == "close", label
            assert body == b"", label
    assert requests.get(f"{server.url}/_emulator/health", timeout=10).status_code == 200
    assert snapshot(db_path) == before
    log = stop_and_read_log(server)
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]


def test_a_malformed_chunked_body_is_a_400(served: Any) -> None:
    server, _ = served
    raw = (
        b"POST /contacts HTTP/1.1\r\n"
        + _HEADERS
        + _JSON
        + b"Transfer-Encoding: chunked\r\n"
        + _CLOSE
        + b"ZZ\r\n{}\r\n0\r\n\r\n"
    )
    status, _, body = send_raw(server.url, raw)
    assert status == 400, body[:300]
    assert json.loads(body)["type"] == "error.list"
