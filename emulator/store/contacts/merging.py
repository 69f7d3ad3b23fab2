"""`POST /contacts/merge`: a lead merged into a user.

Intercom merges "from" a lead "into" a user only [S2.11]. What carries over is not documented;
the emulator's choice: each standard field the user lacks (email, phone, name, avatar, owner,
signed-up and last-seen times) and each custom attribute the user has no value for is copied
from the lead; the lead's companies, tags, notes, subscriptions, events and event summaries
move to the user. The lead stays stored as merged (410 with a `Link` to the user afterwards
[S2.16]) and leaves list and search.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import Conflict, ParameterInvalid
from emulator.store import validation
from emulator.store.contacts import identity, records, writes
from emulator.store.contacts.shape import shape
from emulator.store.context import Context

_COPIED = ("email", "phone", "name", "avatar", "owner_id", "signed_up_at", "last_seen_at")


def _contact(ctx: Context, body: dict[str, Any], key: str, role: str) -> dict[str, Any]:
    contact_id = validation.typed(body, key, str)
    validation.required(body, key, f"{key} not specified")
    row = records.require(ctx, contact_id)
    if row["role"] != role:
        raise ParameterInvalid(
            f"The contact to merge {key} must be a {role}; {contact_id} is a {row['role']}",
            field=key,
        )
    return row


def _copied_fields(ctx: Context, lead: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    changes = {k: lead[k] for k in _COPIED if user[k] is None and lead[k] is not None}
    email = changes.get("email")
    if email is not None:
        try:
            identity.check_unique(ctx, "user", None, email, exclude=user["id"])
        except Conflict:  # another user holds it: the user keeps having none
            del changes["email"]
    attributes = {
        **json.loads(lead["custom_attributes"]),
        **json.loads(user["custom_attributes"]),
    }
    changes["custom_attributes"] = json.dumps(attributes)
    return changes


def _move_associations(ctx: Context, lead_id: str, user_id: str) -> None:
    for table in (
        "contact_companies",
        "contact_tags",
        "events",
        "event_summaries",
        "notes",
        "contact_subscriptions",
    ):
        # OR IGNORE: what the user already has stays once (the lead keeps its duplicate).
        ctx.db.execute(
            f"UPDATE OR IGNORE {table} SET contact_id = ? WHERE contact_id = ?",
            [user_id, lead_id],
        )


def merge(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    validation.known_keys(body, ("from", "into"))
    lead = _contact(ctx, body, "from", "lead")
    user = _contact(ctx, body, "into", "user")
    changes = _copied_fields(ctx, lead, user)
    changes.update(updated_at=ctx.now, searchable_at=writes.searchable_at(ctx))
    assignments = ", ".join(f"{name} = ?" for name in changes)
    ctx.db.execute(
        f"UPDATE contacts SET {assignments} WHERE id = ?", [*changes.values(), user["id"]]
    )
    _move_associations(ctx, lead["id"], user["id"])
    ctx.db.execute(
        "UPDATE contacts SET merged_into = ?, updated_at = ? WHERE id = ?",
        [user["id"], ctx.now, lead["id"]],
    )
    return shape(ctx, records.require(ctx, user["id"]))
