"""The state file: a SQLite queue of events and how each one ended, so a stopped run resumes.

Every event is written here before any call is made for it, with the time it was received
(``received_at``: it dates an event without a timestamp, so a re-sent event carries the same
``created_at`` and Intercom recognises it). An event is ``pending`` until it ends ``delivered``,
``skipped`` or ``dead``; ``attempts`` counts the runs that started it, so one started but not
finished when a run stopped shows up as sent again. Ingestion commits with ``synchronous=FULL``
(an acknowledged event survives a power cut); outcomes with ``NORMAL`` (they survive a crash or
``kill -9``; one lost to a power cut means a re-send, which Intercom deduplicates).

It also keeps, per event, every adjustment and note (``details``, JSON: what ``translator report``
prints), and what later runs need not ask Intercom again: the contact id of each user key
(``contacts``) and the data attributes known to exist (``attributes``).
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
CREATE TABLE IF NOT EXISTS contacts (user_key TEXT PRIMARY KEY, contact_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attributes (
    model TEXT NOT NULL, name TEXT NOT NULL, data_type TEXT, PRIMARY KEY (model, name)
);
"""


class StateMismatch(Exception):
    """The state file belongs to another input or another target."""


@dataclass(frozen=True)
class NewEvent:
    user_key: str
    body: str
    received_at: int
    line: int | None = None
    # A line that is no event is added already dead (``finish`` then records its dead letter).
    dead_reason: str | None = None


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
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
        if "details" not in columns:  # a state file written before details were kept
            self._db.execute("ALTER TABLE events ADD COLUMN details TEXT")
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

    def add(self, events: list[NewEvent], source: tuple[int, str] | None = None) -> list[int]:
        """Queue ``events`` (and note how far the input has been read) in one durable commit;
        the sequence numbers given to them, in order."""
        with self._lock:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (first,) = self._db.execute(
                    "SELECT coalesce(max(seq), 0) + 1 FROM events"
                ).fetchone()
                self._db.executemany(
                    "INSERT INTO events (line, user_key, body, received_at, status, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            e.line,
                            e.user_key,
                            e.body,
                            e.received_at,
                            "dead" if e.dead_reason else PENDING,
                            e.dead_reason,
                        )
                        for e in events
                    ],
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
        return list(range(first, first + len(events)))

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

    def finish(
        self,
        seq: int,
        status: str,
        reason: str | None,
        dead_letter: str | None,
        details: str | None = None,
    ) -> None:
        """Record how an event ended (its dead letter, its adjustments and notes) in one commit."""
        if status not in FINISHED:
            raise ValueError(f"not a final status: {status!r}")
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "UPDATE events SET status = ?, reason = ?, details = ? WHERE seq = ?",
                    [status, reason, details, seq],
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

    def finished_events(self) -> Iterator[tuple[int, int | None, str, str | None, str | None]]:
        """(seq, line, status, reason, details) of every finished event, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, line, status, reason, details FROM events"
                " WHERE status != 'pending' ORDER BY seq"
            ).fetchall()
        yield from rows

    # --- what later events (and runs) need not ask Intercom again --------------------------

    def contacts(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT user_key, contact_id FROM contacts"))

    def remember_contact(self, user_key: str, contact_id: str | None) -> None:
        """Keep (or, with None, forget) the contact id of ``user_key``."""
        if contact_id is None:
            self._write("DELETE FROM contacts WHERE user_key = ?", [user_key])
        else:
            self._write(
                "INSERT OR REPLACE INTO contacts (user_key, contact_id) VALUES (?, ?)",
                [user_key, contact_id],
            )

    def attributes(self) -> list[tuple[str, str, str | None]]:
        with self._lock:
            return self._db.execute("SELECT model, name, data_type FROM attributes").fetchall()

    def remember_attributes(self, rows: list[tuple[str, str, str | None]]) -> None:
        with self._lock:
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executemany(
                "INSERT OR REPLACE INTO attributes (model, name, data_type) VALUES (?, ?, ?)", rows
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
