"""The work no request waits for: one upkeep thread per process, for every database it serves.

Two chores used to fall on whichever request came at the wrong moment, and gave a single
client a p99 twenty times its median (docs/benchmarks.md; the journal's cap is now kept
exactly at each insert, emulator.store.journal):

- moving the reads' journal entries from the shared log into the table (emulator.shared): a
  few hundred inserts in one transaction, by the request that found the log full. The thread
  moves the log whenever it holds `LOG_BYTES // MOVE_FRACTION` bytes, a short transaction; a
  request still moves a full log itself, should the thread fall that far behind.
- checkpointing SQLite's WAL into the database file, with its fsyncs: SQLite runs one in the
  connection whose commit passes 1,000 pages, before that request can answer. Request
  connections of a database the thread tends have the automatic checkpoint off; the thread
  runs a passive one (it never waits for, nor blocks, a reader or a writer) after writes, at
  most once every `TICK_SECONDS`.

Nothing a client was promised moves: a write is committed before its answer leaves, as before
(a checkpoint copies committed pages; it makes nothing durable that was not), and a read's
journal entry is in the shared log before its answer leaves, where any reader of the journal
finds it (emulator.store.journal.read moves the log first). In-memory databases, one process's
own, get no thread: their requests do these chores as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref

import sqlite_utils

from emulator import db as database
from emulator import shared as shared_memory
from emulator.store import journal

log = logging.getLogger("emulator")

TICK_SECONDS = 0.2


class Upkeep:
    """One database's chores in this process; requests tell it what they left (`wake`)."""

    def __init__(self, storage: database.Storage) -> None:
        self.storage = storage
        self._checkpointed_after = 0
        self._checkpointed_at = float("-inf")  # monotonic time of the last checkpoint
        self._db: sqlite_utils.Database | None = None  # the thread's own, opened when needed

    def wake(self) -> None:
        """Do the chores now rather than at the next tick (the log is due to be moved)."""
        _wake.set()

    def tend(self) -> None:
        """Every chore that is due, each in a short transaction of its own; a database with
        none due is not even connected to; nor is a database file deleted or replaced under the
        server (connecting would create a new, empty one at its path)."""
        if self.storage.problem() is not None:
            return
        shared = self.storage.shared
        if shared.pending_bytes() * shared_memory.MOVE_FRACTION >= shared_memory.LOG_BYTES:
            journal.flush(self._connection(), shared)
        ended = database.writes_ended(self.storage.path)
        if ended != self._checkpointed_after and self._checkpoint_due():
            # Writes ended here and now (a flush) are in this checkpoint too.
            self._checkpointed_after = ended
            self._checkpointed_at = time.monotonic()
            self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _checkpoint_due(self) -> bool:
        """At most one checkpoint a tick: under a load of reads the log is moved a hundred
        times a second, and a checkpoint after each move (a copy and two fsyncs) cost more
        than the moves (see bench/explanations.py)."""
        return time.monotonic() - self._checkpointed_at >= TICK_SECONDS

    def _connection(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = database.open_database(self.storage.path, autocheckpoint=False)
            # Closed with the Upkeep (the app gone), by whichever thread drops it last.
            weakref.finalize(self, self._db.conn.close)
        return self._db


_watched: weakref.WeakSet[Upkeep] = weakref.WeakSet()
_wake = threading.Event()
_stop = threading.Event()
_guard = threading.Lock()
_thread: threading.Thread | None = None


def start(storage: database.Storage) -> Upkeep | None:
    """Tend `storage` in this process's upkeep thread (started on first use); None for an
    in-memory database, whose requests do their own chores. The app keeps the `Upkeep`: once
    it is gone, the thread forgets the database."""
    if storage.in_memory:
        return None
    keeper = Upkeep(storage)
    storage.autocheckpoint = False
    global _thread
    with _guard:
        _watched.add(keeper)
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(target=_run, name="emulator-upkeep", daemon=True)
            _thread.start()
    return keeper


def _run() -> None:
    while not _stop.is_set():
        _wake.wait(TICK_SECONDS)
        _wake.clear()
        for keeper in list(_watched):
            try:
                keeper.tend()
            except Exception:  # a chore fails: the next tick tries again, requests still answer
                log.exception("upkeep of %s failed", keeper.storage.path)


def stop() -> None:
    """Finish the chore in progress and stop the thread (at exit, so no batch of journal
    entries is cut short)."""
    thread = _thread
    _stop.set()
    _wake.set()
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=5)


def _after_fork_in_child() -> None:
    """Threads do not survive a fork, and a database's connections must not cross one: the
    child starts with no thread and tends only the databases it opens itself."""
    global _thread, _wake, _stop, _guard
    _thread = None
    _wake, _stop = threading.Event(), threading.Event()
    _guard = threading.Lock()
    _watched.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(stop)
