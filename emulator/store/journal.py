"""The request journal: every API request a workspace made, what the emulator answered and why.

Headers are never stored, so the `Authorization` header (the token) cannot leak through it.
Bodies are kept up to `BODY_LIMIT` characters (then cut, with a marker saying how much more
there was); each workspace keeps its newest `journal_limit` entries (a setting, emulator.settings),
exactly: `journal_counts` counts them, and each insert past the limit removes the oldest.

A request that wrote writes its entry in its own transaction. Any other request (a read, a
refusal before the store was touched) leaves its entry in the processes' shared log
(emulator.shared), so it needs no write transaction; the next writer of the table, the upkeep
thread (emulator.upkeep) or a reader of the journal moves the log into the table first, so no
reader misses an entry. Every read of the table goes through `read`, which does that move. An
entry leaves the log only when the transaction that stored it commits, and one the table
refuses is stored reduced (or logged and counted in `dropped`): a failing entry never takes
another request's with it.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections import Counter
from typing import Any

import orjson
import sqlite_utils

from emulator import db as database
from emulator import shared as shared_memory
from emulator.errors import ParameterInvalid
from emulator.shared import Shared
from emulator.store.context import Context, Workspace
from emulator.store.journal_shape import shape as _shape

log = logging.getLogger("emulator")

BODY_LIMIT = 64 * 1024
KEEP = 10_000  # a workspace whose settings predate `journal_limit`
dropped = 0  # entries that could not be stored even reduced, in this process (logged)
_STATUS = re.compile(r"[1-5]([0-9]{2}|[xX]{2})")  # 429, or a class such as 4xx
COLUMNS = (  # what journal_shape.shape reads, in its order
    "seq, request_id, at, method, path, query, status, request_body, response_body,"
    " error_code, error_message, warnings, fault_id, latency_ms"
)


_INSERT = (
    f"INSERT INTO journal (workspace_id, {COLUMNS.replace('seq, ', '')})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= BODY_LIMIT:
        return text
    return text[:BODY_LIMIT] + f"… [{len(text) - BODY_LIMIT} more characters]"


def record(
    db: sqlite_utils.Database,
    shared: Shared,
    workspace: Workspace,
    entry: dict[str, Any],
) -> bool:
    """Append one entry (keys as the table's columns; warnings a list): into the table inside
    a write transaction, else into the shared log (into the table when the log is full).

    True when the log holds enough to be moved into the table (by the upkeep thread)."""
    row = _row(workspace, entry)
    if db.conn.in_transaction:
        _move(db, shared, [row])
        return False
    used = shared.append(row)
    if used:
        return used * shared_memory.MOVE_FRACTION >= shared_memory.LOG_BYTES
    flush(db, shared, row)
    return False


def flush(
    db: sqlite_utils.Database,
    shared: Shared,
    *rows: tuple[Any, ...],
) -> None:
    """Move the shared log's entries, then `rows`, into the table (before the table is read or
    cleared). Taking the write lock also waits for a writer that is moving entries and has not
    committed them yet."""
    with database.write_transaction(db):
        _move(db, shared, list(rows))


def _move(db: sqlite_utils.Database, shared: Shared, rows: list[tuple[Any, ...]]) -> None:
    """Insert the log's entries not yet moved in this transaction, then `rows`. They leave the
    log only when the transaction commits (a rollback leaves them for the next mover), and an
    entry that cannot be stored never takes another with it (`_insert`)."""
    during = db.conn.during
    pending, end = shared.pending(during.get("journal_log_end", 0))
    _insert(db, [*pending, *rows])
    during["journal_log_end"] = end
    if pending and not during.get("journal_drop"):  # once per transaction, up to the last end
        during["journal_drop"] = True
        db.conn.after_commit.append(lambda: shared.drop(during["journal_log_end"]))


def read(
    db: sqlite_utils.Database, shared: Shared, sql: str, params: list[Any]
) -> list[tuple[Any, ...]]:
    """Rows of a query of the journal table, once every answered request is in it: the one way
    the table is read."""
    flush(db, shared)
    return db.execute(sql, params).fetchall()


def count(ctx: Context, refused_only: bool = False) -> int:
    """How many entries the workspace's journal holds (only refusals, when asked)."""
    sql = "SELECT count(*) FROM journal WHERE workspace_id = ?"
    if refused_only:
        sql += " AND status >= 400"
    return int(read(ctx.db, ctx.shared_memory(), sql, [ctx.workspace.id])[0][0])


def last_workspace_id(db: sqlite_utils.Database, shared: Shared) -> str | None:
    """The workspace of the newest entry of any workspace."""
    rows = read(db, shared, "SELECT workspace_id FROM journal ORDER BY seq DESC LIMIT 1", [])
    return str(rows[0][0]) if rows else None


def _text(value: Any) -> Any:
    """Text SQLite can store: a lone surrogate (which the edge refuses, emulator.json_input, but
    an error message may quote) as its escape."""
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _warnings_json(warnings: list[str] | None) -> str:
    """The warnings as stored (read back with json.loads): most requests have none; orjson
    writes the others, the standard library what it refuses (a lone surrogate, escaped)."""
    if not warnings:
        return "[]"
    try:
        return orjson.dumps(warnings).decode()
    except TypeError:
        return json.dumps(warnings)


def _row(workspace: Workspace, entry: dict[str, Any]) -> tuple[Any, ...]:
    return (
        workspace.id,
        entry["request_id"],
        entry["at"],
        _text(entry["method"]),
        _text(entry["path"]),
        _text(entry["query"]),
        entry["status"],
        _text(_clip(entry.get("request_body"))),
        _text(_clip(entry.get("response_body"))),
        _text(entry.get("error_code")),
        _text(entry.get("error_message")),
        _warnings_json(entry.get("warnings")),
        entry.get("fault_id"),
        entry["latency_ms"],
    )


_STORE_ERRORS = (sqlite3.Error, ValueError, TypeError, OverflowError)


def _insert(db: sqlite_utils.Database, rows: list[tuple[Any, ...]]) -> None:
    stored: Counter[str] = Counter()
    for row in rows:
        try:
            db.conn.execute(_INSERT, row)
        except _STORE_ERRORS as exc:
            if not db.conn.in_transaction:
                raise  # the transaction is gone: nothing was moved, the log keeps every entry
            if _insert_reduced(db, row, exc) is None:
                continue
        stored[row[0]] += 1
    _keep_within_limits(db, stored)


def _keep_within_limits(db: sqlite_utils.Database, added: Counter[str]) -> None:
    """Count the new entries of each workspace; past its limit, remove its oldest."""
    for workspace_id, new in added.items():
        held, limit = db.execute(
            "INSERT INTO journal_counts (workspace_id, entries) VALUES (?, ?)"
            " ON CONFLICT (workspace_id) DO UPDATE SET entries = entries + excluded.entries"
            " RETURNING entries, (SELECT json_extract(settings, '$.journal_limit')"
            " FROM workspaces WHERE id = ?)",
            [workspace_id, new, workspace_id],
        ).fetchone()
        limit = KEEP if limit is None else int(limit)
        if held > limit:
            db.execute(
                "DELETE FROM journal WHERE seq IN (SELECT seq FROM journal"
                " WHERE workspace_id = ? ORDER BY seq LIMIT ?)",
                [workspace_id, held - limit],
            )
            db.execute(
                "UPDATE journal_counts SET entries = ? WHERE workspace_id = ?",
                [limit, workspace_id],
            )


def _insert_reduced(
    db: sqlite_utils.Database, row: tuple[Any, ...], exc: Exception
) -> sqlite3.Cursor | None:
    """Store an entry the table refused in a form it always takes (who, when, what, the status;
    no bodies), or log and count it when even that fails (an entry another version wrote)."""
    global dropped
    try:
        workspace_id, request_id, at, method, path, query, status = row[:7]
        reduced = (
            *(str(_text(value))[:BODY_LIMIT] for value in (workspace_id, request_id)),
            float(at),
            *(str(_text(value))[:BODY_LIMIT] for value in (method, path, query)),
            int(status),
            None,
            None,
            "journal_entry_reduced",
            f"The full entry could not be stored ({type(exc).__name__}); this is what was kept",
            "[]",
            None,
            0.0,
        )
        cursor: sqlite3.Cursor = db.execute(_INSERT, reduced)
        return cursor
    except _STORE_ERRORS:
        if not db.conn.in_transaction:
            raise
        dropped += 1
        log.exception("a journal entry could not be stored, even reduced (%d so far)", dropped)
        return None


def entries(ctx: Context, filters: dict[str, str]) -> dict[str, Any]:
    """Newest first, filtered by `method`, `path` (prefix, or glob with *), `status` (e.g. 429 or
    4xx), `since` (an entry id), and at most `limit` entries (default 100)."""
    sql = f"SELECT {COLUMNS} FROM journal WHERE workspace_id = ?"
    params: list[Any] = [ctx.workspace.id]
    if filters.get("method"):
        sql += " AND method = ?"
        params.append(filters["method"].upper())
    if filters.get("path"):
        pattern = filters["path"]
        sql += " AND path GLOB ?" if "*" in pattern else " AND path = ?"
        params.append(pattern)
    status = filters.get("status")
    if status:
        sql, params = _status_filter(sql, params, status)
    if "since" in filters:  # present, it must be an entry id (an empty one is refused too)
        sql += " AND seq > ?"
        params.append(_integer(filters["since"], "since"))
    limit = _integer(filters.get("limit", "100"), "limit")
    rows = read(ctx.db, ctx.shared_memory(), sql + " ORDER BY seq DESC LIMIT ?", [*params, limit])
    return {"type": "list", "data": [_shape(row) for row in rows]}


def _status_filter(sql: str, params: list[Any], status: str) -> tuple[str, list[Any]]:
    if not _STATUS.fullmatch(status):
        raise ParameterInvalid(
            "status must be a status (429) or a class of them (4xx)", field="status"
        )
    if status[1:].lower() == "xx":
        low = int(status[0]) * 100
        return sql + " AND status BETWEEN ? AND ?", [*params, low, low + 99]
    return sql + " AND status = ?", [*params, _integer(status, "status")]


def _integer(raw: str, field: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ParameterInvalid(f"{field} must be an integer", field=field) from exc
    if not 0 <= value < 2**63:  # SQLite's integers end at 2**63 - 1
        raise ParameterInvalid(f"{field} must be between 0 and 2**63 - 1", field=field)
    return value
