"""Who a contact is: the rules that keep two users from sharing an identity.

An `external_id` identifies one contact of the workspace (user or lead); an email identifies one
user, while any number of leads may share it [segmentio/action-destinations PR #627]. Merged
leads are gone and no longer count. A clash is Intercom's 409 `conflict`, naming the contact it
clashes with so the caller can update that one instead [PR543].
"""

from __future__ import annotations

from emulator.errors import Conflict
from emulator.store.context import Context


def _clash(ctx: Context, column: str, value: str, users_only: bool, exclude: str | None) -> None:
    sql = (
        f"SELECT id, archived FROM contacts WHERE workspace_id = ? AND {column} = ?"
        " AND merged_into IS NULL AND id IS NOT ?"
    )
    if users_only:
        sql += " AND role = 'user'"
    row = ctx.db.execute(sql + " ORDER BY seq LIMIT 1", [ctx.workspace.id, value, exclude])
    found = row.fetchone()
    if found is None:
        return
    contact_id, archived = found
    if archived:
        raise Conflict(
            f"An archived contact matching those details already exists with id={contact_id}"
        )
    raise Conflict(f"A contact matching those details already exists with id={contact_id}")


def check_unique(
    ctx: Context,
    role: str,
    external_id: str | None,
    email: str | None,
    exclude: str | None = None,
) -> None:
    """Raise 409 if another contact already holds this external_id, or (for a user) this email."""
    if external_id is not None:
        _clash(ctx, "external_id", external_id, users_only=False, exclude=exclude)
    if email is not None and role == "user":
        _clash(ctx, "email", email, users_only=True, exclude=exclude)
