"""A workspace's settings: the limits it enforces and how it behaves, validated as a whole."""

from __future__ import annotations

import json
import secrets
from typing import Any

from emulator import versions
from emulator.errors import ParameterInvalid
from emulator.limits import DEFAULT_SETTINGS
from emulator.store.context import Context

_POSITIVE_INTS = (
    "event_name_limit",
    "metadata_key_limit",
    "string_limit",
    "custom_attribute_limit",
    "rate_limit_app",
    "rate_limit_workspace",
)
_CHOICES = {
    "metadata_overflow": ("ignore", "reject"),
    "identity_verification": ("off", "enforced"),
}


def validate(changes: Any) -> dict[str, Any]:
    """Check a partial settings object; returns it unchanged or raises naming the bad field."""
    if not isinstance(changes, dict):
        raise ParameterInvalid("Settings must be a JSON object")
    for name, value in changes.items():
        if name in _POSITIVE_INTS and isinstance(value, float) and value.is_integer():
            changes[name] = value = int(value)  # 5.0 is the integer 5, as JSON reads it
        _validate_one(name, value)
    return changes


def _validate_one(name: str, value: Any) -> None:
    if name not in DEFAULT_SETTINGS:
        known = ", ".join(sorted(DEFAULT_SETTINGS))
        raise ParameterInvalid(f"Unknown setting '{name}'. Known settings: {known}", field=name)
    if name in _POSITIVE_INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterInvalid(f"'{name}' must be a positive integer", field=name)
    elif name == "search_lag_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ParameterInvalid(f"'{name}' must be a number of seconds, 0 or more", field=name)
    elif name in _CHOICES:
        if value not in _CHOICES[name]:
            options = " or ".join(f"'{choice}'" for choice in _CHOICES[name])
            raise ParameterInvalid(f"'{name}' must be {options}", field=name)
    elif name == "identity_verification_secret":
        if not isinstance(value, str) or not value:
            raise ParameterInvalid(f"'{name}' must be a non-empty string", field=name)
    elif name == "default_version" and value not in versions.KNOWN:
        raise ParameterInvalid(f"'{name}' must be an Intercom version such as 2.11", field=name)


def initial(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings for a new workspace: the defaults, then the server's overrides, then a secret."""
    settings = dict(DEFAULT_SETTINGS)
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
