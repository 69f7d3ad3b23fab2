"""The `companies` array of a 1.4 user upsert: companies to join (created when new) or leave.

`"companies": [{"company_id": "366", "name": "Serenity", "monthly_spend": 500}]` creates the
company when it is absent and puts the user in it; `{"company_id": "3", "remove": true}` takes
the user out [DOC-1.x-CU]. Each item is a company upsert (`POST /companies`'s fields and rules),
except that unknown custom attributes are created, as 1.x did for users' attributes. Leaving a
company the user is not in, or one that does not exist, changes nothing (the emulator's choice,
noted in the journal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.errors import CompanyNotFound, ParameterInvalid
from emulator.store import companies, validation
from emulator.store.context import Context
from emulator.store.users import attributes


@dataclass(frozen=True)
class Membership:
    body: dict[str, Any]  # a `POST /companies` body
    remove: bool


def parse(raw: Any) -> list[Membership]:
    """The items of `companies`, checked for shape (their fields are checked when applied)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ParameterInvalid("companies must be an array", field="companies")
    found = []
    for item in raw:
        if not isinstance(item, dict):
            raise ParameterInvalid("Each of companies must be an object", field="companies")
        body = dict(item)
        remove = validation.typed(body, "remove", bool)
        body.pop("remove", None)
        validation.required(body, "company_id", "company_id not specified")
        found.append(Membership(body, bool(remove)))
    return found


def _join(ctx: Context, user_id: str, body: dict[str, Any]) -> str:
    """Upsert the company and put the user in it; its Intercom id."""
    if "custom_attributes" in body:
        changes = attributes.prepare(ctx, "company", body["custom_attributes"])
        body = {**body, "custom_attributes": changes}
    company = companies.upsert(ctx, body)
    companies.attach_company(ctx, user_id, company["id"])
    return str(company["id"])


def _leave(ctx: Context, user_id: str, company_id: Any) -> None:
    row = companies.find_by_company_id(ctx, str(company_id))
    if row is not None:
        try:
            companies.detach(ctx, user_id, row["id"])
            return
        except CompanyNotFound:  # not in it: raised before anything changed
            pass
    ctx.warnings.append(f"company {company_id} removed, but the user was not in it")


def apply(ctx: Context, user_id: str, memberships: list[Membership]) -> list[str]:
    """Join and leave companies in the order given; the Intercom ids of the companies joined."""
    joined = []
    for membership in memberships:
        if membership.remove:
            _leave(ctx, user_id, membership.body["company_id"])
        else:
            joined.append(_join(ctx, user_id, membership.body))
    return joined


def touch(ctx: Context, company_ids: list[str], new_session: bool) -> None:
    """The companies a request named share the user's activity: "company last seen" is updated
    by a ping with the user, and a company's session count grows with each session the user
    begins in its context (the Help Center article `sessions` cites)."""
    for company_id in company_ids:
        ctx.db.execute(
            "UPDATE companies SET last_request_at = ?, session_count = session_count + ?"
            " WHERE workspace_id = ? AND id = ?",
            [ctx.now, int(new_session), ctx.workspace.id, company_id],
        )
