"""``translator serve``: an HTTP endpoint that speaks Segment's tracking API, so analytics SDKs can
send to it unchanged, and delivers what it receives to Intercom in the background.

Routes: ``POST /v1/identify``, ``/v1/track``, ``/v1/group``, ``/v1/page``, ``/v1/screen``,
``/v1/alias`` (one message; the path sets its ``type``), ``POST /v1/batch`` (and ``/v1/import``,
Segment's other name for it: ``{"batch": [...], "context", "integrations"}``, the batch's context
and integrations merged under each message's own), ``GET /health``. The write key is the HTTP
basic-auth user name (or ``writeKey`` in the body, as Segment also accepts); with ``write_keys``
set, any other key is refused with 401. Bodies may be gzip-encoded (``Content-Encoding: gzip``).

A request is answered 200 ``{"success": true}`` only once its events are committed to the state
file (SQLite, ``synchronous=FULL``); the delivery threads then send them, in order per user.
``receivedAt`` is set on each message that has none: it dates events without a timestamp.

Messages are checked one by one. As Segment's tracking API answers 200 to every request but a
body that is not JSON or too large (its HTTP API documentation, "Errors"), a message that cannot
be an event (not an object, or text that is not valid Unicode such as a lone surrogate) does not
fail the others: the good ones are queued, and the bad ones are listed in the answer
(``"rejected": [{"index", "code", "message"}]``) and dead-lettered, so every message is
accounted for.

Server: waitress, a pure-Python threaded WSGI server, in this one process. The queue and the
delivery threads must live beside the request threads, which rules out gunicorn's forked workers;
waitress stops cleanly from a flag (``TranslatorServer.stop``), which werkzeug's development
server is not meant for in production.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
import zlib
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from waitress import wasyncore
from waitress.server import create_server
from werkzeug.exceptions import HTTPException

from translator.core.calls import Reason
from translator.delivery.lines import Line, escaped, parsed_line
from translator.delivery.pipeline import Delivery

SINGLE_TYPES = ("identify", "track", "group", "page", "screen", "alias")
# Segment's limits: 32 KB a message, 500 KB a batch request (its HTTP API documentation).
MAX_BODY_BYTES = 512 * 1024


class BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def create_app(delivery: Delivery, write_keys: frozenset[str] | None = None) -> Flask:
    """The Segment-compatible app queueing into ``delivery``; ``write_keys`` None accepts any."""
    app = Flask("translator.delivery.endpoint")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.errorhandler(BadRequest)
    def refused(error: BadRequest) -> tuple[Response, int]:
        body = {"success": False, "code": error.code, "message": error.message}
        return jsonify(body), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        """Werkzeug's own refusals (too large, wrong method, no route) in the same shape."""
        status = error.code or 500
        code = {413: "payload_too_large", 404: "not_found", 405: "method_not_allowed"}
        body = {"success": False, "code": code.get(status, "invalid_request")}
        body["message"] = error.description or error.name
        return jsonify(body), status

    @app.post("/v1/<kind>")
    def receive(kind: str) -> Response:
        body = _json_body()
        _check_write_key(body, write_keys)
        messages = _messages(kind, body)
        received = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines = [_line(message, received, delivery) for message in messages]
        delivery.enqueue_lines(lines, int(time.time()))
        rejected = [
            {"index": index, "code": line.problem.code, "message": line.problem.message}
            for index, line in enumerate(lines)
            if line.problem is not None
        ]
        return jsonify({"success": True, **({"rejected": rejected} if rejected else {})})

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok", "events": delivery.state.counts()})

    return app


def _json_body() -> Any:
    raw = request.get_data(cache=False)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            raw = _gunzip(raw)
        except (OSError, EOFError, zlib.error):
            raise BadRequest(400, "invalid_request", "the body is not valid gzip") from None
    try:
        return json.loads(raw)
    except RecursionError:
        raise BadRequest(400, "invalid_json", "the body is nested too deep") from None
    except ValueError:
        raise BadRequest(400, "invalid_json", "the body is not JSON") from None


def _gunzip(raw: bytes) -> bytes:
    """Decompress, refusing more than MAX_BODY_BYTES of output (a gzip bomb stays small)."""
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        data = stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise BadRequest(413, "payload_too_large", f"more than {MAX_BODY_BYTES} bytes")
    return data


def _check_write_key(body: Any, write_keys: frozenset[str] | None) -> None:
    key = request.authorization.username if request.authorization else None
    if not key and isinstance(body, dict) and isinstance(body.get("writeKey"), str):
        key = body["writeKey"]
    if write_keys is not None and key not in write_keys:
        raise BadRequest(401, "unauthorized", "unknown or missing write key (basic auth user)")


def _messages(kind: str, body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise BadRequest(400, "invalid_request", "the body must be a JSON object")
    if kind in SINGLE_TYPES:
        return [{**body, "type": kind}]
    if kind not in ("batch", "import"):
        raise BadRequest(404, "not_found", f"no endpoint /v1/{kind}")
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise BadRequest(400, "invalid_request", "a batch needs a `batch` array")
    shared = {
        key: body[key] for key in ("context", "integrations") if isinstance(body.get(key), dict)
    }
    return [
        _with_shared(message, shared) if isinstance(message, dict) else message for message in batch
    ]


def _with_shared(message: dict[str, Any], shared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged = dict(message)
    for key, values in shared.items():
        own = message.get(key)
        merged[key] = {**values, **own} if isinstance(own, dict) else dict(values)
    return merged


def _line(message: Any, received: str, delivery: Delivery) -> Line:
    """The message as queued: no write key (a credential), ``receivedAt`` set; or, when it
    cannot be an event, a ``Line`` with its problem (dead-lettered, reported)."""
    if not isinstance(message, dict):
        problem = Reason("invalid_request", "a message must be a JSON object")
        return Line("", None, problem=problem, raw=json.dumps(message)[:2000])
    kept = {key: value for key, value in message.items() if key != "writeKey"}
    kept.setdefault("receivedAt", received)
    text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        problem = Reason("invalid_utf8", f"the message is not valid Unicode: {error.reason}")
        return Line("", None, problem=problem, raw=escaped(text)[:2000])
    return parsed_line(text, kept, delivery.settings)


class TranslatorServer:
    """The app on waitress plus the delivery threads, started and stopped together."""

    def __init__(
        self,
        delivery: Delivery,
        host: str = "127.0.0.1",
        port: int = 0,
        write_keys: frozenset[str] | None = None,
        threads: int = 8,
    ) -> None:
        self.delivery = delivery
        self.server = create_server(
            create_app(delivery, write_keys), host=host, port=port, threads=threads
        )
        self.url = f"http://{host}:{self.server.effective_port}"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def serve(self) -> None:
        """Answer requests until ``stop``; then stop taking requests and delivery."""
        self.delivery.start()
        try:
            # A run that stopped by itself (Intercom refused the token) stops serving too.
            while not self._stopping.is_set() and not self.delivery.stop_event.is_set():
                wasyncore.loop(timeout=0.2, map=self.server._map, use_poll=True, count=1)
        finally:
            self.server.close()
            wasyncore.close_all(self.server._map)
            self.server.task_dispatcher.shutdown()
            self.delivery.stop()

    def start(self) -> TranslatorServer:
        """Serve in a background thread (tests, embedding)."""
        self._thread = threading.Thread(target=self.serve, name="translator-serve", daemon=True)
        self._thread.start()
        return self

    def request_stop(self, why: str | None = None) -> None:
        """Ask ``serve`` to end (safe from a signal handler)."""
        if why and not self.delivery.stopped:
            self.delivery.stopped = why
        self._stopping.set()

    def stop(self, why: str | None = None) -> None:
        """End serving and delivery, and wait for both."""
        self.request_stop(why)
        if self._thread is not None:
            self._thread.join(30)

    def __enter__(self) -> TranslatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
