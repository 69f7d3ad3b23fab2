"""`emulator serve --server gunicorn`: gunicorn's sync workers (one thread) or gthread workers.

Its `drop` fault closes the client's socket before any answer, which no WSGI app can do under
granian (emulator.server, which binds the socket and chooses the server).
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

# The WSGI environ key of a callable that cuts the client's connection (as emulator.server's).
DROP_CONNECTION = "emulator.drop_connection"


class _GunicornDrop:
    """The `drop` fault under gunicorn: the client's socket is shut before any answer."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            environ[DROP_CONNECTION] = lambda: _shut(sock)
        return self.app(environ, start_response)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Arbiter(Arbiter):
    """Ctrl-C stops as SIGTERM does: requests in flight are answered first (up to the graceful
    timeout). gunicorn's own Ctrl-C exits the workers at once, mid-response, with a traceback."""

    def handle_int(self) -> None:
        self.handle_term()


class EmulatorServer(BaseApplication):
    """gunicorn with our own settings and an app factory called in each worker."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as exc:  # gunicorn's start-up failures, said as it says them
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)

    def load(self) -> Any:
        return _GunicornDrop(self.factory())


def run(
    factory: Callable[[], Any],
    sock: socket.socket,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] | None,
    graceful_seconds: int,
) -> None:
    """One thread per worker (gunicorn's sync worker) closes each connection after its
    response; more (the gthread worker) keep connections alive."""
    options = {
        "bind": [f"fd://{sock.fileno()}"],
        "workers": workers,
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": graceful_seconds,
        "control_socket_disable": True,  # gunicorn >= 25 otherwise opens ~/.gunicorn/gunicorn.ctl
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "when_ready": (lambda _server: on_ready()) if on_ready else (lambda _server: None),
        "proc_name": "intercom-emulator",
    }
    EmulatorServer(factory, options).run()
