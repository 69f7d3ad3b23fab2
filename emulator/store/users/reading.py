"""`GET /users`: one user by `user_id`, the users with an email, or every user; and
`GET /users/{id}`.

`?user_id=` answers the user, `?email=` a `user.list` of every user with that address (1.4 lets
several share one) [DOC-1.4 "List by Email"], and no parameter the list of all live users, newest
first. A `user_id` or email no user has is 404 `not_found` "User Not Found" (for an email
Intercom's answer may be an empty list: UNCONFIRMED, the emulator's choice). Pages are numbered:
`pages.next` is the URL of the next page, or null [DOC-1.4 "List by Email" example].
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from emulator.errors import ParameterInvalid, UserNotFound
from emulator.store import validation
from emulator.store.contacts import records
from emulator.store.context import Context
from emulator.store.users import inputs, lookup
from emulator.store.users.shape import shape

# "per_page": 50 in Intercom's example; 60 at most (the emulator's choice, as for companies).
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 60
_LISTED = "workspace_id = ? AND role = 'user' AND merged_into IS NULL AND archived = 0"


def retrieve(ctx: Context, intercom_id: str) -> dict[str, Any]:
    return shape(ctx, lookup.require(ctx, intercom_id))


def find(ctx: Context, args: dict[str, str], base_url: str) -> dict[str, Any]:
    """`GET /users` with `user_id`, `email` or neither."""
    page, per_page = _paging(args)
    if args.get("user_id"):
        row = lookup.by_user_id(ctx, args["user_id"])
        if row is None:
            raise UserNotFound()
        return shape(ctx, row)
    if args.get("email"):
        address = inputs.email({"email": args["email"]}) or ""
        rows = lookup.by_email(ctx, address)
        if not rows:
            raise UserNotFound()
        shown = rows[(page - 1) * per_page : page * per_page]
        return _page(ctx, shown, len(rows), page, per_page, _next_url(base_url, args, page))
    (total,) = ctx.db.execute(
        f"SELECT count(*) FROM contacts WHERE {_LISTED}", [ctx.workspace.id]
    ).fetchone()
    found = ctx.db.execute(
        f"{records.SELECT} WHERE {_LISTED} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?",
        [ctx.workspace.id, per_page, (page - 1) * per_page],
    ).fetchall()
    shown = [records.as_dict(row) for row in found]
    return _page(ctx, shown, total, page, per_page, _next_url(base_url, args, page))


def _paging(args: dict[str, str]) -> tuple[int, int]:
    per_page = validation.per_page(args.get("per_page"), PER_PAGE_DEFAULT, PER_PAGE_MAX)
    raw = args.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**31:
        raise ParameterInvalid("page must be a positive integer", field="page")
    return int(raw), per_page


def _next_url(base_url: str, args: dict[str, str], page: int) -> str:
    following = {**args, "page": str(page + 1)}
    return f"{base_url.rstrip('/')}/users?{urlencode(following)}"


def _page(
    ctx: Context,
    rows: list[dict[str, Any]],
    total: int,
    page: int,
    per_page: int,
    next_url: str,
) -> dict[str, Any]:
    total_pages = math.ceil(total / per_page)
    return {
        "type": "user.list",
        "users": [shape(ctx, row) for row in rows],
        "total_count": total,
        "limited": False,
        "pages": {
            "type": "pages",
            "next": next_url if page < total_pages else None,
            "page": page,
            "per_page": per_page,
            "total_pages": total_pages,
        },
    }
