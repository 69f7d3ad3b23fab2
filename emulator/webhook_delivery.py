"""Delivering the outbox (emulator.store.webhooks.outbox): after the commit, off the request path.

Each process serving a database file has one delivery thread (started with the app, like
emulator.upkeep's): woken when a transaction that wrote notifications commits, and every
`TICK_SECONDS` for retries that fell due (the workspace's clock may have moved). Several worker
processes share the outbox; a notification is claimed in a write transaction before its attempt,
so only one of them sends it. A notification committed before a crash is still in the outbox when
the server starts again, and goes out then.

An in-memory database belongs to one process and its connections must not work beside a
request's: there is no thread, and the app delivers at the end of each request (after its
commit) while anything is pending. `deliver_now` (the control API) delivers a workspace's
pending notifications at once, retries included, whatever their delay.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any

import sqlite_utils
from flask import Flask

from emulator import db as database
from emulator import webhook_sender
from emulator.store.webhooks import outbox

log = logging.getLogger("emulator")

TICK_SECONDS = 0.5  # while something is pending: retries fall due as the clock moves
_ROUNDS = 1000  # claims per pass at most: a pass always ends


class Courier:
    """One database's deliveries in this process."""

    def __init__(self, storage: database.Storage, allowed_hosts: Iterable[str]) -> None:
        self.storage = storage
        self.allowed_hosts = tuple(allowed_hosts)
        self.inline = storage.in_memory
        self.dirty = True  # something may be due: look at the next chance
        # The thread's own connection, opened while something is pending; closed with the
        # courier (the app gone) by whichever thread drops it last.
        self._own: dict[str, sqlite_utils.Database] = {}
        weakref.finalize(self, _close, self._own)

    def tick(self) -> None:
        """The thread's turn: deliver what is due on its own connection, which it lets go
        once nothing is pending."""
        if "db" not in self._own:
            self._own["db"] = database.open_database(self.storage.path, autocheckpoint=False)
        self.deliver_due(self._own["db"])
        if not self.dirty:
            _close(self._own)

    def deliver_due(
        self, db: sqlite_utils.Database, workspace_id: str | None = None
    ) -> dict[str, int]:
        """Attempt every notification due now on `db` (the calling thread's connection), in
        order per subscription. The courier stays `dirty` while anything is pending: a retry
        falls due as the workspace's clock moves."""
        counts = {"attempts": 0, "delivered": 0, "failed_attempts": 0}
        if self.storage.problem() is not None:
            return counts
        if workspace_id is None:
            self.dirty = False  # a commit from now on sets it again
        for _ in range(_ROUNDS):
            if not outbox.any_due(db, time.time(), workspace_id):
                break
            for notification in outbox.claim_due(db, time.time(), workspace_id):
                outcome = webhook_sender.send(notification, self.allowed_hosts)
                if outbox.record(db, notification, outcome, time.time()):
                    counts["attempts"] += 1
                    counts["delivered" if outcome.ok else "failed_attempts"] += 1
        if outbox.pending(db):
            self.dirty = True
        return counts

    def deliver_now(self, workspace_id: str) -> dict[str, int]:
        """The control API's `deliver_now`, on the request thread's connection: make every
        pending notification of the workspace due, attempt each once (here, or in a thread
        that is quicker), and answer once none is due or in flight; counts every attempt made
        meanwhile."""
        db = self.storage.connect()
        mark = outbox.attempts_mark(db)
        self._settle(db, workspace_id)
        outbox.make_due(db, workspace_id)
        deadline = time.monotonic() + 2 * outbox.LEASE_SECONDS
        while time.monotonic() < deadline:
            self.deliver_due(db, workspace_id)
            if not self._settle(db, workspace_id) and not outbox.any_due(
                db, time.time(), workspace_id
            ):
                break
        return outbox.attempts_since(db, workspace_id, mark)

    @staticmethod
    def _settle(db: sqlite_utils.Database, workspace_id: str) -> bool:
        """Wait (a lease at most) for attempts other threads have in flight; whether any
        was."""
        deadline = time.monotonic() + outbox.LEASE_SECONDS
        waited = False
        while outbox.in_flight(db, workspace_id, time.time()) and time.monotonic() < deadline:
            waited = True
            time.sleep(0.02)
        return waited


_couriers: weakref.WeakSet[Courier] = weakref.WeakSet()
_wake = threading.Event()
_stop = threading.Event()
_guard = threading.Lock()
_thread: threading.Thread | None = None


def _close(own: dict[str, sqlite_utils.Database]) -> None:
    found = own.pop("db", None)
    if found is not None:
        found.conn.close()


def _committed() -> None:
    """A transaction that wrote notifications committed (outbox.COMMIT_HOOKS)."""
    for courier in list(_couriers):
        courier.dirty = True
    _wake.set()


outbox.COMMIT_HOOKS.append(_committed)


def init_app(app: Flask, storage: database.Storage, config: dict[str, Any]) -> Courier:
    """Give the app its courier: a thread's for a database file, the requests' own for an
    in-memory one. Call before emulator.lifecycle.init_app, so the end-of-request delivery of
    an in-memory database runs after the request's own teardown."""
    courier = Courier(storage, config.get("WEBHOOK_ALLOWED_HOSTS") or ())
    app.extensions["webhooks"] = courier
    global _thread
    with _guard:
        _couriers.add(courier)
        if not courier.inline and (_thread is None or not _thread.is_alive()):
            _stop.clear()
            _thread = threading.Thread(target=_run, name="emulator-webhooks", daemon=True)
            _thread.start()
    if courier.inline:
        app.teardown_request(lambda _exc: _inline(courier))
    return courier


def _inline(courier: Courier) -> None:
    if courier.dirty:
        try:
            courier.deliver_due(courier.storage.connect())
        except Exception:  # the request has answered; a later one tries again
            log.exception("webhook delivery failed")


def _run() -> None:
    while not _stop.is_set():
        _wake.wait(TICK_SECONDS)
        _wake.clear()
        for courier in list(_couriers):
            if courier.inline or not courier.dirty:
                continue
            try:
                courier.tick()
            except sqlite3.ProgrammingError:  # its connection closed under it: at exit
                continue
            except Exception:  # the next tick tries again
                log.exception("webhook delivery from %s failed", courier.storage.path)


def stop() -> None:
    thread = _thread
    _stop.set()
    _wake.set()
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=10)


def _after_fork_in_child() -> None:
    global _thread, _wake, _stop, _guard
    _thread = None
    _wake, _stop = threading.Event(), threading.Event()
    _guard = threading.Lock()
    _couriers.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(stop)
