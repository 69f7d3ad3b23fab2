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
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlite_utils

from emulator import shared

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 30_000
WRITERS_SUFFIX = "-writers"
_SAVEPOINT = "request_op"

_local = threading.local()
# Keeps each in-memory database alive while the app that owns it exists.
_memory_anchors: dict[str, sqlite3.Connection] = {}


def memory_uri() -> str:
    """A fresh name for a throwaway in-memory database shared by this process's threads."""
    return f"file:emulator-{uuid.uuid4().hex}?mode=memory&cache=shared"


class _Connection(sqlite3.Connection):
    """A connection that runs `after_commit` callbacks once its transaction commits (they are
    dropped when it rolls back), before it lets the writers' lock go; `during` holds what one
    transaction keeps about itself, forgotten when it ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_commit: list[Callable[[], None]] = []
        self.during: dict[str, Any] = {}

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        committed = False
        try:
            cursor = super().execute(sql, *args)
            committed = sql == "COMMIT"
            return cursor
        finally:
            if not self.in_transaction and (self.after_commit or self.during):
                callbacks, self.after_commit, self.during = self.after_commit, [], {}
                for callback in callbacks if committed else ():
                    callback()


class _QueuedConnection(_Connection):
    """A connection whose writers queue on the `flock` (taken by `begin_write`) and let it go as
    soon as the transaction is over (COMMIT, ROLLBACK, or an error that ended it).

    Each connection opens the lock file itself, and `flock` treats separate opens as separate
    holders, so threads of one process queue on it as processes do. A process that dies holding
    it releases it with its files. SQLite's own lock still guards the data; the queue only
    decides who asks next.
    """

    writers_fd = -1
    holding = False

    def take_turn(self) -> None:
        if not self.holding:
            fcntl.flock(self.writers_fd, fcntl.LOCK_EX)
            self.holding = True

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        try:
            return super().execute(sql, *args)
        finally:
            if self.holding and not self.in_transaction:
                self.holding = False
                fcntl.flock(self.writers_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        super().close()
        if self.writers_fd >= 0:
            os.close(self.writers_fd)  # closing the file releases a lock still held
            self.writers_fd = -1


def _open(path: str) -> sqlite3.Connection:
    is_uri = path.startswith("file:")
    conn = sqlite3.connect(
        path,
        uri=is_uri,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
        # In-memory databases live in one process, where SQLite's own locking suffices.
        factory=_Connection if is_uri else _QueuedConnection,
    )
    if isinstance(conn, _QueuedConnection):
        conn.writers_fd = os.open(path + WRITERS_SUFFIX, os.O_RDWR | os.O_CREAT, 0o644)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not is_uri:
        # WAL lets readers run beside the one writer; NORMAL sync keeps every committed
        # transaction through a process crash (kill -9), losing only on power failure.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def connect(path: str) -> sqlite_utils.Database:
    """This thread's connection to `path`, opened on first use."""
    cache: dict[str, sqlite_utils.Database] = getattr(_local, "dbs", None) or {}
    _local.dbs = cache
    db = cache.get(path)
    if db is None:
        if path.startswith("file:") and path not in _memory_anchors:
            _memory_anchors[path] = _open(path)
        db = sqlite_utils.Database(_open(path))
        cache[path] = db
    return db


def close_all() -> None:
    """Close this thread's connections (before gunicorn forks its workers)."""
    for db in (getattr(_local, "dbs", None) or {}).values():
        db.conn.close()
    _local.dbs = {}


def begin_write(conn: sqlite3.Connection) -> None:
    """Queue for the write lock, then `BEGIN IMMEDIATE`: the transaction takes SQLite's lock up
    front, so it never has to upgrade from reading to writing (the upgrade is what fails with
    "database is locked")."""
    if isinstance(conn, _QueuedConnection):
        conn.take_turn()
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
    writer (SQLite's WAL). A route that writes runs in a savepoint of one `BEGIN IMMEDIATE`
    transaction: `undo` rolls a refused request back to the savepoint (the store unchanged),
    and `commit` makes the rest durable before the response leaves.
    """

    def __init__(self, db: sqlite_utils.Database, read_only: bool) -> None:
        self.db = db
        self.read_only = read_only
        if read_only:
            db.conn.execute("BEGIN")
            self._changes = db.conn.total_changes
        else:
            begin_write(db.conn)
            db.conn.execute(f"SAVEPOINT {_SAVEPOINT}")

    def undo(self) -> None:
        """Undo what the route changed (a refusal); the transaction stays open."""
        if not self.read_only and self.db.conn.in_transaction:
            self.db.conn.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")

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
    regions the processes serving it share (rate counters, pending journal entries)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._shared = self._map()

    def _map(self) -> shared.Shared:
        # An in-memory database lives in one process: private memory will do.
        return shared.Shared(None if self.path.startswith("file:") else self.path)

    def connect(self) -> sqlite_utils.Database:
        return connect(self.path)

    @property
    def shared(self) -> shared.Shared:
        """This process's map of the shared regions (mapped again after a fork)."""
        if self._shared.pid != os.getpid():
            with self._lock:
                if self._shared.pid != os.getpid():
                    self._shared.close()  # this process's copies of its parent's file and map
                    self._shared = self._map()
        return self._shared

    def ping(self) -> None:
        """Fail unless the database answers a query (the health check)."""
        self.connect().execute("SELECT 1").fetchone()


def storage_for(database: str) -> Storage:
    """The `Storage` of a config's `DATABASE`: a file path, or ":memory:" for a fresh one."""
    return Storage(memory_uri() if database == MEMORY else str(database))
