"""Workspaces, the apps (tokens) that reach them, and their admin.

Each bearer token is an app. Unless the server restricts the accepted tokens, a token seen for
the first time creates its own workspace; a config file can declare several tokens (apps) of one
workspace, which then share the workspace's data and its rate limit.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import sqlite_utils

from emulator.errors import Forbidden
from emulator.shared import Shared
from emulator.store import ids, journal, settings
from emulator.store.context import Workspace

_SELECT = """
    SELECT w.id, w.name, w.admin_id, w.admin_name, w.admin_email, w.settings, w.created_at,
           w.clock_frozen_at, w.clock_offset,
           EXISTS (SELECT 1 FROM faults f WHERE f.workspace_id = w.id), w.rowid, t.rowid
    FROM tokens t JOIN workspaces w ON w.id = t.workspace_id WHERE t.token = ?
"""


def _from_row(row: tuple[Any, ...]) -> Workspace:
    (
        wid,
        name,
        admin_id,
        admin_name,
        admin_email,
        raw_settings,
        created_at,
        frozen,
        offset,
        faults,
        workspace_row,
        token_row,
    ) = row
    return Workspace(
        wid,
        name,
        admin_id,
        admin_name,
        admin_email,
        orjson.loads(raw_settings),  # the emulator's own JSON: orjson reads it 3x faster
        created_at,
        frozen,
        offset,
        bool(faults),
        workspace_row,
        token_row,
    )


def find_by_app_id(db: sqlite_utils.Database, app_id: str) -> Workspace | None:
    """The workspace whose app `id_code` (as GET /me shows it) is `app_id`."""
    row = db.execute(
        _SELECT.replace("WHERE t.token = ?", "WHERE w.id = ? LIMIT 1"), [app_id]
    ).fetchone()
    return _from_row(row) if row else None


def find(db: sqlite_utils.Database, token: str) -> Workspace | None:
    row = db.execute(_SELECT, [token]).fetchone()
    return _from_row(row) if row else None


def create(
    db: sqlite_utils.Database,
    tokens: list[str],
    now: int,
    name: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Workspace:
    """A new workspace reached by `tokens`, each an app of it."""
    workspace_id = ids.app_id_code()
    admin_id = ids.admin_id()
    db.execute(
        "INSERT INTO workspaces (id, name, admin_id, admin_name, admin_email, settings, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            workspace_id,
            name or f"Workspace {workspace_id}",
            admin_id,
            "Emulator Admin",
            f"admin@{workspace_id}.example.com",
            json.dumps(settings.initial(overrides)),
            now,
        ],
    )
    for number, token in enumerate(tokens, start=1):
        db.execute(
            "INSERT INTO tokens (token, workspace_id, app_name, created_at) VALUES (?, ?, ?, ?)",
            [token, workspace_id, f"App {number}", now],
        )
    found = find(db, tokens[0])
    assert found is not None
    return found


def find_or_create(
    db: sqlite_utils.Database,
    token: str,
    now: int,
    overrides: dict[str, Any] | None,
    most: int | None = None,
) -> Workspace:
    """The workspace a token reaches, created on first use (emulator.access decides whether the
    token is accepted), unless the server already holds `most` workspaces (403). Call inside a
    write transaction: two first requests with one token must not race."""
    found = find(db, token)
    if found is not None:
        return found
    if most is not None and db.execute("SELECT count(*) FROM workspaces").fetchone()[0] >= most:
        raise Forbidden(
            f"This emulator holds its maximum of {most} workspaces (max_workspaces), so a new"
            " token cannot make another: delete one (DELETE /_emulator/workspace, `emulator"
            " delete-workspace`) or start the server with a larger --max-workspaces"
        )
    return create(db, [token], now, overrides=overrides)


def declare(db: sqlite_utils.Database, declared: list[dict[str, Any]], now: int) -> None:
    """Create the workspaces a config file declares, unless their first token exists already."""
    for spec in declared:
        tokens = list(spec["tokens"])
        if find(db, tokens[0]) is None:
            create(db, tokens, now, name=spec.get("name"), overrides=spec.get("settings"))


def all_workspaces(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every workspace, oldest first: id, name, apps (their names), created_at and how many
    journal entries it holds."""
    rows = db.execute(
        "SELECT w.id, w.name, group_concat(t.app_name, ', '), w.created_at,"
        " ifnull((SELECT entries FROM journal_counts j WHERE j.workspace_id = w.id), 0)"
        " FROM workspaces w LEFT JOIN tokens t ON t.workspace_id = w.id"
        " GROUP BY w.id ORDER BY w.created_at, w.rowid"
    ).fetchall()
    keys = ("id", "name", "apps", "created_at", "journal_entries")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def delete(db: sqlite_utils.Database, shared: Shared, workspace_id: str) -> bool:
    """Delete a workspace: its data, its tokens (a token of it used again makes a new, empty
    workspace) and its settings; False when there is no such workspace. Call inside a write
    transaction."""
    if db.execute("SELECT 1 FROM workspaces WHERE id = ?", [workspace_id]).fetchone() is None:
        return False
    clear(db, shared, workspace_id)
    db.execute("DELETE FROM workspaces WHERE id = ?", [workspace_id])
    return True


# Tables holding a workspace's data, children first; rows of join tables go with their parents.
_DATA_TABLES = (
    "conversations",  # its parts, contacts and tags go with it (ON DELETE CASCADE)
    "admins",
    "teams",
    "events",
    "event_summaries",
    "event_names",
    "contacts",
    "companies",
    "company_scrolls",
    "tags",
    "data_attributes",
    "journal",
    "journal_counts",
    "faults",
    "webhook_notifications",  # and their attempts; the subscriptions stay, as settings do
)


def clear(db: sqlite_utils.Database, shared: Shared, workspace_id: str | None) -> None:
    """Delete a workspace's data (every workspace's when None); tokens and settings stay.
    Call inside a write transaction."""
    journal.flush(db, shared)  # entries still in the shared log go too
    for table in _DATA_TABLES:
        if workspace_id is None:
            db.execute(f"DELETE FROM {table}")
        else:
            db.execute(f"DELETE FROM {table} WHERE workspace_id = ?", [workspace_id])
    if workspace_id is None:
        db.execute("DELETE FROM rate_windows")
        shared.forget_all()
        return
    rows = db.execute(
        "SELECT w.rowid, t.rowid FROM workspaces w JOIN tokens t ON t.workspace_id = w.id"
        " WHERE w.id = ?",
        [workspace_id],
    ).fetchall()
    keys = [f"app:{token_row}" for _, token_row in rows] + [f"workspace:{row}" for row, _ in rows]
    db.execute(f"DELETE FROM rate_windows WHERE key IN ({', '.join('?' * len(keys))})", keys)
    shared.forget([token_row for _, token_row in rows], [row for row, _ in rows[:1]])
