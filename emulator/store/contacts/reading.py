"""Reading contacts: one by id or external_id, and the list."""

from __future__ import annotations

from typing import Any

from emulator.errors import ParameterInvalid, UserNotFound
from emulator.limits import PER_PAGE_DEFAULT, PER_PAGE_MAX
from emulator.store import validation
from emulator.store.contacts import pages, records
from emulator.store.contacts.shape import shape
from emulator.store.context import Context
from emulator.store.cursor_pages import Order
from emulator.store.search import Expr

# Listed contacts: live ones. Archived contacts leave the list but can still be retrieved by
# id; merged leads are gone [S2.11 "merged contacts excluded"].
LISTED = "workspace_id = ? AND merged_into IS NULL AND archived = 0"


def retrieve(ctx: Context, contact_id: str) -> dict[str, Any]:
    return shape(ctx, records.require(ctx, contact_id))


def find_by_external_id(ctx: Context, external_id: str) -> dict[str, Any]:
    """The user with this external_id; leads are never found this way [S2.16]."""
    row = ctx.db.execute(
        f"{records.SELECT} WHERE workspace_id = ? AND external_id = ? AND role = 'user'"
        " AND merged_into IS NULL ORDER BY seq LIMIT 1",
        [ctx.workspace.id, external_id],
    ).fetchone()
    if row is None:
        raise UserNotFound()
    return shape(ctx, records.as_dict(row))


def _check_legacy_page(raw: str | None) -> None:
    """`page` is the legacy way to page [S2.11]; the cursor decides which page is shown, so the
    emulator only checks that it is a page number."""
    if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        raise ParameterInvalid("page must be a positive integer", field="page")


def list_page(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`GET /contacts`: oldest first (Intercom's list order is UNCONFIRMED; creation order keeps
    pages stable while contacts are added)."""
    per_page = validation.per_page(args.get("per_page"), PER_PAGE_DEFAULT, PER_PAGE_MAX)
    _check_legacy_page(args.get("page"))
    where = Expr(LISTED, (ctx.workspace.id,))
    return pages.page_of(
        ctx, where, Order(Expr("seq")), per_page, args.get("starting_after") or None
    )
