"""Lookups by query, the companies list and the scroll."""

from __future__ import annotations

import math
import secrets
import uuid
from typing import Any

from emulator import limits
from emulator.errors import CompanyNotFound, ParameterInvalid
from emulator.store import validation
from emulator.store.companies.records import (
    HAS_USERS,
    SQLITE_INT_MAX,
    select,
    shape,
)
from emulator.store.context import Context


def retrieve_or_list(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`GET /companies`: by `company_id` or `name` (404 when none matches), by `tag_id` or
    `segment_id`, or every company with users. Intercom's description answers all of these
    with a `company_list` [S2.11], so a lookup is a list of its matches."""
    page, per_page = paging(args)
    for key in ("company_id", "name"):
        if args.get(key):
            rows = select(ctx, f"{key} = ?", [args[key]], "ORDER BY seq")
            if not rows:
                raise CompanyNotFound()
            offset = (page - 1) * per_page
            return _page(ctx, rows[offset : offset + per_page], len(rows), page, per_page)
    if args.get("tag_id"):
        where = "id IN (SELECT company_id FROM company_tags WHERE tag_id = ?)"
        return _list(ctx, where, [args["tag_id"]], "desc", page, per_page)
    if args.get("segment_id"):
        return _list(ctx, "0", [], "desc", page, per_page)  # the emulator has no segments
    return _list(ctx, HAS_USERS, [], "desc", page, per_page)


def list_all(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`POST /companies/list`: companies with users, by `last_request_at` [S2.11]."""
    order = (args.get("order") or "desc").lower()
    if order not in ("asc", "desc"):
        raise ParameterInvalid("order must be asc or desc", field="order")
    page, per_page = paging(args)
    return _list(ctx, HAS_USERS, [], order, page, per_page)


def paging(
    args: dict[str, str],
    default: int = limits.COMPANIES_PER_PAGE_DEFAULT,
    maximum: int = limits.COMPANIES_PER_PAGE_MAX,
) -> tuple[int, int]:
    per_page = validation.per_page(args.get("per_page"), default, maximum)
    raw = args.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= SQLITE_INT_MAX // per_page:
        raise ParameterInvalid("page must be a positive integer", field="page")
    return int(raw), per_page


def pages(page: int, per_page: int, total: int, next_url: str | None = None) -> dict[str, Any]:
    """Page-numbered `pages`. `next` is a URL where the schema says so (`pages_link`), else
    `{"page", "per_page"}` (`cursor_pages` wants an object: the emulator's form of it)."""
    total_pages = math.ceil(total / per_page)
    following = next_url or {"page": page + 1, "per_page": per_page}
    return {
        "type": "pages",
        "next": following if page < total_pages else None,
        "page": page,
        "per_page": per_page,
        "total_pages": total_pages,
    }


def _list(
    ctx: Context, where: str, params: list[Any], order: str, page: int, per_page: int
) -> dict[str, Any]:
    (total,) = ctx.db.execute(
        f"SELECT count(*) FROM companies WHERE workspace_id = ? AND {where}",
        [ctx.workspace.id, *params],
    ).fetchone()
    # "there is a limit of 10,000 Companies that can be returned" [S2.11].
    offset = (page - 1) * per_page
    size = max(0, min(per_page, limits.COMPANY_LIST_CAP - offset))
    tail = f"ORDER BY last_request_at {order}, seq {order} LIMIT {size} OFFSET {offset}"
    return _page(ctx, select(ctx, where, params, tail), total, page, per_page)


def _page(
    ctx: Context, rows: list[dict[str, Any]], total: int, page: int, per_page: int
) -> dict[str, Any]:
    return {
        "type": "list",
        "data": [shape(ctx, row) for row in rows],
        "pages": pages(page, per_page, min(total, limits.COMPANY_LIST_CAP)),
        "total_count": total,
    }


def scroll(ctx: Context, scroll_param: str | None) -> dict[str, Any]:
    """`GET /companies/scroll`: pages until one comes back empty [S2.11]. The emulator's scroll
    parameter carries its position, so it never expires and several scrolls may be open."""
    after = _scroll_position(scroll_param) if scroll_param else 0
    tail = f"ORDER BY seq LIMIT {limits.COMPANY_SCROLL_PAGE_SIZE}"
    rows = select(ctx, f"seq > ? AND {HAS_USERS}", [after], tail)
    position = rows[-1]["seq"] if rows else after
    return {
        "type": "list",
        "data": [shape(ctx, row) for row in rows],
        "pages": None,
        "total_count": None,
        "scroll_param": str(uuid.UUID(hex=secrets.token_hex(10) + f"{position:012x}")),
    }


def _scroll_position(scroll_param: str) -> int:
    try:
        return int(uuid.UUID(scroll_param).hex[-12:], 16)
    except ValueError as exc:
        # Intercom's answer to an unknown scroll parameter is UNCONFIRMED.
        raise ParameterInvalid(
            "scroll_param is not valid; restart the scroll without it", field="scroll_param"
        ) from exc
