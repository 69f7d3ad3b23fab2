"""The contact object as Intercom's 2.11 description shapes it."""

from __future__ import annotations

import json
from typing import Any

from emulator.store.context import Context

# "Up to 10 will be displayed here. Use the url to get more." [S2.11] contact_companies/tags.
EMBEDDED_LIMIT = 10
_NULL_FIELDS = (
    "last_replied_at",
    "last_contacted_at",
    "last_email_opened_at",
    "last_email_clicked_at",
)
_BROWSER_FIELDS = ("browser", "browser_version", "browser_language", "os")
_DEVICE_FIELDS = tuple(
    f"{platform}_{name}"
    for platform in ("android", "ios")
    for name in ("app_name", "app_version", "device", "os_version", "sdk_version", "last_seen_at")
)
_UTM_FIELDS = ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term", "referrer")


# The five lists a contact embeds, in the order `_embedded` returns them: the list's name, and
# its table's ids in their order. `?1` is the contact's id, `?2` the limit.
_LISTS = (
    ("tags", "tag_id", "contact_tags WHERE contact_id = ?1", "applied_at, rowid"),
    ("notes", "id", "notes WHERE contact_id = ?1", "created_at DESC, id DESC"),
    ("companies", "company_id", "contact_companies WHERE contact_id = ?1", "created_at, rowid"),
    *(
        (
            consent,
            "subscription_type_id",
            f"contact_subscriptions WHERE contact_id = ?1 AND consent_type = '{consent}'",
            "created_at, rowid",
        )
        for consent in ("opt_out", "opt_in")
    ),
)
# How many items each list holds, in one statement of five counts off the tables' primary keys
# (no temporary tables); most contacts hold none, and that one statement is all they cost.
_COUNTS_SQL = "SELECT " + ", ".join(
    f"(SELECT count(*) FROM {source})" for _, _, source, _ in _LISTS
)


# The first `?2` ids of one list, in its order: asked only of a list that is not empty.
_ITEMS_SQL = tuple(
    f"SELECT {column} FROM {source} ORDER BY {order} LIMIT ?2"
    for _, column, source, order in _LISTS
)


def _addressable(
    contact_id: str, kind: str, ids: list[str], total: int, url_prefix: str
) -> dict[str, Any]:
    return {
        "type": "list",
        "data": [{"type": kind, "id": i, "url": f"{url_prefix}/{i}"} for i in ids],
        "url": f"/contacts/{contact_id}/{url_prefix.strip('/')}",
        "total_count": total,
        "has_more": total > len(ids),
    }


def _embedded(ctx: Context, contact_id: str) -> dict[str, dict[str, Any]]:
    """The contact's tags, notes, companies and subscription types (opted out, opted in): the
    first EMBEDDED_LIMIT ids of each, and how many it has in all."""
    totals = ctx.db.conn.execute(_COUNTS_SQL, [contact_id]).fetchone()
    found: dict[str, tuple[list[str], int]] = {
        name: ([], total) for (name, *_), total in zip(_LISTS, totals, strict=True)
    }
    for number, total in enumerate(totals):
        if total:
            rows = ctx.db.conn.execute(_ITEMS_SQL[number], [contact_id, EMBEDDED_LIMIT])
            found[_LISTS[number][0]][0].extend(str(item_id) for (item_id,) in rows)
    lists = {
        name: _addressable(contact_id, kind, *found[name], prefix)
        for name, kind, prefix in (
            ("tags", "tag", "/tags"),
            ("notes", "note", "/notes"),
            ("companies", "company", "/companies"),
        )
    }
    for consent in ("opt_out", "opt_in"):
        # Each item's url is `/subscription_types/{id}`, as Intercom's contact model example
        # shows it; the list's is the contact's subscriptions.
        listed = _addressable(contact_id, "subscription", *found[consent], "/subscription_types")
        listed["url"] = f"/contacts/{contact_id}/subscriptions"
        lists[consent] = listed
    return lists


def shape(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """The full contact object for a stored row (as `records.require` returns it)."""
    contact_id = row["id"]
    email = row["email"] or ""
    lists = _embedded(ctx, contact_id)
    shaped: dict[str, Any] = {
        "type": "contact",
        "id": contact_id,
        "workspace_id": ctx.workspace.id,
        "external_id": row["external_id"],
        "role": row["role"],
        # Intercom's schema types email as a non-null string; contacts without one show "".
        "email": email,
        "email_domain": email.rpartition("@")[2] if "@" in email else "",
        "phone": row["phone"],
        # Intercom normalises to E.164; the emulator keeps what was sent (no phone library).
        "formatted_phone": row["phone"],
        "name": row["name"],
        "avatar": {"type": "avatar", "image_url": row["avatar"]} if row["avatar"] else None,
        "owner_id": row["owner_id"],
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": bool(row["unsubscribed_from_emails"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "signed_up_at": row["signed_up_at"],
        "last_seen_at": row["last_seen_at"],
        **dict.fromkeys(_NULL_FIELDS),
        "language_override": row["language_override"],
        **dict.fromkeys(_BROWSER_FIELDS),
        "location": {
            "type": "location",
            "country": None,
            "region": None,
            "city": None,
            "country_code": None,
            "continent_code": None,
        },
        **dict.fromkeys(_DEVICE_FIELDS),
        "custom_attributes": json.loads(row["custom_attributes"] or "{}"),
        "tags": lists["tags"],
        "notes": lists["notes"],
        "companies": lists["companies"],
        "opted_out_subscription_types": lists["opt_out"],
        "opted_in_subscription_types": lists["opt_in"],
        **dict.fromkeys(_UTM_FIELDS),
    }
    return shaped
