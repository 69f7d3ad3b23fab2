"""The connection classes emulator.db opens: one that runs callbacks after its transaction
commits, and one whose writers queue on a kernel lock (`flock` on `<db>-writers`)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable
from typing import Any

# Write transactions this process has ended, by database path (the upkeep thread checkpoints
# a database after them).
WRITES_ENDED: dict[str, int] = {}


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
    file_id: tuple[int, int] | None = None  # the database file this connection opened

    def release_turn(self) -> None:
        if self.holding:
            self.holding = False
            fcntl.flock(self.writers_fd, fcntl.LOCK_UN)

    def take_turn(self) -> None:
        if not self.holding:
            fcntl.flock(self.writers_fd, fcntl.LOCK_EX)
            self.holding = True

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
