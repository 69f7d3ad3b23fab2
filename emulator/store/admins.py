"""The workspace's admin (whose token every API call speaks as), the admins a seed adds beside it
(`admins` in a seed document: teammates to assign conversations to), and the app (`GET /me`)."""

from __future__ import annotations

from typing import Any

from emulator import versions
from emulator.errors import NotFound, ParameterInvalid
from emulator.store import ids
from emulator.store.context import Context

# Intercom's default admin avatar, as its examples show it.
DEFAULT_AVATAR = "https://static.intercomassets.com/assets/default-avatars/admins/128.png"
# From 2.16 an admin's `avatar` is the image's URL itself ([S2.16] `admin.avatar`: a string,
# "Image for the associated team or teammate"); before, `{"image_url": …}` ([S2.11]). `GET /me`
# keeps the object in every version ([S2.11]/[S2.16] `admin_with_app.avatar`).
AVATAR_AS_URL_FROM = "2.16"


def _admin(ctx: Context) -> dict[str, Any]:
    ws = ctx.workspace
    return _shape(ctx, ws.admin_id, ws.admin_name, ws.admin_email)


def _shape(ctx: Context, admin_id: str, name: str, email: str) -> dict[str, Any]:
    return {
        "type": "admin",
        "id": admin_id,
        "name": name,
        "email": email,
        "job_title": "Administrator",
        "away_mode_enabled": False,
        "away_mode_reassign": False,
        "has_inbox_seat": True,
        "team_ids": [],
        "avatar": DEFAULT_AVATAR
        if versions.at_least(ctx.version, AVATAR_AS_URL_FROM)
        else _avatar(),
    }


def _avatar() -> dict[str, Any]:
    return {"type": "avatar", "image_url": DEFAULT_AVATAR}


def me(ctx: Context) -> dict[str, Any]:
    ws = ctx.workspace
    admin = _admin(ctx)
    admin["avatar"] = _avatar()
    admin["email_verified"] = True
    admin["app"] = {
        "type": "app",
        "id_code": ws.id,
        "name": ws.name,
        "created_at": ws.created_at,
        "secure": ws.settings["identity_verification"] == "enforced",
        "identity_verification": ws.settings["identity_verification"] == "enforced",
        "timezone": "UTC",
        "region": "US",
    }
    return admin


def _others(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT id, name, email FROM admins WHERE workspace_id = ? ORDER BY rowid",
        [ctx.workspace.id],
    ).fetchall()
    return [_shape(ctx, *row) for row in rows]


def list_all(ctx: Context) -> dict[str, Any]:
    return {"type": "admin.list", "admins": [_admin(ctx), *_others(ctx)]}


def find(ctx: Context, admin_id: Any) -> dict[str, Any] | None:
    """The admin with this id (text or a number), or None."""
    text = (
        str(admin_id) if isinstance(admin_id, int | str) and not isinstance(admin_id, bool) else ""
    )
    if text == ctx.workspace.admin_id:
        return _admin(ctx)
    row = ctx.db.execute(
        "SELECT id, name, email FROM admins WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, text],
    ).fetchone()
    return _shape(ctx, *row) if row else None


def retrieve(ctx: Context, admin_id: str) -> dict[str, Any]:
    found = find(ctx, admin_id)
    if found is None:
        raise NotFound("Admin not found", code="admin_not_found")
    return found


def add(ctx: Context, body: dict[str, Any]) -> str:
    """A seed's admin: `{"name", "email", "id"?}`; its id is Intercom-like digits unless given."""
    name, email = body.get("name"), body.get("email")
    if set(body) - {"name", "email", "id"}:
        raise ParameterInvalid("an admin has only name, email and id")
    if not isinstance(name, str) or not name or not isinstance(email, str) or "@" not in email:
        raise ParameterInvalid("an admin needs a name and an email", field="email")
    admin_id = body["id"] if "id" in body else str(ids.admin_id())
    if (
        not isinstance(admin_id, str)
        or not (admin_id.isascii() and admin_id.isdigit())
        or find(ctx, admin_id) is not None
    ):
        raise ParameterInvalid(f"admin id '{admin_id}' is taken or not digits", field="id")
    ctx.db.execute(
        "INSERT INTO admins (workspace_id, id, name, email) VALUES (?, ?, ?, ?)",
        [ctx.workspace.id, admin_id, name, email],
    )
    return admin_id
