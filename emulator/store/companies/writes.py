"""The upsert by `company_id`, updates and deletes."""

from __future__ import annotations

import json
import math
from typing import Any

from emulator import limits, versions
from emulator.errors import ParameterInvalid
from emulator.store import custom_attributes, ids, validation, webhooks
from emulator.store.companies.records import (
    SQLITE_INT_MAX,
    find,
    find_by_company_id,
    require,
    shape,
)
from emulator.store.context import Context
from emulator.store.users import attributes as user_attributes

_TEXT_FIELDS = ("name", "plan", "website", "industry")
_INT_FIELDS = ("size", "remote_created_at")
# `update_last_request_at` is documented from 2.16 on; Intercom edits older descriptions
# retroactively, so the emulator accepts it in every version.
_BODY_KEYS = (*_TEXT_FIELDS, *_INT_FIELDS, "company_id", "monthly_spend", "custom_attributes")
_BODY_KEYS += ("update_last_request_at",)


def upsert(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /companies`: update the company with this `company_id`, or create it."""
    validation.known_keys(body, _BODY_KEYS)
    company_id = _company_id(body)
    changes = _changes(ctx, body)
    row = find_by_company_id(ctx, company_id)
    if row is None:
        company = shape(ctx, _insert(ctx, company_id, changes))
        webhooks.emit(ctx, "company.created", company)
        return company
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
        if changes[key] is not None and abs(changes[key]) > SQLITE_INT_MAX:
            raise ParameterInvalid(f"{key} is too large", field=key)
    changes["monthly_spend"] = _monthly_spend(body)
    if validation.typed(body, "update_last_request_at", bool):
        changes["last_request_at"] = ctx.now
    changes["custom_attributes"] = _custom_attributes(ctx, body.get("custom_attributes"))
    return {key: value for key, value in changes.items() if value is not None}


def _custom_attributes(ctx: Context, values: Any) -> dict[str, Any]:
    """2.x refuses an attribute that does not exist; 1.4 created it on the fly, for companies as
    for users ("you could send a custom attribute that was not defined … Intercom did not
    validate the attribute and created a new custom attribute instead" [RS-DOC]; 1.x company
    attributes follow the users' rules [facts §8, "Company CDAs (v1)"])."""
    if versions.is_legacy(ctx.version):
        return user_attributes.prepare(ctx, "company", values)
    return custom_attributes.check(ctx, "company", values)


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
