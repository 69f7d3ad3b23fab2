"""Plans for Intercom 2.x, the Contacts API: search, then update or create, then companies.

Identify (destination-mappings.md §0.2, §8): ``POST /contacts/search`` by external_id OR
lower-cased email; ``PUT /contacts/{id}`` when the profile's rule accepts a hit, else
``POST /contacts`` with ``role: "user"``; a 409 naming an existing contact becomes a
``PUT`` of that contact (facts §5.4). Companies: ``POST /companies`` (upsert), then
``POST /contacts/{id}/companies {"id": <Intercom id>}``; ``company.remove: true``:
``GET /companies?company_id=`` then ``DELETE /contacts/{id}/companies/{intercom id}`` (facts §13).
Group: company upsert, search the acting user (when the group names one), attach when found,
last seen (segment), then tags (rudderstack). A detach the profile refuses to miss
(``detach_unknown_company: refuse``, RudderStack) runs before the contact write, as RudderStack
does, and a company not found or not attached rejects the event.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from translator.core.calls import PLANNED, REJECTED, Call, Outcome, Plan, Reason, Reply
from translator.core.company_fields import CompanyFields
from translator.core.contact_fields import ContactFields
from translator.core.data_attributes import NewAttribute
from translator.core.event_fields import EventFields
from translator.core.replies import conflict_id, failed, one_call, reply_id, search_match
from translator.core.settings import Settings
from translator.core.traits import Identity

Step = Generator[Call, Reply, Outcome | None]


def search_call(who: Identity, settings: Settings, why: str) -> Call | None:
    """``POST /contacts/search`` for external_id OR lower-cased email (either alone if only one).

    A per-event lookup field (RudderStack's ``integrations.Intercom.lookup``) replaces email:
    external_id OR that field, or external_id alone when the field is external_id. None when
    there is nothing to search by (the contact then counts as not found).
    """
    filters = []
    if who.user_id:
        filters.append({"field": "external_id", "operator": "=", "value": who.user_id})
    if who.lookup_field is None and who.lookup_email:
        filters.append({"field": "email", "operator": "=", "value": who.lookup_email})
    elif who.lookup_field not in (None, "external_id") and who.lookup_value is not None:
        filters.append({"field": who.lookup_field, "operator": "=", "value": who.lookup_value})
    if not filters:
        return None
    query = filters[0] if len(filters) == 1 else {"operator": "OR", "value": filters}
    rule = "only a unique hit counts" if settings.search_match == "unique" else "first hit wins"
    return Call(
        "POST",
        "/contacts/search",
        body={"query": query},
        reason=f"{why} ({rule})",
        purpose="lookup",
    )


def _find(who: Identity, settings: Settings, why: str) -> Generator[Call, Reply, Any]:
    """The contact id a search finds (None: not found), or a failed ``Outcome``."""
    search = search_call(who, settings, why)
    if search is None:
        return None
    reply = yield search
    if not reply.ok:
        return failed(search, reply, [])
    return search_match(reply, settings.search_match)


def identify_plan(fields: ContactFields, settings: Settings) -> Plan:
    """Search the contact, update or create it, then attach or detach its companies."""
    adjustments, notes = list(fields.adjustments), []
    found = yield from _find(fields.identity, settings, "find the contact before writing it")
    if isinstance(found, Outcome):
        return _with(found, adjustments, notes)
    refuse = settings.detach_unknown_company == "refuse"
    companies = fields.companies
    if refuse:
        # RudderStack detaches during the transformation, before the write, and only a contact
        # it found; a company it cannot detach fails the event.
        for company in [company for company in companies if company.remove]:
            if found:
                problem = yield from _detach(found, company, notes, refuse)
                if problem is not None:
                    return _with(problem, adjustments, notes)
        companies = [company for company in companies if not company.remove]
    yield from _create_attributes(fields.new_attributes)
    contact_id = yield from _write_contact(found, fields)
    if isinstance(contact_id, Outcome):
        return _with(contact_id, adjustments, notes)
    for company in companies:
        step = (
            _detach(contact_id, company, notes, refuse)
            if company.remove
            else _attach(contact_id, company)
        )
        problem = yield from step
        if problem is not None:
            return _with(problem, adjustments, notes)
    return Outcome(PLANNED, None, tuple(adjustments), tuple(notes))


def _with(outcome: Outcome, adjustments: list, notes: list) -> Outcome:
    return Outcome(outcome.status, outcome.reason, tuple(adjustments), tuple(notes))


def _write_contact(found: str | None, fields: ContactFields) -> Generator[Call, Reply, Any]:
    """Update or create the contact; its id, or a failed ``Outcome``."""
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
        return failed(write, reply, [])
    contact_id = reply_id(reply) or found
    if contact_id is None:
        return failed(write, reply, [])
    return contact_id


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
    return (yield from one_call(call, fields.adjustments))


_NO_USER = Reason("no_user", "the group names no user: the company is upserted, nobody attached")


def group_plan(
    company: CompanyFields,
    who: Identity,
    tags: list[str],
    settings: Settings,
    last_seen: dict[str, Any],
) -> Plan:
    """Upsert the company, attach the acting user if a contact matches, then tag the company."""
    adjustments, notes = list(company.adjustments), []
    yield from _create_attributes(company.new_attributes)
    upsert = Call("POST", "/companies", body=company.body, reason="create or update the company")
    reply = yield upsert
    company_id = reply_id(reply)
    if not reply.ok or company_id is None:
        return failed(upsert, reply, adjustments)
    contact_id = yield from _find(who, settings, "find the user to attach to the company")
    if isinstance(contact_id, Outcome):
        return _with(contact_id, adjustments, notes)
    if not who.known:
        notes.append(_NO_USER)
    elif contact_id is None:
        notes.append(Reason("contact_not_found", "no contact matched the user; not attached"))
    else:
        problem = yield from _attach_and_touch(contact_id, company_id, last_seen)
        if problem is not None:
            return _with(problem, adjustments, notes)
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


def _attach_and_touch(contact_id: str, company_id: str, last_seen: dict[str, Any]) -> Step:
    attach = _attach_call(contact_id, company_id)
    reply = yield attach
    if not reply.ok:
        return failed(attach, reply, [])
    if last_seen:
        # Seeds 001/004 "Last Seen": a group with a user's userId updates Last Seen.
        touch = Call(
            "PUT", f"/contacts/{contact_id}", body=last_seen, reason="update the user's last seen"
        )
        reply = yield touch
        if not reply.ok:
            return failed(touch, reply, [])
    return None


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


def _detach(contact_id: str, company: CompanyFields, notes: list[Reason], refuse: bool) -> Step:
    # A company given by name only is looked up by name, as RudderStack does (RS-I5).
    query = (
        {"name": company.body["name"]} if company.by_name else {"company_id": company.company_id}
    )
    lookup = Call(
        "GET",
        "/companies",
        query=query,
        reason="find the Intercom id of the company to remove",
        purpose="lookup",
    )
    reply = yield lookup
    company_id = reply_id(reply) or _first_listed_id(reply.body)
    if reply.status == 404 or (reply.ok and company_id is None):
        missing = Reason("company_not_found", f"no company {company.company_id!r} to remove")
        return _missing(missing, notes, refuse)
    if not reply.ok or company_id is None:
        return failed(lookup, reply, [])
    detach = Call(
        "DELETE",
        f"/contacts/{contact_id}/companies/{company_id}",
        reason="remove the contact from the company (company.remove: true)",
    )
    reply = yield detach
    if reply.status == 404:
        missing = Reason("company_not_attached", "the contact was not in that company")
        return _missing(missing, notes, refuse)
    return None if reply.ok else failed(detach, reply, [])


def _missing(reason: Reason, notes: list[Reason], refuse: bool) -> Outcome | None:
    """A company to remove that is not there: a note, or (``refuse``) the event rejected."""
    if refuse:
        return Outcome(REJECTED, reason)
    notes.append(reason)
    return None


def _first_listed_id(body: Any) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("id"):
        return str(data[0]["id"])
    return None
