"""A stored conversation: its row, found by id, and its state as of the workspace's clock.

Conversation ids are numbers written as text, as Intercom's are. An admin's message that no
contact has answered is stored but is no conversation yet (`visible = 0`): Intercom's
`POST /messages` says "there will be no conversation present until the contact responds", and a
conversation id that is not there is 404 `not_found` "Resource Not Found" [S2.11
retrieveConversation 404 example]. A snoozed conversation whose `snoozed_until` has passed is
open again [S2.11 snooze_conversation_request: "The time you want the conversation to reopen"]:
readers see it open at once; the next change stores it so (`wake`).
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import NotFound
from emulator.store.context import Context

COLUMNS = (
    "seq",
    "visible",
    "message_id",
    "message_type",
    "delivered_as",
    "subject",
    "body",
    "author_type",
    "author_id",
    "attachments",
    "state",
    "read",
    "waiting_since",
    "snoozed_until",
    "admin_assignee_id",
    "team_assignee_id",
    "custom_attributes",
    "statistics",
    "first_contact_reply_at",
    "created_at",
    "updated_at",
)
COLUMN_LIST = ", ".join(COLUMNS)
_SQLITE_INT_MAX = 2**63 - 1


def as_dict(ctx: Context, row: tuple[Any, ...]) -> dict[str, Any]:
    record = dict(zip(COLUMNS, row, strict=True))
    for name in ("attachments", "custom_attributes", "statistics"):
        record[name] = json.loads(record[name])
    if record["state"] == "snoozed" and (record["snoozed_until"] or 0) <= ctx.now:
        record["state"], record["snoozed_until"] = "open", None
        record["woke"] = True
    return record


def find(ctx: Context, conversation_id: Any, *, pending: bool = False) -> dict[str, Any] | None:
    """The conversation with this id, or None; `pending` includes unanswered admin messages."""
    text = str(conversation_id)
    if not (text.isascii() and text.isdigit()) or int(text) > _SQLITE_INT_MAX:
        return None
    row = ctx.db.execute(
        f"SELECT {COLUMN_LIST} FROM conversations WHERE workspace_id = ? AND seq = ?",
        [ctx.workspace.id, int(text)],
    ).fetchone()
    if row is None or not (row[1] or pending):
        return None
    return as_dict(ctx, row)


def require(ctx: Context, conversation_id: Any, *, pending: bool = False) -> dict[str, Any]:
    """The conversation; 404 `not_found` "Resource Not Found" otherwise [S2.11]."""
    found = find(ctx, conversation_id, pending=pending)
    if found is None:
        raise NotFound()
    return found


def contact_ids(ctx: Context, seq: int) -> list[str]:
    rows = ctx.db.execute(
        "SELECT contact_id FROM conversation_contacts WHERE conversation_seq = ?"
        " ORDER BY added_at, rowid",
        [seq],
    ).fetchall()
    return [row[0] for row in rows]


def tag_rows(ctx: Context, seq: int) -> list[tuple[int, str, int]]:
    return ctx.db.execute(
        "SELECT tags.id, tags.name, conversation_tags.applied_at FROM conversation_tags"
        " JOIN tags ON tags.id = conversation_tags.tag_id"
        " WHERE conversation_seq = ? ORDER BY conversation_tags.rowid",
        [seq],
    ).fetchall()


def part_rows(ctx: Context, seq: int, limit: int) -> tuple[list[tuple[Any, ...]], int]:
    """The conversation's last `limit` parts, oldest first, and how many it has."""
    (total,) = ctx.db.execute(
        "SELECT count(*) FROM conversation_parts WHERE conversation_seq = ?", [seq]
    ).fetchone()
    rows = ctx.db.execute(
        "SELECT seq, part_type, body, author_type, author_id, assigned_to, attachments,"
        " created_at FROM conversation_parts WHERE conversation_seq = ?"
        " ORDER BY seq DESC LIMIT ?",
        [seq, limit],
    ).fetchall()
    return list(reversed(rows)), total
