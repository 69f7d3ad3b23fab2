"""The state file: a SQLite queue of events and how each one ended, so a stopped run resumes.

Every event is written here before any call is made for it, with the time it was received
(``received_at``: it dates an event without a timestamp, so a re-sent event carries the same
``created_at`` and Intercom recognises it). An event is ``pending`` until it ends ``delivered``,
``skipped`` or ``dead``; ``attempts`` counts the runs that started it, so one started but not
finished when a run stopped shows up as sent again. Ingestion commits with ``synchronous=FULL``
(an acknowledged event survives a power cut); outcomes with ``NORMAL`` (they survive a crash or
``kill -9``; one lost to a power cut means a re-send, which Intercom deduplicates).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PENDING = "pending"
FINISHED = ("delivered", "skipped", "dead")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    line INTEGER,
    user_key TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_pending ON events (seq) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY, record TEXT NOT NULL);
"""


class StateMismatch(Exception):
    """The state file belongs to another input or another target."""


@dataclass(frozen=True)
class NewEvent:
    user_key: str
    body: str
    received_at: int
    line: int | None = None


@dataclass(frozen=True)
class Pending:
    """An event waiting for delivery; ``attempts`` > 0 means a run started it before."""

    seq: int
    user_key: str
    body: str
    received_at: int
    line: int | None
    attempts: int


class StateStore:
    """One SQLite connection shared by the threads of a run, each statement under a lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        self.id = self._meta("id") or self._set_meta("id", uuid.uuid4().hex)

    def _meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> str:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])
        return value

    def bind_target(self, base_url: str) -> None:
        """Refuse to deliver a state file's events to another target than its first."""
        bound = self._meta("target")
        if bound is None:
            self._set_meta("target", base_url)
        elif bound != base_url:
            raise StateMismatch(
                f"state file {self.path} holds deliveries to {bound}, not {base_url}; "
                "use another --state for another target"
            )

    def source_progress(self) -> tuple[int, str | None]:
        """Input lines taken in so far, and the SHA-256 of those lines."""
        lines = self._meta("source_lines")
        return (int(lines) if lines else 0), self._meta("source_digest")

    def add(self, events: list[NewEvent], source: tuple[int, str] | None = None) -> None:
        """Queue ``events`` (and note how far the input has been read) in one durable commit."""
        with self._lock:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO events (line, user_key, body, received_at) VALUES (?, ?, ?, ?)",
                    [(e.line, e.user_key, e.body, e.received_at) for e in events],
                )
                if source is not None:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [("source_lines", str(source[0])), ("source_digest", source[1])],
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def pending_after(self, seq: int, limit: int) -> list[Pending]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, user_key, body, received_at, line, attempts FROM events"
                " WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
                [seq, limit],
            ).fetchall()
        return [Pending(*row) for row in rows]

    def mark_started(self, seq: int) -> None:
        self._write("UPDATE events SET attempts = attempts + 1 WHERE seq = ?", [seq])

    def finish(self, seq: int, status: str, reason: str | None, dead_letter: str | None) -> None:
        """Record how an event ended (and its dead letter) in one commit."""
        if status not in FINISHED:
            raise ValueError(f"not a final status: {status!r}")
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "UPDATE events SET status = ?, reason = ? WHERE seq = ?", [status, reason, seq]
                )
                if dead_letter is not None:
                    self._db.execute(
                        "INSERT OR REPLACE INTO dead_letters (seq, record) VALUES (?, ?)",
                        [seq, dead_letter],
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _write(self, sql: str, params: list) -> None:
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(sql, params)

    def counts(self) -> dict[str, int]:
        """Events by status, every status present (zero included)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT status, count(*) FROM events GROUP BY status"
            ).fetchall()
        found = dict(rows)
        return {status: found.get(status, 0) for status in (PENDING, *FINISHED)}

    def dead_letters(self) -> Iterator[tuple[int, str]]:
        with self._lock:
            rows = self._db.execute("SELECT seq, record FROM dead_letters ORDER BY seq").fetchall()
        yield from rows

    def close(self) -> None:
        with self._lock:
            self._db.close()
