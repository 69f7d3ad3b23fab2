"""The SQLite connection, the transactions a request runs in, and the writers' queue.

One connection per thread and database, kept open for the life of the process: opening a
connection and setting its pragmas on every request costs more than the request itself. Writes
run inside `BEGIN IMMEDIATE` transactions so concurrent writers queue instead of failing with
"database is locked". They queue on a kernel lock (`flock` on `<db>-writers` beside the file),
taken by `begin_write`, which wakes the next writer the moment the lock is free; SQLite's own
busy handler would have it sleep 1, 2, 5, 10 ms ... between tries.

`Storage` is one database as the app serves it: its path, this thread's connection, and the
memory the worker processes share (emulator.shared). The app holds one (emulator.access puts
it on each request's `Context`); nothing finds it through a global.

The file is watched (emulator.database_file): `Storage.check` (once per request) and
`begin_write` (once a writer has its turn) refuse every request with a 503 once the file at
the path is not the one the server opened, so no write is acknowledged and then lost.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator

import sqlite_utils

from emulator import errors, shared
from emulator.connections import WRITES_ENDED, Connection, QueuedConnection
from emulator.database_file import file_identity, file_problem

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 30_000
WRITERS_SUFFIX = "-writers"

_local = threading.local()
# Keeps each in-memory database alive while the app that owns it exists.
_memory_anchors: dict[str, sqlite3.Connection] = {}


def memory_uri() -> str:
    """A fresh name for a throwaway in-memory database shared by this process's threads."""
    return f"file:emulator-{uuid.uuid4().hex}?mode=memory&cache=shared"


def _open(path: str, autocheckpoint: bool = True) -> sqlite3.Connection:
    is_uri = path.startswith("file:")
    conn = sqlite3.connect(
        path,
        uri=is_uri,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
        # In-memory databases live in one process, where SQLite's own locking suffices.
        factory=Connection if is_uri else QueuedConnection,
    )
    if isinstance(conn, QueuedConnection):
        conn.path = path
        conn.writers_fd = os.open(path + WRITERS_SUFFIX, os.O_RDWR | os.O_CREAT, 0o644)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not is_uri:
        # WAL lets readers run beside the one writer; NORMAL sync keeps every committed
        # transaction through a process crash (kill -9), losing only on power failure.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if not autocheckpoint:  # the upkeep thread checkpoints instead (emulator.upkeep)
            conn.execute("PRAGMA wal_autocheckpoint = 0")
    if isinstance(conn, QueuedConnection):
        conn.path, conn.file_id = path, file_identity(path)
    return conn


def connect(path: str, autocheckpoint: bool = True) -> sqlite_utils.Database:
    """This thread's connection to `path`, opened on first use. Without `autocheckpoint`, its
    commits leave the WAL to grow until someone else checkpoints it."""
    cache: dict[str, sqlite_utils.Database] = getattr(_local, "dbs", None) or {}
    _local.dbs = cache
    db = cache.get(path)
    if db is None:
        if path.startswith("file:") and path not in _memory_anchors:
            _memory_anchors[path] = _open(path)
        db = sqlite_utils.Database(_open(path, autocheckpoint))
        cache[path] = db
    return db


def writes_ended(path: str) -> int:
    """How many write transactions on `path` this process has ended so far."""
    return WRITES_ENDED.get(path, 0)


def open_database(path: str, autocheckpoint: bool = True) -> sqlite_utils.Database:
    """A connection of its own to `path` (not this thread's): close it when done."""
    return sqlite_utils.Database(_open(path, autocheckpoint))


def close_all() -> None:
    """Close this thread's connections (before gunicorn forks its workers)."""
    for db in (getattr(_local, "dbs", None) or {}).values():
        db.conn.close()
    _local.dbs = {}


def begin_write(conn: sqlite3.Connection) -> None:
    """Queue for the write lock, then `BEGIN IMMEDIATE`: the transaction takes SQLite's lock up
    front, so it never has to upgrade from reading to writing (the upgrade is what fails with
    "database is locked")."""
    if isinstance(conn, QueuedConnection):
        conn.take_turn()
        problem = file_problem(conn.path, conn.file_id)
        if problem is not None:  # deleted or replaced while this writer queued
            conn.release_turn()
            raise errors.ServiceUnavailable(problem)
    conn.execute("BEGIN IMMEDIATE")


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """`begin_write` … `COMMIT`, or `ROLLBACK` when the block raises.

    Inside a transaction already (a writing request's own), the block joins it: whoever began
    that transaction commits or rolls it back."""
    if db.conn.in_transaction:
        yield db
        return
    begin_write(db.conn)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


class RequestTransaction:
    """The one transaction an API request's route runs in.

    A route that only reads runs in a read transaction: one snapshot, no lock, no wait for a
    writer (SQLite's WAL). A route that writes runs in one `BEGIN IMMEDIATE` transaction that
    holds nothing but the route's changes: `undo` rolls a refused request back whole (the store
    unchanged, the lock let go; its journal entry then waits in the shared log as a read's
    does), and `commit` makes the rest durable before the response leaves.
    """

    def __init__(self, db: sqlite_utils.Database, read_only: bool) -> None:
        self.db = db
        self.read_only = read_only
        if read_only:
            db.conn.execute("BEGIN")
            self._changes = db.conn.total_changes
        else:
            begin_write(db.conn)

    def undo(self) -> None:
        """Undo what the route changed (a refusal). The transaction began just before the route,
        so rolling all of it back is rolling back the route (one statement fewer a write than a
        savepoint), and what it registered to run after its commit goes with it."""
        if not self.read_only and self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")

    def end_read(self) -> bool:
        """End a read transaction; False when the route wrote in it, without the lock: its
        changes are undone (a bug: the route belongs among the writers)."""
        wrote = self.db.conn.total_changes != self._changes
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK" if wrote else "COMMIT")
        return not wrote

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")

    def abandon(self) -> None:
        """Roll back whatever is still open (the response never said it was done)."""
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")


class Storage:
    """One database as the app serves it: where it is, this thread's connection to it, and the
    regions the processes serving it share (rate counters, pending journal entries).
    `file_id`: the file the server opened (device, inode), else the one at the path now; a
    worker that finds another there never opens it, and refuses every request."""

    def __init__(self, path: str, file_id: tuple[int, int] | None = None) -> None:
        self.path = path
        self.in_memory = path.startswith("file:")
        # False once an upkeep thread checkpoints the WAL (emulator.upkeep): then no request
        # pays for a checkpoint's copy and fsync.
        self.autocheckpoint = True
        self._lock = threading.Lock()
        self.file_id = file_id
        if file_id is None and not self.in_memory:
            # Create the file SQLite opens (an empty file is an empty database) without
            # connecting: connections opened before the upkeep thread starts would checkpoint.
            with open(path, "ab"):
                pass
            self.file_id = file_identity(path)
        self._shared_problem: str | None = None
        self._shared = self._map()

    def _map(self) -> shared.Shared:
        # An in-memory database lives in one process: private memory will do.
        if self.in_memory or self.problem() is not None:
            return shared.Shared(None)
        try:
            mapped = shared.Shared(self.path)
        except (OSError, errors.ServiceUnavailable) as exc:  # a full disk, a vanished directory
            self._shared_problem = f"Cannot open {self.path}{shared.SUFFIX}: {exc}"
            return shared.Shared(None)
        self._shared_problem = None
        return mapped

    def connect(self) -> sqlite_utils.Database:
        return connect(self.path, self.autocheckpoint)

    @property
    def shared(self) -> shared.Shared:
        """This process's map of the shared regions (mapped again after a fork)."""
        if self._shared.pid != os.getpid():
            with self._lock:
                if self._shared.pid != os.getpid():
                    self._shared.close()  # this process's copies of its parent's file and map
                    self._shared = self._map()
        return self._shared

    def problem(self) -> str | None:
        """Why this database can no longer be served, or None (one `stat`)."""
        return file_problem(self.path, self.file_id)

    def check(self) -> None:
        """Once per request: 503 when the database file is gone or another; the shared file
        opened again when it was deleted, replaced (its pending entries moved) or unopenable."""
        problem = self.problem()
        if problem is not None:
            raise errors.ServiceUnavailable(problem)
        current = self.shared
        fresh = current.replaced() if self._shared_problem is None else self._map()
        if fresh is not None:
            with self._lock:
                if self._shared is current:
                    self._shared = fresh  # the old one closes when no request holds it
        if self._shared_problem is not None:
            raise errors.ServiceUnavailable(self._shared_problem)

    def ping(self) -> None:
        """Fail unless the database answers a query (the health check)."""
        self.connect().execute("SELECT 1").fetchone()


def storage_for(database: str, file_id: tuple[int, int] | None = None) -> Storage:
    """The `Storage` of a config's `DATABASE`: a file path, or ":memory:" for a fresh one."""
    return Storage(memory_uri() if database == MEMORY else str(database), file_id)
