"""Companies: the upsert by `company_id`, lookups, lists, the scroll, and contacts' companies.

Shapes follow Intercom's 2.11 `company` schema, which requires `last_request_at`, `size`,
`website` and `industry` (none nullable) although Intercom's own examples leave unset ones
out; the emulator always sends them, with the type's empty value ("" or 0) when never set.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import uuid
from typing import Any

from emulator import limits
from emulator.errors import BadRequest, CompanyNotFound, ParameterInvalid, ParameterNotFound
from emulator.store import contacts, custom_attributes, ids, validation
from emulator.store.context import Context

_COLUMNS = (
    "seq, id, company_id, name, plan, size, website, industry, monthly_spend,"
    " remote_created_at, session_count, last_request_at, custom_attributes, created_at,"
    " updated_at"
)
_NAMES = [name.strip() for name in _COLUMNS.split(",")]
_QUALIFIED = ", ".join(f"companies.{name}" for name in _NAMES)
_TEXT_FIELDS = ("name", "plan", "website", "industry")
_INT_FIELDS = ("size", "remote_created_at")
# `update_last_request_at` is documented from 2.16 on; Intercom edits older descriptions
# retroactively, so the emulator accepts it in every version.
_BODY_KEYS = (*_TEXT_FIELDS, *_INT_FIELDS, "company_id", "monthly_spend", "custom_attributes")
_BODY_KEYS += ("update_last_request_at",)
# Integers SQLite can store; anything larger is refused rather than failing with a 500.
_SQLITE_INT_MAX = 2**63 - 1
# Intercom: "Companies will be only visible in Intercom when there is at least one associated
# user", and its list "does not include companies who have no associated users" [S2.11]. The
# emulator applies this to both lists and to the scroll (for the scroll: its choice).
_HAS_USERS = "EXISTS (SELECT 1 FROM contact_companies cc WHERE cc.company_id = companies.id)"


# --- shape ------------------------------------------------------------------------------------


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


# --- finding ----------------------------------------------------------------------------------


def _select(ctx: Context, where: str, params: list[Any], tail: str = "") -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM companies WHERE workspace_id = ? AND {where} {tail}",
        [ctx.workspace.id, *params],
    ).fetchall()
    return [dict(zip(_NAMES, row, strict=True)) for row in rows]


def find(ctx: Context, company_id: str) -> dict[str, Any] | None:
    """The company whose Intercom `id` this is, or None."""
    rows = _select(ctx, "id = ?", [company_id])
    return rows[0] if rows else None


def find_by_company_id(ctx: Context, company_id: str) -> dict[str, Any] | None:
    """The company with this user-defined `company_id`, or None."""
    rows = _select(ctx, "company_id = ?", [company_id])
    return rows[0] if rows else None


def require(ctx: Context, company_id: str) -> dict[str, Any]:
    """The company with this Intercom `id`; 404 `company_not_found` otherwise."""
    row = find(ctx, company_id)
    if row is None:
        raise CompanyNotFound()
    return row


def retrieve(ctx: Context, company_id: str) -> dict[str, Any]:
    return shape(ctx, require(ctx, company_id))


# --- writing ----------------------------------------------------------------------------------


def upsert(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /companies`: update the company with this `company_id`, or create it."""
    validation.known_keys(body, _BODY_KEYS)
    company_id = _company_id(body)
    changes = _changes(ctx, body)
    row = find_by_company_id(ctx, company_id)
    if row is None:
        return shape(ctx, _insert(ctx, company_id, changes))
    return shape(ctx, _apply(ctx, row, changes))


def update(ctx: Context, company_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`PUT /companies/{id}`: "it is not possible to update `company_id`" [S2.11]; a different
    one is ignored (with a journal warning), the emulator's reading of that sentence."""
    validation.known_keys(body, _BODY_KEYS)
    row = require(ctx, company_id)
    if "company_id" in body and body["company_id"] != row["company_id"]:
        ctx.warnings.append("company_id cannot be updated; the new value was ignored")
    return shape(ctx, _apply(ctx, row, _changes(ctx, body)))


def delete(ctx: Context, company_id: str) -> dict[str, Any]:
    """Intercom archives the company and detaches its contacts [S2.11]; the emulator removes it
    with its attachments and taggings, so a later upsert of its `company_id` creates a new one."""
    row = require(ctx, company_id)
    ctx.db.execute("DELETE FROM companies WHERE seq = ?", [row["seq"]])
    return {"id": row["id"], "object": "company", "deleted": True}


def _company_id(body: dict[str, Any]) -> str:
    """The upsert's key. Intercom needs it to create (its behaviour without one is UNCONFIRMED:
    the emulator answers 400 `parameter_not_found`); numbers are accepted as their text."""
    value = body.get("company_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    validation.typed(body, "company_id", str)
    return str(validation.required(body, "company_id", "company_id not specified"))


def _changes(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The columns a create or update body sets (absent or null keys change nothing)."""
    changes: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        changes[key] = validation.typed(body, key, str)
    for key in _INT_FIELDS:
        changes[key] = validation.typed(body, key, int)
        if changes[key] is not None and abs(changes[key]) > _SQLITE_INT_MAX:
            raise ParameterInvalid(f"{key} is too large", field=key)
    changes["monthly_spend"] = _monthly_spend(body)
    if validation.typed(body, "update_last_request_at", bool):
        changes["last_request_at"] = ctx.now
    changes["custom_attributes"] = custom_attributes.check(
        ctx, "company", body.get("custom_attributes")
    )
    return {key: value for key, value in changes.items() if value is not None}


def _monthly_spend(body: dict[str, Any]) -> int | None:
    """ "this will truncate floats … 155.98 will be truncated to 155 … an upper limit of 2**31-1"
    [S2.11]. The error past the limit is UNCONFIRMED (400 `parameter_invalid` here)."""
    value = validation.typed(body, "monthly_spend", (int, float))
    if value is None:
        return None
    if not math.isfinite(value) or abs(value) > limits.MONTHLY_SPEND_MAX:
        raise ParameterInvalid(
            f"monthly_spend must be at most {limits.MONTHLY_SPEND_MAX}", field="monthly_spend"
        )
    return math.trunc(value)


def _insert(ctx: Context, company_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    attributes = custom_attributes.merge({}, changes.pop("custom_attributes", {}))
    # Intercom's examples show `remote_created_at` equal to `created_at` when none was sent.
    changes.setdefault("remote_created_at", ctx.now)
    columns = ["id", "workspace_id", "company_id", "custom_attributes", "created_at"]
    values = [ids.object_id(), ctx.workspace.id, company_id, json.dumps(attributes), ctx.now]
    columns += ["updated_at", *changes]
    values += [ctx.now, *changes.values()]
    marks = ", ".join("?" * len(values))
    ctx.db.execute(f"INSERT INTO companies ({', '.join(columns)}) VALUES ({marks})", values)
    row = find(ctx, values[0])
    assert row is not None
    return row


def _apply(ctx: Context, row: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    if "custom_attributes" in changes:
        merged = custom_attributes.merge(
            json.loads(row["custom_attributes"]), changes["custom_attributes"]
        )
        changes["custom_attributes"] = json.dumps(merged)
    changes["updated_at"] = ctx.now
    assignments = ", ".join(f"{column} = ?" for column in changes)
    ctx.db.execute(
        f"UPDATE companies SET {assignments} WHERE seq = ?", [*changes.values(), row["seq"]]
    )
    updated = find(ctx, row["id"])
    assert updated is not None
    return updated


# --- lists and the scroll ---------------------------------------------------------------------


def retrieve_or_list(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`GET /companies`: by `company_id` or `name` (404 when none matches), by `tag_id` or
    `segment_id`, or every company with users. Intercom's description answers all of these
    with a `company_list` [S2.11], so a lookup is a list of its matches."""
    page, per_page = _paging(args)
    for key in ("company_id", "name"):
        if args.get(key):
            rows = _select(ctx, f"{key} = ?", [args[key]], "ORDER BY seq")
            if not rows:
                raise CompanyNotFound()
            offset = (page - 1) * per_page
            return _page(ctx, rows[offset : offset + per_page], len(rows), page, per_page)
    if args.get("tag_id"):
        where = "id IN (SELECT company_id FROM company_tags WHERE tag_id = ?)"
        return _list(ctx, where, [args["tag_id"]], "desc", page, per_page)
    if args.get("segment_id"):
        return _list(ctx, "0", [], "desc", page, per_page)  # the emulator has no segments
    return _list(ctx, _HAS_USERS, [], "desc", page, per_page)


def list_all(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    """`POST /companies/list`: companies with users, by `last_request_at` [S2.11]."""
    order = (args.get("order") or "desc").lower()
    if order not in ("asc", "desc"):
        raise ParameterInvalid("order must be asc or desc", field="order")
    page, per_page = _paging(args)
    return _list(ctx, _HAS_USERS, [], order, page, per_page)


def _paging(
    args: dict[str, str],
    default: int = limits.COMPANIES_PER_PAGE_DEFAULT,
    maximum: int = limits.COMPANIES_PER_PAGE_MAX,
) -> tuple[int, int]:
    per_page = validation.per_page(args.get("per_page"), default, maximum)
    raw = args.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= _SQLITE_INT_MAX // per_page:
        raise ParameterInvalid("page must be a positive integer", field="page")
    return int(raw), per_page


def _pages(page: int, per_page: int, total: int, next_url: str | None = None) -> dict[str, Any]:
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
    return _page(ctx, _select(ctx, where, params, tail), total, page, per_page)


def _page(
    ctx: Context, rows: list[dict[str, Any]], total: int, page: int, per_page: int
) -> dict[str, Any]:
    return {
        "type": "list",
        "data": [shape(ctx, row) for row in rows],
        "pages": _pages(page, per_page, min(total, limits.COMPANY_LIST_CAP)),
        "total_count": total,
    }


def scroll(ctx: Context, scroll_param: str | None) -> dict[str, Any]:
    """`GET /companies/scroll`: pages until one comes back empty [S2.11]. The emulator's scroll
    parameter carries its position, so it never expires and several scrolls may be open."""
    after = _scroll_position(scroll_param) if scroll_param else 0
    tail = f"ORDER BY seq LIMIT {limits.COMPANY_SCROLL_PAGE_SIZE}"
    rows = _select(ctx, f"seq > ? AND {_HAS_USERS}", [after], tail)
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


# --- contacts and companies -------------------------------------------------------------------


def attach(ctx: Context, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /contacts/{id}/companies` with `{"id": <Intercom company id>}`."""
    contacts.require(ctx, contact_id)
    company_id = body.get("id")
    if company_id is None or company_id == "":
        raise ParameterNotFound("company not specified", field="id")
    row = require(ctx, str(company_id))
    attach_company(ctx, contact_id, row["id"])
    return shape(ctx, row)


def attach_company(ctx: Context, contact_id: str, company_id: str) -> None:
    """Put an existing contact in an existing company (again is a no-op), within the limit of
    companies per contact [S2.11]."""
    attached = ctx.db.execute(
        "SELECT company_id = ? FROM contact_companies WHERE contact_id = ?",
        [company_id, contact_id],
    ).fetchall()
    if any(same for (same,) in attached):
        return
    # A workspace setting `companies_per_contact` overrides the constant when there is one.
    limit = ctx.workspace.settings.get("companies_per_contact", limits.COMPANIES_PER_CONTACT)
    if len(attached) >= limit:
        raise BadRequest(
            f"Contact has reached the maximum of {limit} company associations",
            code="contact_company_limit_exceeded",
        )
    ctx.db.execute(
        "INSERT INTO contact_companies (contact_id, company_id, created_at) VALUES (?, ?, ?)",
        [contact_id, company_id, ctx.now],
    )


def detach(ctx: Context, contact_id: str, company_id: str) -> dict[str, Any]:
    """`DELETE /contacts/{id}/companies/{company id}`; 404 `company_not_found` also when the
    contact is not in that company (the emulator's choice)."""
    contacts.require(ctx, contact_id)
    row = require(ctx, company_id)
    removed = ctx.db.execute(
        "DELETE FROM contact_companies WHERE contact_id = ? AND company_id = ?",
        [contact_id, row["id"]],
    ).rowcount
    if not removed:
        raise CompanyNotFound()
    return shape(ctx, row)


def list_for_contact(ctx: Context, contact_id: str, args: dict[str, str]) -> dict[str, Any]:
    """`GET /contacts/{id}/companies`, in the order the contact joined them. The 2.11 schema
    names the array `companies`, Intercom's example response `data`: the emulator sends both."""
    contacts.require(ctx, contact_id)
    page, per_page = _paging(args, limits.PER_PAGE_DEFAULT, limits.PER_PAGE_MAX)
    (total,) = ctx.db.execute(
        "SELECT count(*) FROM contact_companies WHERE contact_id = ?", [contact_id]
    ).fetchone()
    rows = ctx.db.execute(
        f"SELECT {_QUALIFIED} FROM contact_companies cc JOIN companies ON companies.id ="
        " cc.company_id WHERE cc.contact_id = ? ORDER BY cc.created_at, cc.rowid"
        " LIMIT ? OFFSET ?",
        [contact_id, per_page, (page - 1) * per_page],
    ).fetchall()
    found = [shape(ctx, dict(zip(_NAMES, row, strict=True))) for row in rows]
    following = f"/contacts/{contact_id}/companies?page={page + 1}&per_page={per_page}"
    return {
        "type": "list",
        "data": found,
        "companies": found,
        "total_count": total,
        "pages": _pages(page, per_page, total, following),
    }


def list_contacts(ctx: Context, company_id: str, args: dict[str, str]) -> dict[str, Any]:
    """`GET /companies/{id}/contacts`: the company's contacts, 50 a page [S2.11 example]."""
    row = require(ctx, company_id)
    page, per_page = _paging(args, limits.PER_PAGE_DEFAULT, limits.PER_PAGE_MAX)
    contact_ids = [
        contact_id
        for (contact_id,) in ctx.db.execute(
            # Merged contacts answer 410 from now on, so they are left out.
            "SELECT cc.contact_id FROM contact_companies cc JOIN contacts c"
            " ON c.id = cc.contact_id WHERE cc.company_id = ? AND c.merged_into IS NULL"
            " ORDER BY cc.created_at, cc.rowid",
            [row["id"]],
        )
    ]
    chosen = contact_ids[(page - 1) * per_page : page * per_page]
    return {
        "type": "list",
        "data": [contacts.shape(ctx, contacts.require(ctx, cid)) for cid in chosen],
        "total_count": len(contact_ids),
        "pages": _pages(page, per_page, len(contact_ids)),
    }
