"""The workspace's one admin, and the app it belongs to (`GET /me`)."""

from __future__ import annotations

from typing import Any

from emulator import versions
from emulator.errors import NotFound
from emulator.store.context import Context

# Intercom's default admin avatar, as its examples show it.
DEFAULT_AVATAR = "https://static.intercomassets.com/assets/default-avatars/admins/128.png"
# From 2.16 an admin's `avatar` is the image's URL itself ([S2.16] `admin.avatar`: a string,
# "Image for the associated team or teammate"); before, `{"image_url": …}` ([S2.11]). `GET /me`
# keeps the object in every version ([S2.11]/[S2.16] `admin_with_app.avatar`).
AVATAR_AS_URL_FROM = "2.16"


def _admin(ctx: Context) -> dict[str, Any]:
    ws = ctx.workspace
    return {
        "type": "admin",
        "id": ws.admin_id,
        "name": ws.admin_name,
        "email": ws.admin_email,
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


def list_all(ctx: Context) -> dict[str, Any]:
    return {"type": "admin.list", "admins": [_admin(ctx)]}


def retrieve(ctx: Context, admin_id: str) -> dict[str, Any]:
    if admin_id != ctx.workspace.admin_id:
        raise NotFound("Admin not found", code="admin_not_found")
    return _admin(ctx)
