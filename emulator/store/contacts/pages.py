"""Cursor pages of contacts, shared by `GET /contacts` and `POST /contacts/search`.

A page answers `{"type": "list", "data", "total_count", "pages"}` [S2.11 contact_list]; the
cursor and the `pages` object are those of every cursor list (emulator.store.cursor_pages).
"""

from __future__ import annotations

from typing import Any

from emulator.store import cursor_pages
from emulator.store.contacts import records
from emulator.store.contacts.shape import shape
from emulator.store.context import Context
from emulator.store.cursor_pages import Order
from emulator.store.search import Expr


def page_of(
    ctx: Context, where: Expr, order: Order, per_page: int, starting_after: str | None
) -> dict[str, Any]:
    """One page of the contacts matching `where` (a condition on the contacts table)."""
    page = cursor_pages.page_of(
        ctx, "contacts", records.COLUMN_LIST, where, order, per_page, starting_after
    )
    return {
        "type": "list",
        "data": [shape(ctx, records.as_dict(row)) for row in page.rows],
        "total_count": page.total,
        "pages": page.pages,
    }
