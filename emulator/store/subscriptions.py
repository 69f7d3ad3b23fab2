"""Subscription types and a contact's subscriptions: `GET /subscription_types`,
`GET|POST /contacts/{id}/subscriptions` and `DELETE /contacts/{id}/subscriptions/{type id}`
[S2.11 listSubscriptionTypes, listSubscriptionsForAContact, attachSubscriptionTypeToContact,
detachSubscriptionTypeToContact].

Attaching a contact to an `opt_out` type opts it out of those messages, to an `opt_in` type opts
it in [S2.11 attachSubscriptionTypeToContact]; a contact's list shows only the types it was
attached to (Intercom-OpenAPI PR #462: types left in their default state are not listed).

A workspace starts with DEFAULT_TYPES. A seed's `subscription_types` list (emulator.store.seed)
replaces that default set when no contact has been attached to a type yet, and adds to the
workspace's types otherwise. Ids are numbers sent as text, per workspace.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import NotFound, ParameterInvalid
from emulator.store import validation
from emulator.store.contacts.records import require as require_contact
from emulator.store.context import Context

CONSENT_TYPES = ("opt_in", "opt_out")
STATES = ("live", "draft", "archived")
CONTENT_TYPES = ("email", "sms_message")
# The emulator's own default set (its wording): one type of each consent.
DEFAULT_TYPES: tuple[dict[str, Any], ...] = (
    {
        "name": "Product news",
        "description": "Announcements of new features and changes",
        "consent_type": "opt_out",
        "content_types": ["email"],
    },
    {
        "name": "Text offers",
        "description": "Offers sent by text message to those who asked for them",
        "consent_type": "opt_in",
        "content_types": ["sms_message"],
    },
)
_COLUMNS = "id, name, description, consent_type, state, content_types, locale"


def _row_of(type_id: str, item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        type_id,
        item["name"],
        item.get("description", ""),
        item["consent_type"],
        item.get("state", "live"),
        json.dumps(item.get("content_types", ["email"])),
        item.get("locale", "en"),
    )


def _shape(row: tuple[Any, ...]) -> dict[str, Any]:
    type_id, name, description, consent_type, state, content_types, locale = row
    translation = {"name": name, "description": description, "locale": locale}
    return {
        "type": "subscription",
        "id": type_id,
        "state": state,
        "consent_type": consent_type,
        "default_translation": translation,
        "translations": [translation],
        "content_types": json.loads(content_types),
    }


def _stored(ctx: Context) -> list[tuple[Any, ...]]:
    return ctx.db.execute(
        f"SELECT {_COLUMNS} FROM subscription_types WHERE workspace_id = ?"
        " ORDER BY CAST(id AS INTEGER)",
        [ctx.workspace.id],
    ).fetchall()


def _all(ctx: Context) -> list[tuple[Any, ...]]:
    """The workspace's types: those stored, or the default set while none is."""
    stored = _stored(ctx)
    if stored:
        return stored
    return [_row_of(str(n), item) for n, item in enumerate(DEFAULT_TYPES, start=1)]


def _store_defaults(ctx: Context) -> None:
    """Keep the default set for good (before a contact is attached to one of its types)."""
    if not _stored(ctx):
        for row in _all(ctx):
            ctx.db.execute(
                f"INSERT INTO subscription_types (workspace_id, {_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [ctx.workspace.id, *row],
            )


def list_all(ctx: Context) -> dict[str, Any]:
    """`GET /subscription_types`."""
    return {"type": "list", "data": [_shape(row) for row in _all(ctx)]}


def _find(ctx: Context, type_id: Any) -> tuple[Any, ...]:
    """The type with this id (a number or its text); 404 "Resource Not Found" [S2.11]."""
    if isinstance(type_id, str | int) and not isinstance(type_id, bool):
        for row in _all(ctx):
            if row[0] == str(type_id):
                return row
    raise NotFound()


# --- seeding ----------------------------------------------------------------------------------


def create(ctx: Context, item: dict[str, Any]) -> str:
    """A seed's type `{"name", "consent_type", "description"?, "content_types"?, "state"?,
    "locale"?}`; its id is the next number."""
    validation.known_keys(
        item, ("name", "description", "consent_type", "content_types", "state", "locale")
    )
    name = validation.required(item, "name")
    if not isinstance(name, str) or not name.strip(" \t\n\r\f\v"):  # blank
        raise ParameterInvalid("name must be a non-empty string", field="name")
    for key in ("description", "locale"):
        validation.typed(item, key, str, nullable=False)
    _one_of(validation.required(item, "consent_type"), CONSENT_TYPES, "consent_type")
    _one_of(item.get("state", "live"), STATES, "state")
    kinds = item.get("content_types", ["email"])
    if not isinstance(kinds, list) or not kinds:
        raise ParameterInvalid("content_types must be a non-empty list", field="content_types")
    for kind in kinds:
        _one_of(kind, CONTENT_TYPES, "content_types")
    attached = ctx.db.execute(
        "SELECT 1 FROM contact_subscriptions cs JOIN contacts c ON c.id = cs.contact_id"
        " WHERE c.workspace_id = ? LIMIT 1",
        [ctx.workspace.id],
    ).fetchone()
    if attached:
        _store_defaults(ctx)  # a contact uses the default set: it stays
    (highest,) = ctx.db.execute(
        "SELECT max(CAST(id AS INTEGER)) FROM subscription_types WHERE workspace_id = ?",
        [ctx.workspace.id],
    ).fetchone()
    type_id = str((highest or 0) + 1)
    ctx.db.execute(
        f"INSERT INTO subscription_types (workspace_id, {_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [ctx.workspace.id, *_row_of(type_id, item)],
    )
    return type_id


def _one_of(value: Any, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise ParameterInvalid(f"{field} must be one of {', '.join(allowed)}", field=field)


# --- a contact's subscriptions ----------------------------------------------------------------


def attach(ctx: Context, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /contacts/{id}/subscriptions` with `{"id", "consent_type"}`. A `consent_type`
    other than the type's own is refused (the emulator's choice: Intercom's description says
    only that it is opt_in or opt_out, and the type's consent decides what attaching does)."""
    require_contact(ctx, contact_id)  # 404 "User Not Found" [S2.11]
    validation.known_keys(body, ("id", "consent_type"))
    type_id = validation.required(body, "id")
    consent = validation.required(body, "consent_type")
    _one_of(consent, CONSENT_TYPES, "consent_type")
    row = _find(ctx, type_id)
    if consent != row[3]:
        raise ParameterInvalid(
            f"Subscription type {row[0]} is {row[3]}; consent_type must be {row[3]}",
            field="consent_type",
        )
    _store_defaults(ctx)
    ctx.db.execute(
        "INSERT OR IGNORE INTO contact_subscriptions"
        " (contact_id, subscription_type_id, consent_type, created_at) VALUES (?, ?, ?, ?)",
        [contact_id, row[0], row[3], ctx.now],
    )
    return _shape(row)


def detach(ctx: Context, contact_id: str, type_id: str) -> dict[str, Any]:
    """`DELETE /contacts/{id}/subscriptions/{type id}`: the type the contact is no longer
    attached to; 404 "Resource Not Found" for an unknown type, and also when the contact was
    not attached to it (the emulator's choice, as for a tag the contact does not carry)."""
    require_contact(ctx, contact_id)
    row = _find(ctx, type_id)
    removed = ctx.db.execute(
        "DELETE FROM contact_subscriptions WHERE contact_id = ? AND subscription_type_id = ?"
        " RETURNING 1",
        [contact_id, row[0]],
    ).fetchone()
    if removed is None:
        raise NotFound()
    return _shape(row)


def list_for_contact(ctx: Context, contact_id: str) -> dict[str, Any]:
    """`GET /contacts/{id}/subscriptions`: the types the contact was attached to, opt-outs and
    opt-ins together [S2.11 listSubscriptionsForAContact]."""
    require_contact(ctx, contact_id)
    attached = {
        type_id
        for (type_id,) in ctx.db.execute(
            "SELECT subscription_type_id FROM contact_subscriptions WHERE contact_id = ?",
            [contact_id],
        )
    }
    return {"type": "list", "data": [_shape(row) for row in _all(ctx) if row[0] in attached]}
