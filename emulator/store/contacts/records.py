"""Reading stored contacts: one row by id, and the refusals for ids that are not there."""

from __future__ import annotations

from typing import Any

from emulator import errors, versions
from emulator.store.context import Context

COLUMNS = (
    "seq",
    "id",
    "workspace_id",
    "role",
    "external_id",
    "email",
    "phone",
    "name",
    "avatar",
    "owner_id",
    "signed_up_at",
    "last_seen_at",
    "unsubscribed_from_emails",
    "language_override",
    "custom_attributes",
    "extra",
    "archived",
    "merged_into",
    "created_at",
    "updated_at",
    "searchable_at",
)
COLUMN_LIST = ", ".join(COLUMNS)
SELECT = f"SELECT {COLUMN_LIST} FROM contacts"
# The first version whose description answers a merged contact with 410 (2.10/2.11 say 404).
MERGED_GONE_FROM = "2.16"
MERGED_MESSAGE = "This contact has been merged. See the 'Link' header for the canonical contact."


def as_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(COLUMNS, row, strict=True))


def find(ctx: Context, contact_id: str) -> dict[str, Any] | None:
    """The stored row of `contact_id` in this workspace (merged ones included), or None."""
    row = ctx.db.execute(
        f"{SELECT} WHERE workspace_id = ? AND id = ?", [ctx.workspace.id, contact_id]
    ).fetchone()
    return as_dict(row) if row else None


def merged_error(canonical_id: str) -> errors.IntercomError:
    """410 for a lead merged into a user, pointing at the user as Intercom does [S2.16]."""
    return errors.Gone(
        MERGED_MESSAGE,
        code="contact_merged",
        headers={"Link": f'</contacts/{canonical_id}>; rel="canonical"'},
    )


def require(ctx: Context, contact_id: str) -> dict[str, Any]:
    """The stored row of a live contact as a dict (columns as stored: `custom_attributes` is
    JSON text). 404 "User Not Found" when this workspace has no such contact [S2.11]. A contact
    merged into another answers per the requested version: 410 `contact_merged` with a `Link`
    from 2.16 on [S2.16 `GET /contacts/{contact_id}`], 404 before ("requesting it by its
    original ID will return a `404 Not Found` error" [S2.11, S2.10 `GET /contacts/{id}`])."""
    row = find(ctx, contact_id)
    if row is None:
        raise errors.UserNotFound()
    if row["merged_into"]:
        if versions.at_least(ctx.version, MERGED_GONE_FROM):
            raise merged_error(row["merged_into"])
        raise errors.UserNotFound()
    return row
