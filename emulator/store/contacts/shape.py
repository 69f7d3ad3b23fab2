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


def _embedded(ctx: Context, sql: str, contact_id: str) -> tuple[list[str], int]:
    """The first EMBEDDED_LIMIT ids a query lists, and how many it lists in all (one statement:
    the window's count is taken before the LIMIT)."""
    rows = ctx.db.execute(sql, [contact_id, EMBEDDED_LIMIT]).fetchall()
    return [str(row[0]) for row in rows], rows[0][1] if rows else 0


def _companies(ctx: Context, contact_id: str) -> dict[str, Any]:
    ids, total = _embedded(
        ctx,
        "SELECT company_id, count(*) OVER () FROM contact_companies WHERE contact_id = ?"
        " ORDER BY created_at, rowid LIMIT ?",
        contact_id,
    )
    return _addressable(contact_id, "company", ids, total, "/companies")


def _tags(ctx: Context, contact_id: str) -> dict[str, Any]:
    ids, total = _embedded(
        ctx,
        "SELECT tag_id, count(*) OVER () FROM contact_tags WHERE contact_id = ?"
        " ORDER BY applied_at, rowid LIMIT ?",
        contact_id,
    )
    return _addressable(contact_id, "tag", ids, total, "/tags")


def _notes(ctx: Context, contact_id: str) -> dict[str, Any]:
    from emulator.store import notes  # notes reads contacts: imported when first needed

    ids, total = _embedded(ctx, notes.embedded_sql(), contact_id)
    return _addressable(contact_id, "note", ids, total, "/notes")


def _subscriptions(ctx: Context, contact_id: str, consent_type: str) -> dict[str, Any]:
    """The subscription types a contact opted into or out of; each item's url is
    `/subscription_types/{id}`, as Intercom's contact model example shows it."""
    from emulator.store import subscriptions  # it reads contacts: imported when first needed

    ids, total = subscriptions.embedded(ctx, contact_id, consent_type, EMBEDDED_LIMIT)
    listed = _addressable(contact_id, "subscription", ids, total, "/subscription_types")
    listed["url"] = f"/contacts/{contact_id}/subscriptions"
    return listed


def shape(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """The full contact object for a stored row (as `records.require` returns it)."""
    contact_id = row["id"]
    email = row["email"] or ""
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
        "tags": _tags(ctx, contact_id),
        "notes": _notes(ctx, contact_id),
        "companies": _companies(ctx, contact_id),
        "opted_out_subscription_types": _subscriptions(ctx, contact_id, "opt_out"),
        "opted_in_subscription_types": _subscriptions(ctx, contact_id, "opt_in"),
        **dict.fromkeys(_UTM_FIELDS),
    }
    return shaped
