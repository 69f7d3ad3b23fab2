"""Serving the emulator: granian (the default) or gunicorn, both production WSGI servers.

The listening socket is bound here, before either server starts, so `--port 0` can report the port
the kernel picked (granian itself prints the port it was given, 0). Migrations run once in this
process; each worker process then builds its own app and opens its own SQLite connections
(connections must not cross a fork), one per thread.

granian (Rust, hyper) reads requests and writes responses outside Python: connections stay alive
between requests, a slow or half-sent request holds no Python thread until it is complete, and
each worker runs the app in a pool of threads, so one slow request (a `latency_ms` fault) leaves
the others served. gunicorn's sync workers (`--server gunicorn`) close every connection and give
each request a whole process until it has been read.
"""

from __future__ import annotations

import gc
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

from granian._granian import SocketHolder
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.mp import MPServer

from emulator import database_file, migrations
from emulator import db as database

# The WSGI environ key of a callable that cuts the client's connection (the `drop` fault).
DROP_CONNECTION = "emulator.drop_connection"
# A request line and headers larger than this are refused by granian (431) unread.
MAX_HEAD_BYTES = 64 * 1024
# How long a worker may take to finish the requests in flight after SIGTERM or Ctrl-C.
GRACEFUL_SECONDS = 5
# A client has this long to send a request's head once its connection is open (granian).
HEADER_READ_SECONDS = 10


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; `port` 0 lets the kernel choose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by every accepted connection: a response's head and body, written apart,
        # go out at once instead of waiting ~40 ms for the client's delayed ACK (Nagle).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def run(
    config: dict[str, Any],
    sock: socket.socket,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] | None = None,
    server: str = "granian",
) -> None:
    """Serve until SIGINT/SIGTERM; `config` is what create_app receives in each worker."""
    from emulator.app import create_app

    if config["DATABASE"] != database.MEMORY:
        migrations.migrate(database.connect(str(config["DATABASE"])))
        database.close_all()
        # Workers (a replaced one too) serve this file, or refuse requests once it is gone.
        config = {
            **config,
            "DATABASE_FILE_ID": database_file.file_identity(str(config["DATABASE"])),
        }
    else:
        # An in-memory database lives in one process, and its shared cache answers a second
        # thread's write with SQLITE_LOCKED, which no busy handler waits out.
        workers, threads = 1, 1
    _warm_caches()
    factory = lambda: create_app(config)  # noqa: E731  (called in each worker process)
    if server == "gunicorn":
        from emulator import (
            server_gunicorn,  # imported only when chosen: gunicorn is no light import
        )

        worker_app = lambda: built(factory)  # noqa: E731
        server_gunicorn.run(worker_app, sock, workers, threads, on_ready, GRACEFUL_SECONDS)
    else:
        _run_granian(factory, sock, workers, threads, on_ready)
    sys.stdout.flush()


def _warm_caches() -> None:
    """Read the OpenAPI description once here, before the fork: every worker inherits it
    instead of parsing the YAML itself (a third of a second each, on the first request's path)."""
    from emulator import openapi

    openapi.served_json(openapi.required(), False)


def _run_granian(
    factory: Callable[[], Any],
    sock: socket.socket,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] | None,
) -> None:
    """granian's WSGI mode: `workers` processes forked from this one, each running the app in
    `threads` threads behind Rust's HTTP/1.1 (keep-alive) front."""
    listener = _GranianListener(
        sock,
        target="emulator.app:create_app",
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        http1_settings=HTTP1Settings(
            header_read_timeout=HEADER_READ_SECONDS * 1000, max_buffer_size=MAX_HEAD_BYTES
        ),
        log_level=LogLevels.warning,
        workers_kill_timeout=GRACEFUL_SECONDS,
        # A worker that dies (SIGKILL, out of memory) is replaced instead of stopping the server.
        respawn_failed_workers=True,
        respawn_interval=0.5,
    )
    if on_ready:
        listener.on_startup(on_ready)
    listener.serve(target_loader=lambda _target: _granian_worker_app(factory))


def _granian_worker_app(factory: Callable[[], Any]) -> _GranianApp:
    """Called in each worker once granian has set up its logging there."""
    for handler in logging.getLogger("_granian").handlers:  # its Rust side logs to children
        handler.addFilter(_not_a_drop)
    return _GranianApp(built(factory))


def built(factory: Callable[[], Any]) -> Any:
    """The worker's app, with everything built so far set aside from the garbage collector: a
    full collection would otherwise walk the app, the routes and the description (~50,000
    objects, tens of ms) on some request's path every few thousand requests."""
    app = factory()
    gc.collect()
    gc.freeze()
    return app


class _Dropped(ConnectionAbortedError):
    """Raised to cut a connection for a `drop` fault: the fault working, not an error."""


_DROPPED_LINE = "_Dropped: connection dropped (fault injection)"


def _not_a_drop(record: logging.LogRecord) -> bool:
    """granian logs an exception from an answer's body, its traceback in the message text;
    not for a drop."""
    return _DROPPED_LINE not in str(record.msg)


class _GranianApp:
    """The app as granian calls it. Every answer is buffered already: it goes back as one
    bytes object, which granian writes at once (an iterator it would stream chunk by chunk).

    And the `drop` fault, as granian lends the app no socket: the status line and headers go
    out, then the connection is cut before the body, so the client reads a broken response
    (requests: ChunkedEncodingError; httpx: RemoteProtocolError). gunicorn can close the socket
    before any answer; no WSGI app can under granian."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        dropped: list[bool] = []
        environ[DROP_CONNECTION] = lambda: dropped.append(True)
        body = self.app(environ, start_response)
        if dropped:
            if hasattr(body, "close"):
                body.close()
            return _cut()
        if isinstance(body, list):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()


def _cut() -> Any:
    raise _Dropped(_DROPPED_LINE.removeprefix("_Dropped: "))
    yield b""  # a generator: granian sends the head, then fails on the first chunk


class _GranianListener(MPServer):
    """granian's worker manager on the socket bound here. granian would bind its own and print
    the port it was given, so `--port 0` could not tell which one the kernel picked."""

    def __init__(self, sock: socket.socket, **options: Any) -> None:
        self._listener = sock
        super().__init__(**options)

    def _init_shared_socket(self) -> None:
        self._ssp = None
        self._shd = SocketHolder(self._listener.fileno(), False, self.backlog)
        self._sfd = self._shd.get_fd()
        self._sso = self._listener
