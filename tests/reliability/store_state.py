"""What the store holds, read straight from the SQLite file, to compare before and after."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

# Tables every request touches by design: the request journal (and how many entries each
# workspace holds) and the rate-limit counters.
BOOKKEEPING = ("journal", "journal_counts", "rate_windows", "sqlite_sequence")


def _tables(conn: sqlite3.Connection) -> list[str]:
    names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return sorted(name for (name,) in names if name not in BOOKKEEPING)


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the journal and rate counters, in a stable order."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in _tables(conn)
        }
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def column(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(sql, params)]
    finally:
        conn.close()
