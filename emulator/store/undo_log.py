"""An undo log for work that spans several transactions (emulator.store.seed_chunks).

While it is on, TEMP triggers on this connection write the inverse of every row its statements
insert, update or delete into a TEMP table: a TEMP trigger fires for this connection's
statements only, so other requests (other connections) write as usual and log nothing. Undoing
replays the log backwards, one committed step at a time, each in the caller's transaction.

Not logged: the journal and rate-limit tables (a seed writes neither), and the rows SQLite's own
triggers derive from another table (`contact_attribute_values`, kept in step with `contacts`
by the schema's triggers, so undoing a contact restores them too).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

_LOG = "temp.undo_log"
NOT_LOGGED = frozenset(
    {"journal", "journal_counts", "rate_windows", "contact_attribute_values", "seeding"}
)


class UndoLog:
    """Use `start()` outside a transaction; `mark()` after each commit of the logged work;
    `undo_step()` (in a write transaction, once `stop()`ped) until it answers False."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.columns: dict[str, list[str]] = {}
        self.steps: list[int] = [0]  # the log's last seq at each commit

    def start(self) -> None:
        self.columns = {table: _columns(self.db, table) for table in _tables(self.db)}
        width = max(len(columns) for columns in self.columns.values())
        values = ", ".join(f"v{i}" for i in range(width))
        self.db.execute(f"DROP TABLE IF EXISTS {_LOG}")
        self.db.execute(
            f"CREATE TABLE {_LOG} (seq INTEGER PRIMARY KEY, tbl TEXT, op TEXT, rid INTEGER,"
            f" {values})"
        )
        # A REPLACE's implicit delete fires delete triggers only with recursive triggers on.
        self.db.execute("PRAGMA recursive_triggers = ON")
        for table, columns in self.columns.items():
            for sql in _trigger_sql(table, columns):
                self.db.execute(sql)

    def mark(self) -> None:
        """The work logged so far is committed: one step to undo on its own."""
        self.steps.append(
            self.db.execute(f"SELECT coalesce(max(seq), 0) FROM {_LOG}").fetchone()[0]
        )

    def stop(self) -> None:
        """Drop the triggers (the log stays, for `undo_step`)."""
        for table in self.columns:
            for op in "iud":
                self.db.execute(f'DROP TRIGGER IF EXISTS temp."undo_{table}_{op}"')
        self.db.execute("PRAGMA recursive_triggers = OFF")

    def undo_step(self) -> bool:
        """Undo the last committed step (call inside a write transaction); False when none is
        left. Foreign keys are checked at commit, when the step is whole again."""
        if len(self.steps) < 2:
            return False
        since = self.steps[-2]
        self.db.execute("PRAGMA defer_foreign_keys = ON")
        rows = self.db.execute(
            f"SELECT * FROM {_LOG} WHERE seq > ? ORDER BY seq DESC", [since]
        ).fetchall()
        for _, table, op, rid, *values in rows:
            self._undo_row(table, op, rid, values[: len(self.columns[table])])
        self.db.execute(f"DELETE FROM {_LOG} WHERE seq > ?", [since])
        self.steps.pop()
        return True

    def close(self) -> None:
        self.stop()
        self.db.execute(f"DROP TABLE IF EXISTS {_LOG}")

    def _undo_row(self, table: str, op: str, rid: int, values: list[Any]) -> None:
        columns = self.columns[table]
        if op == "i":
            self.db.execute(f'DELETE FROM "{table}" WHERE rowid = ?', [rid])
        elif op == "u":
            assignments = ", ".join(f'"{column}" = ?' for column in columns)
            self.db.execute(f'UPDATE "{table}" SET {assignments} WHERE rowid = ?', [*values, rid])
        else:
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" * (len(columns) + 1))
            self.db.execute(
                f'INSERT INTO "{table}" (rowid, {names}) VALUES ({marks})', [rid, *values]
            )


def _tables(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    tables = []
    for name, sql in rows:
        if name in NOT_LOGGED:
            continue
        if "WITHOUT ROWID" in sql.upper():  # no rowid to find a row by: it must be derived
            raise RuntimeError(f"the undo log cannot follow the WITHOUT ROWID table {name}")
        tables.append(name)
    return tables


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA main.table_info("{table}")').fetchall()]


def _trigger_sql(table: str, columns: list[str]) -> list[str]:
    values = ", ".join(f"v{i}" for i in range(len(columns)))
    old = ", ".join(f'OLD."{column}"' for column in columns)
    log = "INSERT INTO undo_log (tbl, op, rid"  # TEMP is searched first (no qualified names)
    return [
        f'CREATE TEMP TRIGGER "undo_{table}_i" AFTER INSERT ON main."{table}" BEGIN'
        f" {log}) VALUES ('{table}', 'i', NEW.rowid); END",
        # NEW.rowid: where the row is now (an update may move an INTEGER PRIMARY KEY).
        f'CREATE TEMP TRIGGER "undo_{table}_u" AFTER UPDATE ON main."{table}" BEGIN'
        f" {log}, {values}) VALUES ('{table}', 'u', NEW.rowid, {old}); END",
        f'CREATE TEMP TRIGGER "undo_{table}_d" AFTER DELETE ON main."{table}" BEGIN'
        f" {log}, {values}) VALUES ('{table}', 'd', OLD.rowid, {old}); END",
    ]
