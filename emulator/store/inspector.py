"""What the inspector page shows: read-only views of one workspace, and the page's one action.

The page (`emulator/routes/inspector.py`) picks a workspace by id, not by token; emulator.access
builds the `Context` the other store functions expect.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from emulator.shared import Shared
from emulator.store import clock, data_attributes, event_names, faults, journal, workspaces
from emulator.store.context import Context, Workspace
from emulator.store.conversations import inspecting as conversations_view

ROWS_SHOWN = 50


def workspace_by_id(db: sqlite_utils.Database, workspace_id: str) -> Workspace | None:
    row = db.execute(
        "SELECT token FROM tokens WHERE workspace_id = ? ORDER BY created_at LIMIT 1",
        [workspace_id],
    ).fetchone()
    return workspaces.find(db, row[0]) if row else None


def choose_workspace(
    db: sqlite_utils.Database, shared: Shared, workspace_id: str | None, token: str | None
) -> Workspace | None:
    """The workspace asked for by id, else the bearer token's, else the last one used."""
    if workspace_id:
        return workspace_by_id(db, workspace_id)
    if token:
        found = workspaces.find(db, token)
        if found is not None:
            return found
    last = journal.last_workspace_id(db, shared)
    if last is None:
        row = db.execute("SELECT id FROM workspaces ORDER BY created_at DESC LIMIT 1").fetchone()
        last = row[0] if row else None
    return workspace_by_id(db, last) if last else None


def set_event_name_archived(ctx: Context, name: str, archived: bool) -> dict[str, Any]:
    """Archive or unarchive an event name, as the control API does."""
    if archived:
        return event_names.archive(ctx, name)
    return event_names.unarchive(ctx, name)


def page(ctx: Context, search: str, refused_only: bool) -> dict[str, Any]:
    """Everything the page shows about one workspace."""
    found, matching = contacts(ctx, search)
    names = event_names.list_all(ctx)
    return {
        "workspace": ctx.workspace,
        "counts": counts(ctx),
        "contacts": found,
        "contacts_matching": matching,
        "companies": companies(ctx),
        "data_attributes": [  # the workspace's own: Intercom's built-in ones are always there
            attribute
            for attribute in data_attributes.list_all(ctx, None, include_archived=True)["data"]
            if attribute["custom"]
        ],
        "tags": tags(ctx),
        "conversations": conversations_view.recent(ctx),
        "event_names": names,
        "events": recent_events(ctx),
        "requests": requests(ctx, refused_only),
        "faults": faults.list_all(ctx)["data"],
        "clock": clock.state(ctx.workspace),
        "settings": {
            name: value
            for name, value in ctx.workspace.settings.items()
            if name != "identity_verification_secret"
        },
    }


def _count(ctx: Context, sql: str) -> int:
    return int(ctx.db.execute(sql, [ctx.workspace.id]).fetchone()[0])


def counts(ctx: Context) -> dict[str, int]:
    return {
        "contacts": _count(
            ctx, "SELECT count(*) FROM contacts WHERE workspace_id = ? AND merged_into IS NULL"
        ),
        "companies": _count(ctx, "SELECT count(*) FROM companies WHERE workspace_id = ?"),
        "data_attributes": _count(
            ctx, "SELECT count(*) FROM data_attributes WHERE workspace_id = ? AND archived = 0"
        ),
        "tags": _count(ctx, "SELECT count(*) FROM tags WHERE workspace_id = ?"),
        "events": _count(ctx, "SELECT count(*) FROM events WHERE workspace_id = ?"),
        "requests": journal.count(ctx),
        "refused": journal.count(ctx, refused_only=True),
    }


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contacts(ctx: Context, search: str) -> tuple[list[dict[str, Any]], int]:
    """The newest contacts whose email, name or external_id contains `search`, and how many
    match in all."""
    where = "workspace_id = ?"
    params: list[Any] = [ctx.workspace.id]
    if search:
        where += (
            " AND (email LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'"
            " OR external_id LIKE ? ESCAPE '\\')"
        )
        params += [_like(search)] * 3
    (total,) = ctx.db.execute(f"SELECT count(*) FROM contacts WHERE {where}", params).fetchone()
    rows = ctx.db.execute(
        "SELECT id, role, external_id, email, name, custom_attributes, archived, merged_into,"
        " created_at, (SELECT count(*) FROM events e WHERE e.contact_id = contacts.id)"
        f" FROM contacts WHERE {where} ORDER BY seq DESC LIMIT ?",
        [*params, ROWS_SHOWN],
    ).fetchall()
    keys = (
        "id",
        "role",
        "external_id",
        "email",
        "name",
        "custom_attributes",
        "archived",
        "merged_into",
        "created_at",
        "events",
    )
    found = [dict(zip(keys, row, strict=True)) for row in rows]
    for contact in found:
        contact["custom_attributes"] = json.loads(contact["custom_attributes"])
    return found, int(total)


def companies(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT id, company_id, name, plan, monthly_spend, custom_attributes, created_at,"
        " (SELECT count(*) FROM contact_companies cc WHERE cc.company_id = companies.id)"
        " FROM companies WHERE workspace_id = ? ORDER BY seq DESC LIMIT ?",
        [ctx.workspace.id, ROWS_SHOWN],
    ).fetchall()
    keys = ("id", "company_id", "name", "plan", "monthly_spend", "custom_attributes")
    return [
        {
            **dict(zip(keys, row[:6], strict=True)),
            "custom_attributes": json.loads(row[5]),
            "created_at": row[6],
            "users": row[7],
        }
        for row in rows
    ]


def tags(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT t.id, t.name, t.created_at,"
        " (SELECT count(*) FROM contact_tags ct WHERE ct.tag_id = t.id),"
        " (SELECT count(*) FROM company_tags ct WHERE ct.tag_id = t.id)"
        " FROM tags t WHERE t.workspace_id = ? ORDER BY t.name COLLATE NOCASE",
        [ctx.workspace.id],
    ).fetchall()
    keys = ("id", "name", "created_at", "contacts", "companies")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def recent_events(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT e.event_name, e.created_at, e.metadata, c.id, c.email, c.external_id"
        " FROM events e JOIN contacts c ON c.id = e.contact_id"
        " WHERE e.workspace_id = ? ORDER BY e.seq DESC LIMIT ?",
        [ctx.workspace.id, ROWS_SHOWN],
    ).fetchall()
    return [
        {
            "name": name,
            "created_at": created_at,
            "metadata": json.loads(metadata),
            "contact_id": contact_id,
            "contact": email or external_id or contact_id,
        }
        for name, created_at, metadata, contact_id, email, external_id in rows
    ]


def requests(ctx: Context, refused_only: bool) -> list[dict[str, Any]]:
    """The newest journal entries (only the refused ones, when asked)."""
    limit = str(ROWS_SHOWN)
    if not refused_only:
        return journal.entries(ctx, {"limit": limit})["data"]
    refused = [
        entry
        for status in ("4xx", "5xx")
        for entry in journal.entries(ctx, {"status": status, "limit": limit})["data"]
    ]
    return sorted(refused, key=lambda entry: entry["id"], reverse=True)[:ROWS_SHOWN]


def workspace_list(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every workspace, newest first, for the page's picker."""
    return list(reversed(workspaces.all_workspaces(db)))
