"""By-hand experiment: `emulator serve` whose writers queue on a kernel lock, not SQLite's
busy handler. Not part of `make bench`; docs/benchmarks.md quotes what it showed.

    python bench/whatif_flock.py serve --port 8001 --db /tmp/flock.db --rate-limit-app 1000000000

Each SQLite connection takes `fcntl.flock` on `<db>.lock` before `BEGIN IMMEDIATE` and releases
it once the transaction ends, so a waiting worker is woken by the kernel the moment the lock is
free instead of sleeping 1, 2, 5, 10 ms ... in SQLite's busy handler. Compare with wrk
(bench/lua/routes.lua) against a plain `emulator serve` on the same machine at the same time.
"""

from __future__ import annotations

import fcntl
import sqlite3
import sys
from typing import IO, Any

from emulator import db as database


class LockingConnection(sqlite3.Connection):
    lock_path = ""
    lock_file: IO[str] | None = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql == "BEGIN IMMEDIATE":
            if self.lock_file is None:
                self.lock_file = open(self.lock_path, "a")  # noqa: SIM115 - kept for the process
            fcntl.flock(self.lock_file, fcntl.LOCK_EX)
        try:
            return super().execute(sql, *args)
        finally:
            if self.lock_file is not None and not self.in_transaction:
                fcntl.flock(self.lock_file, fcntl.LOCK_UN)


_plain_open = database._open


def _open(path: str) -> sqlite3.Connection:
    if path.startswith("file:"):  # in-memory databases live in one process: nothing to queue
        return _plain_open(path)
    conn = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,
        timeout=database.BUSY_TIMEOUT_MS / 1000,
        factory=LockingConnection,
    )
    conn.lock_path = path + ".lock"
    for pragma in (
        "busy_timeout = 30000",
        "foreign_keys = ON",
        "journal_mode = WAL",
        "synchronous = NORMAL",
    ):
        conn.execute(f"PRAGMA {pragma}")
    return conn


if __name__ == "__main__":
    database._open = _open  # before the app and gunicorn's workers open any connection
    from emulator.cli import main

    sys.exit(main(sys.argv[1:]))
