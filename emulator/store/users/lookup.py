"""Finding the user a 1.4 request means, by Intercom's `id`, the `user_id` or the email.

Users are the contacts with role `user` ([DOC-1.4-USER] knows no leads); merged ones are gone.
Archived users are still found, so that posting one again brings it back instead of creating a
second user with its identity (Intercom's behaviour is UNCONFIRMED: the emulator's choice).
"""

from __future__ import annotations

from typing import Any

from emulator.errors import Conflict, UserNotFound
from emulator.store.contacts import records
from emulator.store.context import Context

_USERS = f"{records.SELECT} WHERE workspace_id = ? AND role = 'user' AND merged_into IS NULL"
# The 409 Intercom documents for an email that several users share [DOC-HTTP].
AMBIGUOUS_EMAIL = (
    "Multiple existing users match this email address - must be more specific using user_id"
)


def _rows(ctx: Context, condition: str, params: list[Any], tail: str = "") -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        f"{_USERS} AND {condition} ORDER BY seq {tail}", [ctx.workspace.id, *params]
    ).fetchall()
    return [records.as_dict(row) for row in rows]


def by_id(ctx: Context, intercom_id: str) -> dict[str, Any] | None:
    found = _rows(ctx, "id = ?", [intercom_id])
    return found[0] if found else None


def by_user_id(ctx: Context, user_id: str) -> dict[str, Any] | None:
    found = _rows(ctx, "external_id = ?", [user_id])
    return found[0] if found else None


def by_email(ctx: Context, email: str) -> list[dict[str, Any]]:
    """Every user with this email, oldest first (1.4 lets several users share one)."""
    return _rows(ctx, "email = ?", [email.lower()])


def require(ctx: Context, intercom_id: str) -> dict[str, Any]:
    row = by_id(ctx, intercom_id)
    if row is None:
        raise UserNotFound()
    return row


def upsert_target(
    ctx: Context, intercom_id: str | None, user_id: str | None, email: str | None
) -> dict[str, Any] | None:
    """The user a `POST /users` updates, or None to create one [DOC-1.4-USER]: by `id` (which
    must exist), then `user_id`, then `email`. An email match that already has another
    `user_id` is someone else: a new user is created. Several matches by email alone are 409."""
    if intercom_id is not None:
        row = by_id(ctx, intercom_id)
        if row is None:
            raise UserNotFound(field="id")
        return row
    if user_id is not None:
        row = by_user_id(ctx, user_id)
        if row is not None:
            return row
    if email is None:
        return None
    matches = by_email(ctx, email)
    if user_id is not None:
        matches = [row for row in matches if row["external_id"] is None]
    if len(matches) > 1:
        raise Conflict(AMBIGUOUS_EMAIL, field="email")
    return matches[0] if matches else None
