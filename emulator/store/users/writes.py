"""`POST /users`: the 1.4 upsert, and `save`, which the Messenger's ping shares.

A user is a contact with role `user` in the same table as the 2.x Contacts API's, so either API
sees what the other wrote; fields only 1.4 shows live in the contact's `extra`. `user_id` is
the contact's `external_id` and `last_request_at` its `last_seen_at`. Unlike 2.x, several users
may share an email (1.4 creates a new user for an email match with another `user_id`), but a
`user_id` is still one contact's: taking one another contact holds is 409 `conflict`.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.store import custom_attributes, ids, webhooks
from emulator.store.contacts import identity, records
from emulator.store.contacts.shape import shape as contact_shape
from emulator.store.contacts.writes import searchable_at
from emulator.store.context import Context
from emulator.store.users import attributes, inputs, lookup, memberships, sessions
from emulator.store.users.shape import shape


def upsert(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Create the user, or update the one the body's ids find [DOC-1.4-USER]."""
    given = inputs.parse(body)
    row = lookup.upsert_target(ctx, given.intercom_id, given.user_id, given.email)
    return shape(ctx, lookup.require(ctx, save(ctx, row, given)))


def save(ctx: Context, row: dict[str, Any] | None, given: inputs.UserInput) -> str:
    """Write `given` to the user `row` (a new user when None); the user's Intercom id."""
    columns = _identity_and_activity(ctx, row, given)
    extra = {**json.loads(row["extra"] if row is not None else "{}"), **given.extra}
    began = False
    if given.new_session:
        extra, began = sessions.register(extra, ctx.now)
    changes = attributes.prepare(ctx, "contact", given.custom_attributes)
    stored = json.loads(row["custom_attributes"] if row is not None else "{}")
    columns["custom_attributes"] = json.dumps(custom_attributes.merge(stored, changes))
    columns["extra"] = json.dumps(extra)
    contact_id = _insert(ctx, columns) if row is None else _update(ctx, row["id"], columns)
    joined = memberships.apply(ctx, contact_id, given.companies)
    if given.seen or given.new_session:
        memberships.touch(ctx, joined, new_session=began)
    if row is None and webhooks.subscribed(ctx, "contact.user.created"):
        contact = contact_shape(ctx, records.require(ctx, contact_id))
        webhooks.emit(ctx, "contact.user.created", contact)
    return contact_id


def _identity_and_activity(
    ctx: Context, row: dict[str, Any] | None, given: inputs.UserInput
) -> dict[str, Any]:
    """The columns to set: the given ones, the ids (a `user_id` no other contact holds), and
    `last_seen_at` when the request is activity of the user."""
    columns = dict(given.columns)
    if given.user_id is not None:
        columns["external_id"] = given.user_id
        if row is None or row["external_id"] != given.user_id:
            exclude = row["id"] if row is not None else None
            identity.check_unique(ctx, "user", given.user_id, None, exclude=exclude)
    if given.email is not None:
        columns["email"] = given.email
    if given.seen or given.new_session:
        columns["last_seen_at"] = ctx.now
    return columns


def _insert(ctx: Context, columns: dict[str, Any]) -> str:
    row = {
        **columns,
        "id": ids.object_id(),
        "workspace_id": ctx.workspace.id,
        "role": "user",
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "searchable_at": searchable_at(ctx),
    }
    marks = ", ".join("?" for _ in row)
    ctx.db.execute(f"INSERT INTO contacts ({', '.join(row)}) VALUES ({marks})", list(row.values()))
    return str(row["id"])


def _update(ctx: Context, contact_id: str, columns: dict[str, Any]) -> str:
    """Posting an archived user again brings it back (see `lookup`)."""
    changes = {**columns, "archived": 0, "updated_at": ctx.now, "searchable_at": searchable_at(ctx)}
    assignments = ", ".join(f"{name} = ?" for name in changes)
    ctx.db.execute(
        f"UPDATE contacts SET {assignments} WHERE id = ?", [*changes.values(), contact_id]
    )
    return contact_id
