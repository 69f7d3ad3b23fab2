"""The user object of the 1.4 Users API [DOC-1.4-USER], shaped from a stored contact."""

from __future__ import annotations

import json
from typing import Any

from emulator.store.context import Context
from emulator.store.users import sessions

# Intercom derives these from `last_seen_ip`; the emulator has no geolocation, so all are null.
_LOCATION_FIELDS = (
    "city_name",
    "continent_code",
    "country_code",
    "country_name",
    "latitude",
    "longitude",
    "postal_code",
    "region_name",
    "timezone",
)


def _companies(ctx: Context, contact_id: str) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT c.company_id, c.id, c.name FROM contact_companies cc"
        " JOIN companies c ON c.id = cc.company_id WHERE cc.contact_id = ?"
        " ORDER BY cc.created_at, cc.rowid",
        [contact_id],
    ).fetchall()
    return [
        {"type": "company", "company_id": company_id, "id": intercom_id, "name": name}
        for company_id, intercom_id, name in rows
    ]


def _tags(ctx: Context, contact_id: str) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT t.id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id = ? ORDER BY ct.applied_at, ct.rowid",
        [contact_id],
    ).fetchall()
    return [{"type": "tag", "id": str(tag_id), "name": name} for tag_id, name in rows]


def shape(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """A user as 1.4 shows it. `last_request_at` is the contact's `last_seen_at`, and
    `remote_created_at` its `signed_up_at` (the same value in Intercom's examples)."""
    extra = json.loads(row["extra"] or "{}")
    return {
        "type": "user",
        "id": row["id"],
        "user_id": row["external_id"],
        "anonymous": False,
        "email": row["email"],
        "phone": row["phone"],
        "name": row["name"],
        "pseudonym": None,
        "avatar": {"type": "avatar", "image_url": row["avatar"]},
        "app_id": ctx.workspace.id,
        "owner_id": row["owner_id"],
        "companies": {"type": "company.list", "companies": _companies(ctx, row["id"])},
        "location_data": {"type": "location_data", **dict.fromkeys(_LOCATION_FIELDS)},
        "last_request_at": row["last_seen_at"],
        "last_seen_ip": extra.get("last_seen_ip"),
        "created_at": row["created_at"],
        "remote_created_at": row["signed_up_at"],
        "signed_up_at": row["signed_up_at"],
        "updated_at": row["updated_at"],
        "session_count": sessions.count(extra),
        "social_profiles": {"type": "social_profile.list", "social_profiles": []},
        "unsubscribed_from_emails": bool(row["unsubscribed_from_emails"]),
        "user_agent_data": extra.get("user_agent_data"),
        "tags": {"type": "tag.list", "tags": _tags(ctx, row["id"])},
        "segments": {"type": "segment.list", "segments": []},
        "custom_attributes": json.loads(row["custom_attributes"] or "{}"),
    }
