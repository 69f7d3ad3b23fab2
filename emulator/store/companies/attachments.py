"""Contacts and companies: attach, detach, and each side's list of the other."""

from __future__ import annotations

from typing import Any

from emulator import limits
from emulator.errors import BadRequest, CompanyNotFound, ParameterNotFound
from emulator.store import contacts
from emulator.store.companies.listing import pages, paging
from emulator.store.companies.records import (
    NAMES,
    QUALIFIED,
    require,
    shape,
)
from emulator.store.context import Context


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
    page, per_page = paging(args, limits.PER_PAGE_DEFAULT, limits.PER_PAGE_MAX)
    (total,) = ctx.db.execute(
        "SELECT count(*) FROM contact_companies WHERE contact_id = ?", [contact_id]
    ).fetchone()
    rows = ctx.db.execute(
        f"SELECT {QUALIFIED} FROM contact_companies cc JOIN companies ON companies.id ="
        " cc.company_id WHERE cc.contact_id = ? ORDER BY cc.created_at, cc.rowid"
        " LIMIT ? OFFSET ?",
        [contact_id, per_page, (page - 1) * per_page],
    ).fetchall()
    found = [shape(ctx, dict(zip(NAMES, row, strict=True))) for row in rows]
    following = f"/contacts/{contact_id}/companies?page={page + 1}&per_page={per_page}"
    return {
        "type": "list",
        "data": found,
        "companies": found,
        "total_count": total,
        "pages": pages(page, per_page, total, following),
    }


def list_contacts(ctx: Context, company_id: str, args: dict[str, str]) -> dict[str, Any]:
    """`GET /companies/{id}/contacts`: the company's contacts, 50 a page [S2.11 example]."""
    row = require(ctx, company_id)
    page, per_page = paging(args, limits.PER_PAGE_DEFAULT, limits.PER_PAGE_MAX)
    contact_ids = [
        contact_id
        for (contact_id,) in ctx.db.execute(
            # Merged contacts are gone (404, or 410 from 2.16 on), so they are left out.
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
        "pages": pages(page, per_page, len(contact_ids)),
    }
