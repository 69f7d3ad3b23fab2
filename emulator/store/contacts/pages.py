"""Cursor pages of contacts, shared by `GET /contacts` and `POST /contacts/search`.

A page answers `{"type": "list", "data", "total_count", "pages"}` [S2.11 contact_list]. The
cursor (`starting_after`) is opaque to clients: base64 of `[page, sort key, seq]` of the last
contact shown (Intercom's own cursors are base64 JSON too [DOC-PAG]). The next page starts
strictly after that key, so contacts created meanwhile never shift a page: nothing is shown
twice and nothing is skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store.contacts import records
from emulator.store.contacts.shape import shape
from emulator.store.context import Context
from emulator.store.search import Expr


@dataclass(frozen=True)
class Order:
    """The sort: `key` must never be NULL (wrap it in ifnull); ties are broken by seq."""

    key: Expr
    descending: bool = False


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
    ctx: Context, where: Expr, order: Order, per_page: int, starting_after: str | None
) -> dict[str, Any]:
    """One page of the contacts matching `where` (a condition on the contacts table)."""
    (total,) = ctx.db.execute(
        f"SELECT count(*) FROM contacts WHERE {where.sql}", where.params
    ).fetchone()
    page, condition = 1, where
    if starting_after:
        page, key, seq = decode_cursor(starting_after)
        after = _after(order, key, seq)
        condition = Expr(where.sql + after.sql, (*where.params, *after.params))
    direction = "DESC" if order.descending else "ASC"
    rows = ctx.db.execute(
        f"SELECT {records.COLUMN_LIST}, {order.key.sql} FROM contacts WHERE {condition.sql}"
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
        last = records.as_dict(shown[-1][:-1])
        # Intercom's example `next` has page and starting_after; its schema also requires
        # per_page [S2.11 starting_after_paging], so the emulator sends all three.
        pages["next"] = {
            "page": page + 1,
            "per_page": per_page,
            "starting_after": encode_cursor(page + 1, shown[-1][-1], last["seq"]),
        }
    return {
        "type": "list",
        "data": [shape(ctx, records.as_dict(row[:-1])) for row in shown],
        "total_count": total,
        "pages": pages,
    }
