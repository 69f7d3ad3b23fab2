"""Identifiers in the forms Intercom uses."""

from __future__ import annotations

import secrets


def object_id() -> str:
    """A 24-hex-digit id, as Intercom gives contacts and companies."""
    return secrets.token_hex(12)


def app_id_code() -> str:
    """An app's `id_code`: eight lower-case letters and digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def admin_id() -> str:
    """Admins have numeric ids, sent as strings."""
    return str(secrets.randbelow(9_000_000) + 1_000_000)
