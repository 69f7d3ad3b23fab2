"""A workspace's settings: the limits it enforces and how it behaves, validated as a whole."""

from __future__ import annotations

import json
import secrets
from typing import Any

from emulator import settings as declared
from emulator.store.context import Context


def validate(changes: Any) -> dict[str, Any]:
    """Check a partial settings object (see emulator.settings, where each one is declared)."""
    return declared.validate(changes)


def initial(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings for a new workspace: the defaults, then the server's overrides, then a secret."""
    settings = declared.defaults()
    settings.update(validate(dict(overrides or {})))
    if not settings.get("identity_verification_secret"):
        settings["identity_verification_secret"] = secrets.token_hex(32)
    return settings


def get(ctx: Context) -> dict[str, Any]:
    return dict(ctx.workspace.settings)


def update(ctx: Context, changes: Any) -> dict[str, Any]:
    """Apply a partial update and store it with the workspace."""
    validate(changes)
    settings = {**ctx.workspace.settings, **changes}
    ctx.db.execute(
        "UPDATE workspaces SET settings = ? WHERE id = ?", [json.dumps(settings), ctx.workspace.id]
    )
    ctx.workspace.settings = settings
    return dict(settings)
