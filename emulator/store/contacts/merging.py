"""`POST /contacts/merge`: a lead merged into a user.

Intercom merges "from" a lead "into" a user only [S2.11]. What carries over is not documented;
the emulator's choice: each standard field the user lacks (email, phone, name, avatar, owner,
signed-up and last-seen times) and each custom attribute the user has no value for is copied
from the lead; the lead's companies, tags, notes, subscriptions, events and event summaries
move to the user. The lead stays stored as merged (404 afterwards under 2.11, 410 with a `Link`
to the user under 2.16 [S2.11], [S2.16]) and leaves list and search. Under 2.16 only duplicates
merge unless `skip_duplicate_validation` is true.
"""

from __future__ import annotations

import json
from typing import Any

from emulator import versions
from emulator.errors import BadRequest, Conflict, ParameterInvalid
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


# From 2.16 Intercom merges only duplicates unless told otherwise [S2.16 `POST /contacts/merge`].
DUPLICATES_ONLY_FROM = "2.16"
NOT_DUPLICATES = (
    "Contacts can only be merged when they are duplicates (matching email or phone)."
    " Pass skip_duplicate_validation=true to override this check."
)


def _are_duplicates(lead: dict[str, Any], user: dict[str, Any]) -> bool:
    """Duplicates share an email or a phone: Intercom's 2.16 error names those two ("matching
    email or phone") and its `skip_duplicate_validation` says "they share no matching email or
    phone" [S2.16 `merge_contacts_request`]. How Intercom compares them (case, phone formats) is
    UNCONFIRMED: emails are stored lower-cased, phones are compared as stored."""
    return any(lead[key] is not None and lead[key] == user[key] for key in ("email", "phone"))


def _check_duplicates(
    ctx: Context, body: dict[str, Any], lead: dict[str, Any], user: dict[str, Any]
) -> None:
    if not versions.at_least(ctx.version, DUPLICATES_ONLY_FROM):
        return
    if validation.typed(body, "skip_duplicate_validation", bool):
        return
    if not _are_duplicates(lead, user):
        raise BadRequest(NOT_DUPLICATES, code="invalid_merge")


def merge(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    newer = ("skip_duplicate_validation",) if versions.at_least(ctx.version, "2.16") else ()
    validation.known_keys(body, ("from", "into", *newer))
    lead = _contact(ctx, body, "from", "lead")
    user = _contact(ctx, body, "into", "user")
    _check_duplicates(ctx, body, lead, user)
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


def merge_history(ctx: Context, contact_id: str) -> list[dict[str, Any]]:
    """The contacts merged into this one, oldest merge first, as Intercom's 2.16
    `merge_history_item` shows them [S2.16]. A merged lead's `updated_at` is its merge time
    (it cannot change afterwards)."""
    rows = ctx.db.execute(
        "SELECT id, role, updated_at FROM contacts WHERE workspace_id = ? AND merged_into = ?"
        " ORDER BY updated_at, seq",
        [ctx.workspace.id, contact_id],
    ).fetchall()
    return [
        {
            "type": "merge_history",
            "source_contact_id": source_id,
            "source_contact_role": role,
            "merged_at": merged_at,
        }
        for source_id, role, merged_at in rows
    ]


def with_merge_history(ctx: Context, include: bool, body: dict[str, Any]) -> dict[str, Any]:
    """`?include_merge_history=true` (2.16 on): each user in the answer (one contact, or a
    list's `data`) carries `merge_history`, "Only returned for contacts with a `user` role"
    [S2.16 `GET /contacts/{contact_id}`]."""
    if not include:
        return body
    found = body.get("data") if body.get("type") == "list" else [body]
    for contact in found or []:
        if contact.get("type") == "contact" and contact.get("role") == "user":
            contact["merge_history"] = merge_history(ctx, contact["id"])
    return body
