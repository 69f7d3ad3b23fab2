"""What the inspector page shows: read-only views of one workspace, a section at a time, and
the page's two actions (archive an event name, reset the workspace).

The page (`emulator/routes/inspector.py`) picks a workspace by id, not by token; emulator.access
builds the `Context` the other store functions expect. Each section's data comes from one
function here, `(ctx, asked) -> dict`; the long tables (requests, contacts, companies, events)
are paged here, in SQL, `PAGE_SIZE` rows at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from emulator.shared import Shared
from emulator.store import (
    clock,
    data_attributes,
    event_names,
    faults,
    inspector_journal,
    journal,
    workspaces,
)
from emulator.store.context import Context, Workspace
from emulator.store.conversations import inspecting as conversations_view
from emulator.store.paging import PAGE_SIZE, pages
from emulator.store.webhooks import deliveries


@dataclass(frozen=True)
class Asked:
    """What the visitor asked a section for: a search, a page, a kind of request."""

    search: str = ""
    page: int = 1
    kind: str = "all"


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


def reset(ctx: Context) -> None:
    """Empty the workspace, as `POST /_emulator/reset` does: its tokens and settings stay."""
    workspaces.clear(ctx.db, ctx.shared_memory(), ctx.workspace.id)


def _count(ctx: Context, sql: str, params: list[Any] | None = None) -> int:
    return int(ctx.db.execute(sql, [ctx.workspace.id, *(params or [])]).fetchone()[0])


def counts(ctx: Context) -> dict[str, Any]:
    """The figures the page's navigation shows beside each section."""
    requests = inspector_journal.counts(ctx)
    return {
        "requests": requests["all"],
        "kinds": requests,
        "contacts": _count(
            ctx, "SELECT count(*) FROM contacts WHERE workspace_id = ? AND merged_into IS NULL"
        ),
        "companies": _count(ctx, "SELECT count(*) FROM companies WHERE workspace_id = ?"),
        "events": _count(ctx, "SELECT count(*) FROM events WHERE workspace_id = ?"),
        "event-names": f"{event_names.active_count(ctx)}/{ctx.setting('event_name_limit')}",
        "data-attributes": _count(
            ctx, "SELECT count(*) FROM data_attributes WHERE workspace_id = ? AND archived = 0"
        ),
        "tags": _count(ctx, "SELECT count(*) FROM tags WHERE workspace_id = ?"),
        "settings": _count(ctx, "SELECT count(*) FROM faults WHERE workspace_id = ?") or None,
    }


def requests(ctx: Context, asked: Asked) -> dict[str, Any]:
    """The journal's entries of the kind asked for, matching the search, a page of them."""
    found = inspector_journal.listing(ctx, asked.kind, asked.search, asked.page)
    return {"requests": found["entries"], "page": found["page"]}


def contacts(ctx: Context, asked: Asked) -> dict[str, Any]:
    """The newest contacts whose email, name or external_id contains the search, a page."""
    where = "workspace_id = ?"
    params: list[Any] = [ctx.workspace.id]
    if asked.search:
        where += (
            " AND (email LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'"
            " OR external_id LIKE ? ESCAPE '\\')"
        )
        params += [inspector_journal.like(asked.search)] * 3
    (total,) = ctx.db.execute(f"SELECT count(*) FROM contacts WHERE {where}", params).fetchone()
    paged = pages(int(total), asked.page)
    rows = ctx.db.execute(
        "SELECT id, role, external_id, email, name, custom_attributes, archived, merged_into,"
        " created_at, (SELECT count(*) FROM events e WHERE e.contact_id = contacts.id)"
        f" FROM contacts WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, paged["offset"]],
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
    return {"contacts": found, "page": paged}


def companies(ctx: Context, asked: Asked) -> dict[str, Any]:
    paged = pages(_count(ctx, "SELECT count(*) FROM companies WHERE workspace_id = ?"), asked.page)
    rows = ctx.db.execute(
        "SELECT id, company_id, name, plan, monthly_spend, custom_attributes, created_at,"
        " (SELECT count(*) FROM contact_companies cc WHERE cc.company_id = companies.id)"
        " FROM companies WHERE workspace_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
        [ctx.workspace.id, PAGE_SIZE, paged["offset"]],
    ).fetchall()
    keys = ("id", "company_id", "name", "plan", "monthly_spend", "custom_attributes")
    found = [
        {
            **dict(zip(keys, row[:6], strict=True)),
            "custom_attributes": json.loads(row[5]),
            "created_at": row[6],
            "users": row[7],
        }
        for row in rows
    ]
    return {"companies": found, "page": paged}


def events(ctx: Context, asked: Asked) -> dict[str, Any]:
    paged = pages(_count(ctx, "SELECT count(*) FROM events WHERE workspace_id = ?"), asked.page)
    rows = ctx.db.execute(
        "SELECT e.event_name, e.created_at, e.metadata, c.id, c.email, c.external_id"
        " FROM events e JOIN contacts c ON c.id = e.contact_id"
        " WHERE e.workspace_id = ? ORDER BY e.seq DESC LIMIT ? OFFSET ?",
        [ctx.workspace.id, PAGE_SIZE, paged["offset"]],
    ).fetchall()
    found = [
        {
            "name": name,
            "created_at": created_at,
            "metadata": json.loads(metadata),
            "contact_id": contact_id,
            "contact": email or external_id or contact_id,
        }
        for name, created_at, metadata, contact_id, email, external_id in rows
    ]
    return {"events": found, "page": paged}


def event_name_list(ctx: Context, asked: Asked) -> dict[str, Any]:
    return {"event_names": event_names.list_all(ctx)}


def data_attribute_list(ctx: Context, asked: Asked) -> dict[str, Any]:
    listed = data_attributes.every(ctx, None, include_archived=True)
    # The workspace's own: Intercom's built-in ones are always there.
    return {"data_attributes": [attribute for attribute in listed if attribute["custom"]]}


def tags(ctx: Context, asked: Asked) -> dict[str, Any]:
    rows = ctx.db.execute(
        "SELECT t.id, t.name, t.created_at,"
        " (SELECT count(*) FROM contact_tags ct WHERE ct.tag_id = t.id),"
        " (SELECT count(*) FROM company_tags ct WHERE ct.tag_id = t.id)"
        " FROM tags t WHERE t.workspace_id = ? ORDER BY t.name COLLATE NOCASE",
        [ctx.workspace.id],
    ).fetchall()
    keys = ("id", "name", "created_at", "contacts", "companies")
    return {"tags": [dict(zip(keys, row, strict=True)) for row in rows]}


def conversations(ctx: Context, asked: Asked) -> dict[str, Any]:
    """The most recently updated conversations, each with its parts."""
    return {"conversations": conversations_view.recent(ctx)}


def webhooks(ctx: Context, asked: Asked) -> dict[str, Any]:
    """The newest webhook notifications, each with its attempts."""
    return {"webhooks": deliveries.list_recent(ctx, {"per_page": "20"})["data"]}


def settings(ctx: Context, asked: Asked) -> dict[str, Any]:
    return {
        "faults": faults.list_all(ctx)["data"],
        "settings": {
            name: value
            for name, value in ctx.workspace.settings.items()
            if name != "identity_verification_secret"
        },
    }


def token_label(token: str) -> str:
    """A token as the picker shows it: its first and last characters (`ci-…ken`), never all."""
    return f"{token[:3]}…{token[-3:]}" if len(token) >= 8 else f"{token[:1]}…"


def workspace_list(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every workspace, newest first, for the page's picker, each with a label a person tells
    apart: its name from the config file, else its tokens' first and last characters."""
    tokens: dict[str, list[str]] = {}
    for workspace_id, token in db.execute("SELECT workspace_id, token FROM tokens ORDER BY rowid"):
        tokens.setdefault(workspace_id, []).append(token_label(token))
    listed = list(reversed(workspaces.all_workspaces(db)))
    for entry in listed:
        named = entry["name"] != f"Workspace {entry['id']}"  # a config file's [[workspaces]] name
        entry["label"] = entry["name"] if named else ", ".join(tokens.get(entry["id"], [])[:2])
    labels = [entry["label"] for entry in listed]
    for entry in listed:
        if not entry["label"] or labels.count(entry["label"]) > 1:
            entry["label"] = f"{entry['label']} ({entry['id']})".strip()
    return listed


def header(ctx: Context) -> dict[str, Any]:
    """What every section's page shows above it."""
    return {"workspace": ctx.workspace, "counts": counts(ctx), "clock": clock.state(ctx.workspace)}
