"""A conversation as Intercom shows it [S2.11 `conversation`, `conversation_part`,
`conversation_source`, `conversation_statistics` schemas, retrieveConversation example].

Fields the emulator has nothing for are shown as Intercom's examples show them when empty:
`sla_applied`, `ai_agent`, `title` and `ticket` null, `topics` `{}`, `priority`
"not_priority", `linked_objects` an empty list. `conversation_rating` and `first_contact_reply`
are left out until there is one (Intercom's schemas give neither a null). At most the 500 most
recent parts are shown ("Hard limit of 500 parts" [S2.11 retrieveConversation]), with
`total_count` counting them all. `display_as=plaintext` shows bodies without their HTML.

From 2.16 nobody assigned is 0, not null, and `priority` is "none" ([S2.16] `conversation`:
"If it's not assigned to an admin it will return 0"; priority one of none, low, …, urgent).
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
from typing import Any
from urllib.parse import urlparse

from emulator import versions
from emulator.store import admins
from emulator.store.contacts import records as contact_records
from emulator.store.context import Context
from emulator.store.conversations import records

MAX_PARTS = 500
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def as_html(body: str) -> str:
    """A body as Intercom keeps it: HTML stays as sent, plain text becomes one paragraph
    (`Thanks again :)` is shown as `<p>Thanks again :)</p>` [S2.11 replyConversation example])."""
    if body.lstrip().startswith("<"):
        return body
    return f"<p>{html.escape(body, quote=False)}</p>"


def plaintext(body: str | None) -> str | None:
    if body is None:
        return None
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", body)))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def attachment(url: str) -> dict[str, Any]:
    """An attachment sent as a URL [S2.11 `part_attachment`]; the emulator fetches nothing, so
    its size and dimensions are 0."""
    name = urlparse(url).path.rsplit("/", 1)[-1] or "attachment"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {
        "type": "upload",
        "name": name,
        "url": url,
        "content_type": content_type,
        "filesize": 0,
        "width": 0,
        "height": 0,
    }


def author(ctx: Context, kind: str, author_id: str) -> dict[str, Any]:
    """`conversation_part_author`: type, id, name, email (required, so "" for none)."""
    if kind == "admin":
        found = admins.find(ctx, author_id)
        if found:
            return {
                "type": "admin",
                "id": found["id"],
                "name": found["name"],
                "email": found["email"],
            }
    if kind == "bot":  # Intercom's Operator bot, as its examples show it
        return {
            "type": "bot",
            "id": author_id,
            "name": "Operator",
            "email": f"operator+{ctx.workspace.id}@intercom.io",
        }
    row = contact_records.find(ctx, author_id)
    if row is None:
        return {"type": kind, "id": author_id, "name": None, "email": ""}
    return {"type": row["role"], "id": author_id, "name": row["name"], "email": row["email"] or ""}


def _part(ctx: Context, row: tuple[Any, ...], plain: bool) -> dict[str, Any]:
    seq, part_type, body, author_type, author_id, assigned_to, attachments, created_at = row
    return {
        "type": "conversation_part",
        "id": str(seq),
        "part_type": part_type,
        "body": plaintext(body) if plain else body,
        "created_at": created_at,
        "updated_at": created_at,
        "notified_at": created_at,
        "assigned_to": json.loads(assigned_to) if assigned_to else None,
        "author": author(ctx, author_type, author_id),
        "attachments": json.loads(attachments),
        "external_id": None,
        "redacted": False,
    }


def _teammates(ctx: Context, seq: int) -> dict[str, Any]:
    rows = ctx.db.execute(
        "SELECT DISTINCT author_id FROM conversation_parts WHERE conversation_seq = ?"
        " AND author_type = 'admin' ORDER BY seq",
        [seq],
    ).fetchall()
    return {"type": "admin.list", "teammates": [{"type": "admin", "id": r[0]} for r in rows]}


def _contacts(ctx: Context, seq: int) -> dict[str, Any]:
    shown = []
    for contact_id in records.contact_ids(ctx, seq):
        row = contact_records.find(ctx, contact_id)
        external_id = row["external_id"] if row else None
        shown.append({"type": "contact", "id": contact_id, "external_id": external_id})
    return {"type": "contact.list", "contacts": shown}


def _statistics(record: dict[str, Any], parts: int) -> dict[str, Any]:
    return {
        "type": "conversation_statistics",
        **record["statistics"],
        "count_conversation_parts": parts,
    }


def _id_number(value: str | None) -> int | None:
    return int(value) if value else None


def _assignee(ctx: Context, value: str | None) -> int | None:
    number = _id_number(value)
    return 0 if number is None and versions.at_least(ctx.version, "2.16") else number


def _source(ctx: Context, record: dict[str, Any], plain: bool) -> dict[str, Any]:
    return {
        "type": "email" if record["message_type"] == "email" else "conversation",
        "id": record["message_id"],
        "delivered_as": record["delivered_as"],
        "subject": record["subject"],
        "body": plaintext(record["body"]) if plain else record["body"],
        "author": author(ctx, record["author_type"], record["author_id"]),
        "attachments": record["attachments"],
        "url": None,
        "redacted": False,
    }


def _tags(ctx: Context, seq: int) -> list[dict[str, Any]]:
    by = {"type": "admin", "id": ctx.workspace.admin_id}
    return [
        {"type": "tag", "id": str(tag_id), "name": name, "applied_at": at, "applied_by": by}
        for tag_id, name, at in records.tag_rows(ctx, seq)
    ]


def conversation(
    ctx: Context, record: dict[str, Any], *, parts: bool = True, plain: bool = False
) -> dict[str, Any]:
    seq = record["seq"]
    part_rows, total = records.part_rows(ctx, seq, MAX_PARTS if parts else 0)
    shown: dict[str, Any] = {
        "type": "conversation",
        "id": str(seq),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "waiting_since": record["waiting_since"],
        "snoozed_until": record["snoozed_until"],
        "source": _source(ctx, record, plain),
        "contacts": _contacts(ctx, seq),
        "admin_assignee_id": _assignee(ctx, record["admin_assignee_id"]),
        "team_assignee_id": _assignee(ctx, record["team_assignee_id"]),
        "open": record["state"] != "closed",
        "state": record["state"],
        "read": bool(record["read"]),
        "tags": {"type": "tag.list", "tags": _tags(ctx, seq)},
        "priority": "none" if versions.at_least(ctx.version, "2.16") else "not_priority",
        "sla_applied": None,
        "statistics": _statistics(record, total),
        "teammates": _teammates(ctx, seq),
        "title": None,
        "custom_attributes": record["custom_attributes"],
        "topics": {},
        "ticket": None,
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
        "ai_agent": None,
        "ai_agent_participated": False,
    }
    if record["first_contact_reply_at"] is not None:
        shown["first_contact_reply"] = {
            "created_at": record["first_contact_reply_at"],
            "type": "conversation",
            "url": None,
        }
    if parts:
        shown["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [_part(ctx, row, plain) for row in part_rows],
            "total_count": total,
        }
    return shown
