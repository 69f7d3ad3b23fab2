"""Cursor pages of a table, as Intercom's lists give them (contacts, conversations).

A page's `pages` object is `{"type": "pages", "page", "per_page", "total_pages", "next"?}`
[S2.11 cursor_pages]. The cursor (`starting_after`) is opaque to clients:
base64 of `[page, sort key, seq]` of the last row shown (Intercom's own cursors are base64 JSON
too [DOC-PAG]). The next page starts strictly after that key, so rows written meanwhile never
shift a page: nothing is shown twice and nothing is skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store.context import Context
from emulator.store.search import Expr


@dataclass(frozen=True)
class Order:
    """The sort: `key` must never be NULL (wrap it in ifnull); ties are broken by seq."""

    key: Expr
    descending: bool = False


@dataclass(frozen=True)
class Page:
    """The rows of one page (the columns asked for, in their order), the count of every row
    that matches, and the `pages` object that goes with them."""

    rows: list[tuple[Any, ...]]
    total: int
    pages: dict[str, Any]


def encode_cursor(page: int, key: Any, seq: int) -> str:
    raw = json.dumps([page, key, seq], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: Any) -> tuple[int, Any, int]:
    """`(page, key, seq)` of a cursor this emulator gave; 400 for anything else."""
    try:
        text = str(cursor)
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        page, key, seq = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise _bad_cursor() from exc
    if not (_is_count(page) and page > 1 and _is_count(seq) and _is_key(key)):
        raise _bad_cursor()
    return page, key, seq


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _is_key(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _bad_cursor() -> ParameterInvalid:
    return ParameterInvalid(
        "starting_after is not a cursor this API returned", field="starting_after"
    )


def _after(order: Order, key: Any, seq: int) -> Expr:
    """Rows strictly after (key, seq) in the sort's direction."""
    beyond = "<" if order.descending else ">"
    k = order.key
    return Expr(
        f" AND ({k.sql} {beyond} ? OR ({k.sql} = ? AND seq {beyond} ?))",
        (*k.params, key, *k.params, key, seq),
    )


def page_of(
    ctx: Context,
    table: str,
    columns: str,
    where: Expr,
    order: Order,
    per_page: int,
    starting_after: str | None,
) -> Page:
    """One page of `table`'s rows matching `where`, after the cursor `starting_after` if any.

    `table` and `columns` are the caller's constants (never a client's text); the table has a
    unique `seq` column that breaks ties in the sort."""
    (total,) = ctx.db.execute(
        f"SELECT count(*) FROM {table} WHERE {where.sql}", where.params
    ).fetchone()
    page, condition = 1, where
    if starting_after:
        page, key, seq = decode_cursor(starting_after)
        after = _after(order, key, seq)
        condition = Expr(where.sql + after.sql, (*where.params, *after.params))
    direction = "DESC" if order.descending else "ASC"
    rows = ctx.db.execute(
        f"SELECT {columns}, {order.key.sql}, seq FROM {table} WHERE {condition.sql}"
        f" ORDER BY {order.key.sql} {direction}, seq {direction} LIMIT ?",
        [*order.key.params, *condition.params, *order.key.params, per_page + 1],
    ).fetchall()
    shown = rows[:per_page]
    pages: dict[str, Any] = {
        "type": "pages",
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page),
    }
    if len(rows) > per_page:
        # Intercom's example `next` has page and starting_after; its schema also requires
        # per_page [S2.11 starting_after_paging], so the emulator sends all three.
        pages["next"] = {
            "page": page + 1,
            "per_page": per_page,
            "starting_after": encode_cursor(page + 1, shown[-1][-2], shown[-1][-1]),
        }
    return Page([row[:-2] for row in shown], total, pages)
