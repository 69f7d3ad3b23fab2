"""A local receiver of webhook notifications, for tests (the `intercom_webhooks` fixture of
emulator.pytest_plugin): an HTTP server on 127.0.0.1 that collects what the emulator sends and
checks each `X-Hub-Signature` against its secret.

    with WebhookReceiver() as receiver:
        receiver.subscribe(workspace, "contact.user.created")
        workspace.post("/contacts", json={"email": "ada@example.com"})
        event = receiver.wait_for("contact.user.created", timeout=10)

`fail_next(2)` answers the next two notifications with 500, as a receiver that is down would.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Received:
    """One request the receiver got: the notification, whether its signature was right, and
    the status it was answered with."""

    body: dict[str, Any]
    raw: bytes
    signature: str | None
    signature_valid: bool
    status: int
    headers: dict[str, str]

    @property
    def topic(self) -> str:
        return str(self.body.get("topic"))


class WebhookReceiver:
    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret or secrets.token_hex(16)
        self.received: list[Received] = []
        self._failures: list[int] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._receive(self, raw)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks"

    def expected_signature(self, raw: bytes) -> str:
        return "sha1=" + hmac.new(self.secret.encode(), raw, hashlib.sha1).hexdigest()

    def _receive(self, handler: http.server.BaseHTTPRequestHandler, raw: bytes) -> None:
        signature = handler.headers.get("X-Hub-Signature")
        valid = signature is not None and hmac.compare_digest(
            signature, self.expected_signature(raw)
        )
        with self._changed:
            status = self._failures.pop(0) if self._failures else 200
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            headers = {key: value for key, value in handler.headers.items()}
            self.received.append(Received(body, raw, signature, valid, status, headers))
            self._changed.notify_all()
        handler.send_response(status)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok" if status < 300 else b"no")

    def fail_next(self, times: int, status: int = 500) -> None:
        """Answer the next `times` notifications with `status`."""
        with self._changed:
            self._failures.extend([status] * times)

    def subscribe(self, workspace: Any, *topics: str) -> dict[str, Any]:
        """Subscribe this receiver to `topics` for `workspace` (an IntercomWorkspace of the
        pytest plugin), signed with this receiver's secret."""
        body = {"url": self.url, "topics": list(topics), "secret": self.secret}
        found: dict[str, Any] = workspace.control("POST", "webhooks", json=body)
        return found

    def delivered(self) -> list[Received]:
        """The notifications answered with 2xx, in the order they came."""
        with self._changed:
            return [r for r in self.received if 200 <= r.status < 300]

    def topics(self) -> list[str]:
        return [r.topic for r in self.delivered()]

    def wait_for(self, topic: str, timeout: float = 10.0, count: int = 1) -> dict[str, Any]:
        """The `count`-th notification of `topic` answered with 2xx, once it has come; an
        AssertionError when it has not within `timeout` seconds, or when its signature was
        wrong."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.received if r.topic == topic and r.status < 300]
                if len(found) >= count:
                    chosen = found[count - 1]
                    assert chosen.signature_valid, f"bad X-Hub-Signature on {topic}"
                    return chosen.body
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [r.topic for r in self.received]
                    raise AssertionError(f"no {topic} notification in {timeout}s; got {seen}")
                self._changed.wait(left)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
