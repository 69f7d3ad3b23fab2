"""The connection classes emulator.db opens: one that runs callbacks after its transaction
commits, and one whose writers queue on a kernel lock (`flock` on `<db>-writers`)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

# Write transactions this process has ended, by database path (the upkeep thread checkpoints
# a database after them).
WRITES_ENDED: dict[str, int] = {}
# How long a request waits at its start for a thread of its process holding the writers' lock.
WRITER_PRECEDENCE_SECONDS = 0.005


class _WriterPrecedence:
    """While a thread of this process holds the writers' lock, the process's other threads
    wait before starting a request (`yield_to_writer`), at most `WRITER_PRECEDENCE_SECONDS`.

    A process's threads share one interpreter lock: a writer that holds the database's lock
    while its siblings run their own requests' Python gets the interpreter back only between
    theirs, and measured under load (2 workers x 4 threads, POST /events) it held the lock
    1.8 times as long as with one thread per worker, for the same CPU (bench/explanations.py).
    Every other process queued for that lock meanwhile. Waiting is bounded, so a writer that
    takes long (a seed's chunk, a slow disk) delays its siblings' next requests by little."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._holders: dict[int, int] = {}  # id of a connection holding the lock: its thread

    def taken(self, conn: object) -> None:
        with self._changed:
            self._holders[id(conn)] = threading.get_ident()

    def released(self, conn: object) -> None:
        with self._changed:
            if self._holders.pop(id(conn), None) is not None:
                self._changed.notify_all()

    def _others_hold(self) -> bool:
        me = threading.get_ident()
        return any(thread != me for thread in self._holders.values())

    def yield_to_writer(self) -> None:
        if not self._holders:  # a glance, without the lock
            return
        with self._changed:
            self._changed.wait_for(lambda: not self._others_hold(), WRITER_PRECEDENCE_SECONDS)


WRITER_PRECEDENCE = _WriterPrecedence()


def _after_fork_in_child() -> None:
    global WRITER_PRECEDENCE
    WRITER_PRECEDENCE = _WriterPrecedence()  # no thread of the child holds anything


os.register_at_fork(after_in_child=_after_fork_in_child)


def yield_to_writer() -> None:
    """Wait (briefly) while another thread of this process holds the writers' lock."""
    WRITER_PRECEDENCE.yield_to_writer()


class Connection(sqlite3.Connection):
    """A connection that runs `after_commit` callbacks once its transaction commits (they are
    dropped when it rolls back), before it lets the writers' lock go; `during` holds what one
    transaction keeps about itself, forgotten when it ends."""

    holding = False  # a writer's turn in the queue (QueuedConnection's)

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
            if not self.in_transaction:
                try:
                    if self.after_commit or self.during:
                        callbacks, self.after_commit, self.during = self.after_commit, [], {}
                        for callback in callbacks if committed else ():
                            callback()
                finally:
                    if self.holding:  # after the callbacks (even a failing one): the lock goes
                        self.transaction_ended()

    def transaction_ended(self) -> None:
        """A writer's transaction is over (COMMIT, ROLLBACK, or an error that ended it)."""


class QueuedConnection(Connection):
    """A connection whose writers queue on the `flock` (taken by `begin_write`) and let it go as
    soon as the transaction is over (COMMIT, ROLLBACK, or an error that ended it).

    Each connection opens the lock file itself, and `flock` treats separate opens as separate
    holders, so threads of one process queue on it as processes do. A process that dies holding
    it releases it with its files. SQLite's own lock still guards the data; the queue only
    decides who asks next.
    """

    writers_fd = -1
    path = ""
    # Whether siblings yield to this connection's writes: a request thread's, not a background
    # thread's (the upkeep's moves of the journal log must not hold requests up).
    precedence = False
    file_id: tuple[int, int] | None = None  # the database file this connection opened

    def release_turn(self) -> None:
        if self.holding:
            self.holding = False
            fcntl.flock(self.writers_fd, fcntl.LOCK_UN)
            if self.precedence:
                WRITER_PRECEDENCE.released(self)

    def take_turn(self) -> None:
        if not self.holding:
            fcntl.flock(self.writers_fd, fcntl.LOCK_EX)
            self.holding = True
            if self.precedence:
                WRITER_PRECEDENCE.taken(self)

    def transaction_ended(self) -> None:
        # One Python frame a statement instead of two: Connection.execute calls this only
        # once a transaction that held the turn is over.
        self.release_turn()
        WRITES_ENDED[self.path] = WRITES_ENDED.get(self.path, 0) + 1

    def close(self) -> None:
        super().close()
        if self.writers_fd >= 0:
            os.close(self.writers_fd)  # closing the file releases a lock still held
            self.writers_fd = -1
        if self.holding and self.precedence:
            WRITER_PRECEDENCE.released(self)
