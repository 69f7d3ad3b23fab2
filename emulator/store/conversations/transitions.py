"""Every change of a conversation, one function per transition, each ending in `_changed`.

`_changed` stamps `updated_at`, stores the change and tells the webhook outbox (`notify`) and
each listener (`on_change`) the Intercom topic it stands for, inside the request's transaction.

What each transition does to the conversation, as Intercom reports it [S2.11 replyConversation,
manageConversation and autoAssignConversation examples; `conversation` and
`conversation_statistics` schemas]:

- a contact starts one: no part (the message is the `source`); open, waiting since now;
  first/last_contact_reply_at;
- a contact replies: `comment`, or `open` when it reopens a closed or snoozed one; open,
  unread, waiting since now unless already waiting; last_contact_reply_at, count_reopens;
- an admin replies: `comment`; state unchanged; no longer waiting; first/last_admin_reply_at,
  time_to_admin_reply;
- an admin notes: `note`; nothing else changes;
- assign: `assignment`, or `assign_and_reopen` when not open; open; first/last_assignment_at,
  count_assignments, time_to_assignment;
- close: `close`; closed (`open` false), not waiting; first/last_close_at,
  time_to_first/last_close, last_closed_by_id;
- snooze: `snoozed`; snoozed (`open` stays true) until `snoozed_until`;
- open: `open`; open; count_reopens when it was closed;
- assignment rules (none exist): `default_assignment` to `nobody_admin` by the Operator bot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.store.context import Context
from emulator.store.conversations import notify

Listener = Callable[[Context, str, int], None]
_LISTENERS: list[Listener] = []
OPERATOR_ID = "0"  # the Operator bot's id in this emulator


def on_change(listener: Listener) -> Callable[[], None]:
    """Call `listener(ctx, topic, conversation_id)` after each transition; returns its remover."""
    _LISTENERS.append(listener)
    return lambda: _LISTENERS.remove(listener)


def _changed(ctx: Context, record: dict[str, Any], topic: str | None, **changes: Any) -> None:
    changes["updated_at"] = ctx.now
    if record.pop("woke", False):  # a snooze that ran out is stored as open
        changes.setdefault("state", "open")
        changes.setdefault("snoozed_until", None)
    for name in ("statistics", "custom_attributes"):
        if name in changes:
            changes[name] = json.dumps(changes[name], sort_keys=True)
    columns = ", ".join(f"{name} = ?" for name in changes)
    ctx.db.execute(
        f"UPDATE conversations SET {columns} WHERE seq = ?", [*changes.values(), record["seq"]]
    )
    if topic is not None:
        _notify(ctx, topic, record["seq"])


def _notify(ctx: Context, topic: str, seq: int) -> None:
    notify.changed(ctx, topic, seq)
    for listener in list(_LISTENERS):
        listener(ctx, topic, seq)


def _part(
    ctx: Context,
    seq: int,
    part_type: str,
    author: tuple[str, str],
    body: str | None = None,
    assigned_to: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> None:
    ctx.db.execute(
        "INSERT INTO conversation_parts (conversation_seq, part_type, body, author_type,"
        " author_id, assigned_to, attachments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            seq,
            part_type,
            body,
            *author,
            json.dumps(assigned_to) if assigned_to else None,
            json.dumps(attachments or []),
            ctx.now,
        ],
    )


def _stats(record: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**record["statistics"], **values}


def start(ctx: Context, source: dict[str, Any], contact_id: str, *, by_contact: bool) -> int:
    """A new conversation from its first message (`source`). A contact's is visible and waiting
    at once; an admin's stays a message until the contact replies (`contact_replied`)."""
    at = source.get("created_at") or ctx.now  # an import may say when it began [S2.11]
    statistics = {"first_contact_reply_at": at, "last_contact_reply_at": at}
    cursor = ctx.db.execute(
        "INSERT INTO conversations (workspace_id, visible, message_id, message_type,"
        " delivered_as, subject, body, author_type, author_id, attachments, state, read,"
        " waiting_since, statistics, first_contact_reply_at, created_at, updated_at)"
        " VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?, ?, ?, ?)",
        [
            ctx.workspace.id,
            int(by_contact),
            source["message_type"],
            source["delivered_as"],
            source.get("subject", ""),
            source["body"],
            source["author_type"],
            source["author_id"],
            json.dumps(source.get("attachments", [])),
            at if by_contact else None,
            json.dumps(statistics if by_contact else {}),
            at if by_contact else None,
            at,
            ctx.now,
        ],
    )
    seq = int(cursor.lastrowid or 0)
    # The message's own id, distinct from the conversation's, as Intercom's are.
    ctx.db.execute(
        "UPDATE conversations SET message_id = ? WHERE seq = ?", [str(400_000_000 + seq), seq]
    )
    ctx.db.execute(
        "INSERT INTO conversation_contacts (conversation_seq, contact_id, added_at)"
        " VALUES (?, ?, ?)",
        [seq, contact_id, ctx.now],
    )
    _notify(
        ctx, "conversation.user.created" if by_contact else "conversation.admin.single.created", seq
    )
    return seq


def contact_replied(
    ctx: Context, record: dict[str, Any], contact_id: str, body: str, attachments: list[Any]
) -> None:
    reopens = record["state"] != "open"
    _part(
        ctx,
        record["seq"],
        "open" if reopens else "comment",
        ("user", contact_id),
        body,
        None,
        attachments,
    )
    stats = _stats(record, last_contact_reply_at=ctx.now)
    stats.setdefault("first_contact_reply_at", ctx.now)
    if record["state"] == "closed":
        stats["count_reopens"] = stats.get("count_reopens", 0) + 1
    changes: dict[str, Any] = {
        "state": "open",
        "snoozed_until": None,
        "read": 0,
        "statistics": stats,
        "waiting_since": record["waiting_since"] or ctx.now,
    }
    if not record["visible"]:  # the admin's message becomes a conversation [S2.11 createMessage]
        changes["visible"] = 1
    if record["first_contact_reply_at"] is None:
        changes["first_contact_reply_at"] = ctx.now
    _changed(ctx, record, "conversation.user.replied", **changes)


def admin_replied(
    ctx: Context, record: dict[str, Any], admin_id: str, body: str, attachments: list[Any]
) -> None:
    _part(ctx, record["seq"], "comment", ("admin", admin_id), body, None, attachments)
    stats = _stats(record, last_admin_reply_at=ctx.now)
    if "first_admin_reply_at" not in stats:
        stats["first_admin_reply_at"] = ctx.now
        stats["time_to_admin_reply"] = ctx.now - record["created_at"]
    _changed(ctx, record, "conversation.admin.replied", waiting_since=None, statistics=stats)


def admin_noted(
    ctx: Context, record: dict[str, Any], admin_id: str, body: str, attachments: list[Any]
) -> None:
    _part(ctx, record["seq"], "note", ("admin", admin_id), body, None, attachments)
    _changed(ctx, record, "conversation.admin.noted")


def assigned(
    ctx: Context,
    record: dict[str, Any],
    admin_id: str,
    kind: str,
    assignee: str | None,
    body: str | None,
) -> None:
    """To an admin or a team (`kind`); `assignee` None unassigns that side."""
    reopens = record["state"] != "open"
    target = {"type": kind if assignee else "nobody_admin", "id": assignee}
    _part(
        ctx,
        record["seq"],
        "assign_and_reopen" if reopens else "assignment",
        ("admin", admin_id),
        body,
        target,
    )
    stats = _stats(record, last_assignment_at=ctx.now)
    stats["count_assignments"] = stats.get("count_assignments", 0) + 1
    if "first_assignment_at" not in stats:
        stats["first_assignment_at"] = ctx.now
        stats["time_to_assignment"] = ctx.now - record["created_at"]
    if reopens and record["state"] == "closed":
        stats["count_reopens"] = stats.get("count_reopens", 0) + 1
    column = "admin_assignee_id" if kind == "admin" else "team_assignee_id"
    changes = {column: assignee, "state": "open", "snoozed_until": None, "statistics": stats}
    _changed(ctx, record, "conversation.admin.assigned", **changes)


def closed(ctx: Context, record: dict[str, Any], admin_id: str, body: str | None) -> None:
    _part(ctx, record["seq"], "close", ("admin", admin_id), body)
    stats = _stats(record, last_close_at=ctx.now, last_closed_by_id=admin_id)
    stats["time_to_last_close"] = ctx.now - record["created_at"]
    if "first_close_at" not in stats:
        stats["first_close_at"] = ctx.now
        stats["time_to_first_close"] = ctx.now - record["created_at"]
    changes = {"state": "closed", "snoozed_until": None, "waiting_since": None, "statistics": stats}
    _changed(ctx, record, "conversation.admin.closed", **changes)


def snoozed(ctx: Context, record: dict[str, Any], admin_id: str, until: int) -> None:
    _part(ctx, record["seq"], "snoozed", ("admin", admin_id))
    record.pop("woke", None)
    _changed(ctx, record, "conversation.admin.snoozed", state="snoozed", snoozed_until=until)


def opened(ctx: Context, record: dict[str, Any], admin_id: str) -> None:
    _part(ctx, record["seq"], "open", ("admin", admin_id))
    stats = record["statistics"]
    if record["state"] == "closed":
        stats = _stats(record, count_reopens=stats.get("count_reopens", 0) + 1)
    changes = {"state": "open", "snoozed_until": None, "statistics": stats}
    _changed(ctx, record, "conversation.admin.opened", **changes)


def default_assignment(ctx: Context, record: dict[str, Any]) -> None:
    """Assignment rules run where none exist: the Operator assigns to nobody."""
    target = {"type": "nobody_admin", "id": None}
    _part(ctx, record["seq"], "default_assignment", ("bot", OPERATOR_ID), None, target)
    _changed(ctx, record, None, admin_assignee_id=None, team_assignee_id=None)


def updated(
    ctx: Context, record: dict[str, Any], read: bool | None, attributes: dict[str, Any] | None
) -> None:
    """Each custom attribute set is one part by the Operator bot [S2.11 updateConversation]."""
    changes: dict[str, Any] = {}
    if read is not None:
        changes["read"] = int(read)
    if attributes:
        for _name in attributes:
            _part(
                ctx, record["seq"], "conversation_attribute_updated_by_admin", ("bot", OPERATOR_ID)
            )
        merged = {**record["custom_attributes"], **attributes}
        changes["custom_attributes"] = {k: v for k, v in merged.items() if v is not None}
    _changed(ctx, record, "conversation.read" if read else None, **changes)


def tagged(ctx: Context, record: dict[str, Any], tag_id: int) -> None:
    ctx.db.execute(
        "INSERT OR IGNORE INTO conversation_tags (conversation_seq, tag_id, applied_at)"
        " VALUES (?, ?, ?)",
        [record["seq"], tag_id, ctx.now],
    )
    _changed(ctx, record, "conversation_part.tag.created")


def untagged(ctx: Context, record: dict[str, Any], tag_id: int) -> None:
    ctx.db.execute(
        "DELETE FROM conversation_tags WHERE conversation_seq = ? AND tag_id = ?",
        [record["seq"], tag_id],
    )
    _changed(ctx, record, None)


def contact_attached(ctx: Context, record: dict[str, Any], contact_id: str) -> None:
    ctx.db.execute(
        "INSERT OR IGNORE INTO conversation_contacts (conversation_seq, contact_id, added_at)"
        " VALUES (?, ?, ?)",
        [record["seq"], contact_id, ctx.now],
    )
    _changed(ctx, record, "conversation.contact.attached")


def contact_detached(ctx: Context, record: dict[str, Any], contact_id: str) -> None:
    ctx.db.execute(
        "DELETE FROM conversation_contacts WHERE conversation_seq = ? AND contact_id = ?",
        [record["seq"], contact_id],
    )
    _changed(ctx, record, "conversation.contact.detached")
