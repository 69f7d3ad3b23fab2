"""Creating, changing, archiving and deleting contacts."""

from __future__ import annotations

import json
import math
from typing import Any

from emulator.errors import ParameterInvalid, ParameterNotFound
from emulator.store import ids, webhooks
from emulator.store.contacts import identity, inputs, records
from emulator.store.contacts.shape import shape
from emulator.store.context import Context

# Columns a body may set directly; custom_attributes is merged, not replaced.
_PLAIN_COLUMNS = tuple(name for name in inputs.FIELDS if name != "custom_attributes")


def searchable_at(ctx: Context) -> int:
    """When a write becomes visible to search: Intercom's index lags "a few minutes" [S2.16];
    the emulator lags by the workspace's `search_lag_seconds` (0 by default)."""
    return ctx.now + math.ceil(ctx.setting("search_lag_seconds"))


def create(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    values = inputs.parse(ctx, body)
    if not any(values.get(key) for key in ("email", "external_id", "role")):
        # Intercom requires one of the three (anyOf in [S2.11]); the code is the emulator's
        # choice, as for every other missing parameter.
        raise ParameterNotFound("email, external_id or role not specified")
    role = values.get("role") or "user"  # default role: UNCONFIRMED, as third parties say
    identity.check_unique(ctx, role, values.get("external_id"), values.get("email"))
    attributes = {k: v for k, v in values.get("custom_attributes", {}).items() if v is not None}
    row = {name: values.get(name) for name in _PLAIN_COLUMNS}
    row.update(
        id=ids.object_id(),
        workspace_id=ctx.workspace.id,
        role=role,
        unsubscribed_from_emails=values.get("unsubscribed_from_emails", 0),
        custom_attributes=json.dumps(attributes),
        created_at=ctx.now,
        updated_at=ctx.now,
        searchable_at=searchable_at(ctx),
    )
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    ctx.db.execute(f"INSERT INTO contacts ({columns}) VALUES ({marks})", list(row.values()))
    contact = shape(ctx, records.require(ctx, row["id"]))
    webhooks.emit(ctx, webhooks.contact_topic(role, "created"), contact)
    return contact


def _check_role_change(current: str, new: str | None) -> None:
    # A lead becomes a user when they sign up; nothing turns a user back into a lead
    # (Intercom's rule is UNCONFIRMED: the emulator's choice).
    if current == "user" and new == "lead":
        raise ParameterInvalid("A user cannot be changed into a lead", field="role")


def update(ctx: Context, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A partial update: only the fields the body sends change; `null` clears a nullable one
    and removes a custom attribute's value, an empty external_id removes it (UNCONFIRMED
    semantics, the emulator's choice). Email and external_id stay unique as on create."""
    current = records.require(ctx, contact_id)
    values = inputs.parse(ctx, body)
    _check_role_change(current["role"], values.get("role"))
    after = {**current, **values}
    changed = {k for k in ("external_id", "email", "role") if k in values}
    identity.check_unique(
        ctx,
        after["role"],
        after["external_id"] if "external_id" in changed else None,
        after["email"] if changed & {"email", "role"} else None,
        exclude=contact_id,
    )
    if "custom_attributes" in values:
        values["custom_attributes"] = inputs.merged_attributes(
            current["custom_attributes"], values["custom_attributes"]
        )
    values.update(updated_at=ctx.now, searchable_at=searchable_at(ctx))
    assignments = ", ".join(f"{name} = ?" for name in values)
    ctx.db.execute(
        f"UPDATE contacts SET {assignments} WHERE id = ?", [*values.values(), contact_id]
    )
    contact = shape(ctx, records.require(ctx, contact_id))
    webhooks.emit(ctx, webhooks.contact_topic(after["role"], "updated"), contact)
    return contact


def delete(ctx: Context, contact_id: str) -> dict[str, Any]:
    row = records.require(ctx, contact_id)
    ctx.db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
    # A `*.deleted` topic's item carries only identifying fields [WHM].
    identity = {"type": "contact", "id": contact_id, "external_id": row["external_id"]}
    webhooks.emit(ctx, "contact.deleted", identity)
    return {"id": contact_id, "external_id": row["external_id"], "type": "contact", "deleted": True}


def set_archived(ctx: Context, contact_id: str, archived: bool) -> dict[str, Any]:
    """Archive or unarchive: an archived contact leaves the list and search but can still be
    retrieved by id, and its identity still clashes (the 409's archived variant [PR543])."""
    row = records.require(ctx, contact_id)
    ctx.db.execute(
        "UPDATE contacts SET archived = ?, searchable_at = ? WHERE id = ?",
        [int(archived), searchable_at(ctx), contact_id],
    )
    return {
        "id": contact_id,
        "external_id": row["external_id"],
        "type": "contact",
        "archived": archived,
    }
