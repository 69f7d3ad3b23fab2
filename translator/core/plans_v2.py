"""Plans for Intercom 2.x, the Contacts API: search, then update or create, then companies.

Identify (destination-mappings.md §0.2, §8): ``POST /contacts/search`` by external_id OR
lower-cased email; ``PUT /contacts/{id}`` when the profile's rule accepts a hit, else
``POST /contacts`` with ``role: "user"``; a 409 naming an existing contact becomes a
``PUT`` of that contact (facts §5.4). Companies: ``POST /companies`` (upsert), then
``POST /contacts/{id}/companies {"id": <Intercom id>}``; ``company.remove: true``:
``GET /companies?company_id=`` then ``DELETE /contacts/{id}/companies/{intercom id}`` (facts §13).
Group: company upsert, search the acting user, attach when found, then tags (rudderstack).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from translator.core.calls import PLANNED, Call, Outcome, Plan, Reason, Reply
from translator.core.company_fields import CompanyFields
from translator.core.contact_fields import ContactFields
from translator.core.data_attributes import NewAttribute
from translator.core.event_fields import EventFields
from translator.core.replies import conflict_id, failed, reply_id, search_match
from translator.core.settings import Settings
from translator.core.traits import Identity

Step = Generator[Call, Reply, Outcome | None]


def search_call(who: Identity, settings: Settings, why: str) -> Call:
    """``POST /contacts/search`` for external_id OR lower-cased email (either alone if only one)."""
    filters = []
    if who.user_id:
        filters.append({"field": "external_id", "operator": "=", "value": who.user_id})
    if who.lookup_email:
        filters.append({"field": "email", "operator": "=", "value": who.lookup_email})
    query = filters[0] if len(filters) == 1 else {"operator": "OR", "value": filters}
    rule = "only a unique hit counts" if settings.search_match == "unique" else "first hit wins"
    return Call(
        "POST",
        "/contacts/search",
        body={"query": query},
        reason=f"{why} ({rule})",
        purpose="lookup",
    )


def identify_plan(fields: ContactFields, settings: Settings) -> Plan:
    """Search the contact, update or create it, then attach or detach its companies."""
    adjustments, notes = list(fields.adjustments), []
    search = search_call(fields.identity, settings, "find the contact before writing it")
    reply = yield search
    if not reply.ok:
        return failed(search, reply, adjustments)
    found = search_match(reply, settings.search_match)
    yield from _create_attributes(fields.new_attributes)
    write = _contact_write(found, fields)
    reply = yield write
    if not found and (existing := conflict_id(reply)):
        write = Call(
            "PUT",
            f"/contacts/{existing}",
            body=fields.body(),
            reason="update the contact Intercom's 409 named (search had not found it yet)",
        )
        reply, found = (yield write), existing
    if not reply.ok:
        return failed(write, reply, adjustments)
    contact_id = reply_id(reply) or found
    if contact_id is None:
        return failed(write, reply, adjustments)
    for company in fields.companies:
        step = (
            _detach(contact_id, company, notes) if company.remove else _attach(contact_id, company)
        )
        problem = yield from step
        if problem is not None:
            return Outcome(problem.status, problem.reason, tuple(adjustments), tuple(notes))
    return Outcome(PLANNED, None, tuple(adjustments), tuple(notes))


def _contact_write(found: str | None, fields: ContactFields) -> Call:
    if found:
        return Call(
            "PUT", f"/contacts/{found}", body=fields.body(), reason="update the contact found"
        )
    return Call(
        "POST",
        "/contacts",
        body={"role": "user", **fields.body()},
        reason="create the contact: the search found none to update",
    )


def track_plan(fields: EventFields) -> Plan:
    """One ``POST /events``; Intercom answers 202 (facts §7)."""
    call = Call("POST", "/events", body=fields.body, reason="record the event")
    reply = yield call
    if not reply.ok:
        return failed(call, reply, fields.adjustments)
    return Outcome(PLANNED, None, tuple(fields.adjustments))


def group_plan(company: CompanyFields, who: Identity, tags: list[str], settings: Settings) -> Plan:
    """Upsert the company, attach the acting user if a contact matches, then tag the company."""
    adjustments, notes = list(company.adjustments), []
    yield from _create_attributes(company.new_attributes)
    upsert = Call("POST", "/companies", body=company.body, reason="create or update the company")
    reply = yield upsert
    company_id = reply_id(reply)
    if not reply.ok or company_id is None:
        return failed(upsert, reply, adjustments)
    search = search_call(who, settings, "find the user to attach to the company")
    reply = yield search
    if not reply.ok:
        return failed(search, reply, adjustments)
    contact_id = search_match(reply, settings.search_match)
    if contact_id is None:
        notes.append(Reason("contact_not_found", "no contact matched the user; not attached"))
    else:
        attach = _attach_call(contact_id, company_id)
        reply = yield attach
        if not reply.ok:
            return failed(attach, reply, adjustments, notes)
    for tag in tags:
        call = Call(
            "POST",
            "/tags",
            body={"name": tag, "companies": [{"id": company_id}]},
            reason="tag the company (context.traits.tags)",
        )
        reply = yield call
        if not reply.ok:
            return failed(call, reply, adjustments, notes)
    return Outcome(PLANNED, None, tuple(adjustments), tuple(notes))


def _create_attributes(new_attributes: list[NewAttribute]) -> Step:
    # Any answer will do: a 400 "You already have '…'" means the attribute exists (facts §9).
    for attribute in new_attributes:
        yield attribute.call()
    return None


def _attach(contact_id: str, company: CompanyFields) -> Step:
    yield from _create_attributes(company.new_attributes)
    upsert = Call(
        "POST", "/companies", body=company.body, reason="create or update the identify's company"
    )
    reply = yield upsert
    company_id = reply_id(reply)
    if not reply.ok or company_id is None:
        return failed(upsert, reply, [])
    attach = _attach_call(contact_id, company_id)
    reply = yield attach
    return None if reply.ok else failed(attach, reply, [])


def _attach_call(contact_id: str, company_id: str) -> Call:
    return Call(
        "POST",
        f"/contacts/{contact_id}/companies",
        body={"id": company_id},
        reason="attach the contact to the company",
    )


def _detach(contact_id: str, company: CompanyFields, notes: list[Reason]) -> Step:
    lookup = Call(
        "GET",
        "/companies",
        query={"company_id": company.company_id},
        reason="find the Intercom id of the company to remove",
        purpose="lookup",
    )
    reply = yield lookup
    company_id = reply_id(reply) or _first_listed_id(reply.body)
    if reply.status == 404 or (reply.ok and company_id is None):
        notes.append(Reason("company_not_found", f"no company {company.company_id!r} to remove"))
        return None
    if not reply.ok or company_id is None:
        return failed(lookup, reply, [])
    detach = Call(
        "DELETE",
        f"/contacts/{contact_id}/companies/{company_id}",
        reason="remove the contact from the company (company.remove: true)",
    )
    reply = yield detach
    if reply.status == 404:
        notes.append(Reason("company_not_attached", "the contact was not in that company"))
        return None
    return None if reply.ok else failed(detach, reply, [])


def _first_listed_id(body: Any) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("id"):
        return str(data[0]["id"])
    return None
