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
  most once every `TICK_SECONDS`. Under writes that never pause, a passive checkpoint never
  reaches the last frame, and SQLite starts the WAL over only once one has: the WAL grew by
  every commit (813 MB in 24 s of `make bench`'s events beside a 10 MB database). So once the
  WAL holds `RESTART_PAGES` pages, the thread takes the writers' turn (as a writer would,
  between two transactions) and finishes the checkpoint, so the next writer starts the WAL over
  from its first page: a pause for writers of the frames written since the last tick, as
  SQLite's own automatic checkpoint would make.

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
import sqlite3
import threading
import time
import weakref

import sqlite_utils

from emulator import db as database
from emulator import shared as shared_memory
from emulator.store import journal

log = logging.getLogger("emulator")

TICK_SECONDS = 0.2
# A WAL of this many pages is checkpointed whole and started over, the writers waiting their turn:
# SQLite's own automatic checkpoint threshold.
RESTART_PAGES = 1000
# How long that checkpoint waits for readers of older snapshots before the next tick tries
# again (the writers are waiting meanwhile).
RESTART_WAIT_MS = 200


class Upkeep:
    """One database's chores in this process; requests tell it what they left (`wake`)."""

    def __init__(self, storage: database.Storage) -> None:
        self.storage = storage
        self._checkpointed_after = 0
        self._checkpointed_at = float("-inf")  # monotonic time of the last checkpoint
        self._db: sqlite_utils.Database | None = None  # the thread's own, opened when needed
        self._closer: weakref.finalize | None = None

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
            _busy, wal_pages, _copied = (
                self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            )
            if wal_pages >= RESTART_PAGES:
                self._restart()

    def _restart(self) -> None:
        """Checkpoint the WAL whole in the writers' turn (no writer appends meanwhile, so the
        checkpoint reaches the last frame) and have the next writer start it over. Readers of
        an older snapshot are waited for `RESTART_WAIT_MS` at most; if one holds on, the next
        tick tries again."""
        conn = self._connection().conn
        # Through sqlite3's own `execute`: the queued connection's would take the end of each
        # statement for the end of a writer's transaction and let the turn go.
        run = sqlite3.Connection.execute
        run(conn, f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
        conn.take_turn()
        try:
            run(conn, "PRAGMA wal_checkpoint(RESTART)").fetchall()
        finally:
            conn.release_turn()
            run(conn, f"PRAGMA busy_timeout = {database.BUSY_TIMEOUT_MS}")

    def _checkpoint_due(self) -> bool:
        """At most one checkpoint a tick: under a load of reads the log is moved a hundred
        times a second, and a checkpoint after each move (a copy and two fsyncs) cost more
        than the moves (see bench/explanations.py)."""
        return time.monotonic() - self._checkpointed_at >= TICK_SECONDS

    def _connection(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = database.open_database(self.storage.path, autocheckpoint=False)
            # Closed with the Upkeep (the app gone), by whichever thread drops it last; at exit
            # by `stop`, once the thread is done with it (never under a chore).
            self._closer = weakref.finalize(self, self._db.conn.close)
            self._closer.atexit = False
        return self._db

    def close(self) -> None:
        """Close the thread's connection (`stop` does, the thread stopped)."""
        if self._closer is not None:
            self._closer()  # closes it, once
        self._db = self._closer = None


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
            # Exit handlers run last registered first. weakref.finalize's, which closes the
            # shared file the thread reads (emulator.shared), is registered by then (the
            # storage was mapped before this call); `stop` must run before it, or the last
            # chore meets closed files.
            atexit.unregister(stop)
            atexit.register(stop)
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
    """Do the chores still due, stop the thread, then close its connections (at exit, so no
    batch of journal entries is cut short and no chore meets a closed connection)."""
    thread = _thread
    _stop.set()
    _wake.set()
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=5)
        if thread.is_alive():  # a chore still running: leave its connection to the process's end
            return
    for keeper in list(_watched):
        keeper.close()


def _after_fork_in_child() -> None:
    """Threads do not survive a fork, and a database's connections must not cross one: the
    child starts with no thread and tends only the databases it opens itself."""
    global _thread, _wake, _stop, _guard
    _thread = None
    _wake, _stop = threading.Event(), threading.Event()
    _guard = threading.Lock()
    _watched.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
