"""Companies as stored and as Intercom shows them: columns, the shape, and lookups.

Shapes follow Intercom's 2.11 `company` schema, which requires `last_request_at`, `size`,
`website` and `industry` (none nullable) although Intercom's own examples leave unset ones
out; the emulator always sends them, with the type's empty value ("" or 0) when never set.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from emulator.errors import CompanyNotFound
from emulator.store.context import Context

COLUMNS = (
    "seq, id, company_id, name, plan, size, website, industry, monthly_spend,"
    " remote_created_at, session_count, last_request_at, custom_attributes, created_at,"
    " updated_at"
)
NAMES = [name.strip() for name in COLUMNS.split(",")]
QUALIFIED = ", ".join(f"companies.{name}" for name in NAMES)
# Integers SQLite can store; anything larger is refused rather than failing with a 500.
SQLITE_INT_MAX = 2**63 - 1
# Intercom: "Companies will be only visible in Intercom when there is at least one associated
# user", and its list "does not include companies who have no associated users" [S2.11]. The
# emulator applies this to both lists and to the scroll (for the scroll: its choice).
HAS_USERS = "EXISTS (SELECT 1 FROM contact_companies cc WHERE cc.company_id = companies.id)"


def shape(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    """A company as Intercom shows it."""
    return {
        "type": "company",
        "company_id": row["company_id"],
        "id": row["id"],
        "app_id": ctx.workspace.id,
        "name": row["name"] or "",
        "remote_created_at": row["remote_created_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_request_at": row["last_request_at"] or 0,
        "monthly_spend": row["monthly_spend"],
        "session_count": row["session_count"],
        "user_count": _user_count(ctx, row["id"]),
        "size": row["size"] or 0,
        "website": row["website"] or "",
        "industry": row["industry"] or "",
        "tags": {"type": "tag.list", "tags": _tags(ctx, row["id"])},
        "segments": {"type": "segment.list", "segments": []},
        "plan": _plan(ctx, row["plan"]),
        "custom_attributes": json.loads(row["custom_attributes"]),
    }


def _user_count(ctx: Context, company_id: str) -> int:
    sql = "SELECT count(*) FROM contact_companies WHERE company_id = ?"
    return int(ctx.db.execute(sql, [company_id]).fetchone()[0])


def _tags(ctx: Context, company_id: str) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT t.id, t.name FROM company_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.company_id = ? ORDER BY ct.applied_at, t.id",
        [company_id],
    ).fetchall()
    return [{"type": "tag", "id": str(tag_id), "name": name} for tag_id, name in rows]


def _plan(ctx: Context, name: str | None) -> dict[str, Any]:
    """`{}` until a plan is set [S2.11 examples]. Intercom keeps plans as their own objects; the
    emulator derives a stable numeric id from the workspace and the plan's name instead."""
    if not name:
        return {}
    digest = hashlib.sha256(f"{ctx.workspace.id}\0{name}".encode()).hexdigest()
    return {"type": "plan", "id": str(int(digest[:7], 16)), "name": name}


def select(ctx: Context, where: str, params: list[Any], tail: str = "") -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        f"SELECT {COLUMNS} FROM companies WHERE workspace_id = ? AND {where} {tail}",
        [ctx.workspace.id, *params],
    ).fetchall()
    return [dict(zip(NAMES, row, strict=True)) for row in rows]


def find(ctx: Context, company_id: str) -> dict[str, Any] | None:
    """The company whose Intercom `id` this is, or None."""
    rows = select(ctx, "id = ?", [company_id])
    return rows[0] if rows else None


def find_by_company_id(ctx: Context, company_id: str) -> dict[str, Any] | None:
    """The company with this user-defined `company_id`, or None."""
    rows = select(ctx, "company_id = ?", [company_id])
    return rows[0] if rows else None


def require(ctx: Context, company_id: str) -> dict[str, Any]:
    """The company with this Intercom `id`; 404 `company_not_found` otherwise."""
    row = find(ctx, company_id)
    if row is None:
        raise CompanyNotFound()
    return row


def retrieve(ctx: Context, company_id: str) -> dict[str, Any]:
    return shape(ctx, require(ctx, company_id))
