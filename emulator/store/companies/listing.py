"""Lookups by query, the companies list and the scroll."""

from __future__ import annotations

import math
import uuid
from typing import Any

from emulator import limits, versions
from emulator.errors import CompanyNotFound, NotFound, ParameterInvalid, ScrollExists
from emulator.store import legacy_lists, validation
from emulator.store.companies.records import (
    HAS_USERS,
    SQLITE_INT_MAX,
    select,
    shape,
)
from emulator.store.context import Context


def retrieve_or_list(ctx: Context, args: dict[str, str], base_url: str = "") -> dict[str, Any]:
    """`GET /companies`, in the 1.x shape under a 1.x version (emulator.store.legacy_lists)."""
    found = _retrieve_or_list(ctx, args)
    if found["type"] == "list" and versions.is_legacy(ctx.version):
        return legacy_lists.company_list(found, args, base_url)
    return found


def _retrieve_or_list(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`GET /companies`: by `company_id` or `name` the company itself (404 when none matches),
    by `tag_id` or `segment_id` a list, else a list of every company with users.

    Intercom's description says "You can fetch a single company by passing in `company_id` or
    `name`" (and both official SDKs type the answer as a company or a list) although its schema
    says list [S2.11 `GET /companies`]: a lookup answers the company object. When several
    companies share a name, the oldest is the one answered (emulator's choice, UNCONFIRMED)."""
    page, per_page = paging(args)
    for key in ("company_id", "name"):
        if args.get(key):
            rows = select(ctx, f"{key} = ?", [args[key]], "ORDER BY seq LIMIT 1")
            if not rows:
                raise CompanyNotFound()
            return shape(ctx, rows[0])
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
    """`GET /companies/scroll` as Intercom describes it [S2.11 `GET /companies/scroll`]:

    - one scroll open per workspace: starting another (no `scroll_param`) while one is open is
      400 `scroll_exists`;
    - a scroll unused for `COMPANY_SCROLL_EXPIRY_SECONDS` (1 minute) expires, by the workspace's
      clock, and a call with its parameter fails: 404 `not_found` (the code third-party Intercom
      clients read as "scroll expired"; the message is the emulator's);
    - the page after the last is empty and ends the scroll (its parameter stops working and a
      new scroll may start).

    The parameter stays the same for the whole scroll (whether Intercom's changes is
    UNCONFIRMED). Companies come in creation order, only those with users (the emulator's
    choice, as for the list)."""
    row = ctx.db.execute(
        "SELECT scroll_param, position, used_at FROM company_scrolls WHERE workspace_id = ?",
        [ctx.workspace.id],
    ).fetchone()
    if row is not None and ctx.now - row[2] >= limits.COMPANY_SCROLL_EXPIRY_SECONDS:
        _end_scroll(ctx)
        row = None
    if scroll_param is None:
        if row is not None:
            raise ScrollExists()
        scroll_param, after = str(uuid.uuid4()), 0
    elif row is None or row[0] != scroll_param:
        raise NotFound(
            "Scroll parameter not found: it expired or the scroll ended; start a new scroll",
            field="scroll_param",
        )
    else:
        after = row[1]
    tail = f"ORDER BY seq LIMIT {limits.COMPANY_SCROLL_PAGE_SIZE}"
    rows = select(ctx, f"seq > ? AND {HAS_USERS}", [after], tail)
    if rows:
        ctx.db.execute(
            "INSERT OR REPLACE INTO company_scrolls (workspace_id, scroll_param, position, used_at)"
            " VALUES (?, ?, ?, ?)",
            [ctx.workspace.id, scroll_param, rows[-1]["seq"], ctx.now],
        )
    else:
        _end_scroll(ctx)
    page = {
        "type": "list",
        "data": [shape(ctx, row) for row in rows],
        "pages": None,
        "total_count": None,
        "scroll_param": scroll_param,
    }
    return legacy_lists.company_scroll(page) if versions.is_legacy(ctx.version) else page


def _end_scroll(ctx: Context) -> None:
    ctx.db.execute("DELETE FROM company_scrolls WHERE workspace_id = ?", [ctx.workspace.id])
