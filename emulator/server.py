"""Serving the emulator with gunicorn, a production WSGI server.

The listening socket is bound here, before gunicorn starts, so `--port 0` can report the port the
kernel picked. Migrations run once in this process; each worker then builds its own app and opens
its own SQLite connections (connections must not cross a fork).
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from emulator import db as database
from emulator import migrations


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; `port` 0 lets the kernel choose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


def ready_message(url: str, db_label: str) -> str:
    return (
        f"Intercom emulator ready on {url} (database: {db_label})\n"
        f"Try: curl -s {url}/me -H 'Authorization: Bearer my-token' -H 'Accept: application/json'\n"
        "Press Ctrl-C to stop."
    )


class _Arbiter(Arbiter):  # type: ignore[misc]
    """Ctrl-C stops as SIGTERM does: requests in flight are answered first (up to the graceful
    timeout). gunicorn's own Ctrl-C exits the workers at once, mid-response, with a traceback."""

    def handle_int(self) -> None:
        self.handle_term()


class EmulatorServer(BaseApplication):  # type: ignore[misc]
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
        return self.factory()


def run(
    config: dict[str, Any],
    sock: socket.socket,
    workers: int,
    threads: int = 1,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; `config` is what create_app receives in each worker.

    One thread per worker (gunicorn's sync worker) closes each connection after its response;
    more (the gthread worker) keep connections alive. Each thread has its own SQLite connection.
    """
    from emulator.app import create_app

    if config["DATABASE"] != database.MEMORY:
        migrations.migrate(database.connect(str(config["DATABASE"])))
        database.close_all()
    else:
        # An in-memory database lives in one process, and its shared cache answers a second
        # thread's write with SQLITE_LOCKED, which no busy handler waits out.
        workers, threads = 1, 1
    options = {
        "bind": [f"fd://{sock.fileno()}"],
        "workers": workers,
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 5,
        "control_socket_disable": True,  # gunicorn >= 25 otherwise opens ~/.gunicorn/gunicorn.ctl
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "when_ready": (lambda _server: on_ready()) if on_ready else (lambda _server: None),
        "proc_name": "intercom-emulator",
    }
    EmulatorServer(lambda: create_app(config), options).run()
    sys.stdout.flush()
