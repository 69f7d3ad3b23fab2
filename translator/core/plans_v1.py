"""Plans for Intercom 1.4, the legacy Users API that Segment's classic integration and RudderStack's
1.4 destination use: ``POST /users`` upserts by user_id or email (facts §6), so identify needs no
lookup; companies ride along in ``companies: [...]`` (``remove: true`` detaches); unknown custom
attributes are created by Intercom itself (facts §6, RudderStack migration guide).
"""

from __future__ import annotations

from typing import Any

from translator.core.calls import PLANNED, Call, Outcome, Plan
from translator.core.company_fields import CompanyFields
from translator.core.contact_fields import ContactFields
from translator.core.event_fields import EventFields
from translator.core.replies import failed, reply_id


def identify_plan(fields: ContactFields) -> Plan:
    """One ``POST /users`` with the user's fields and companies."""
    body = fields.body()
    if fields.companies:
        body["companies"] = [_company_entry(company) for company in fields.companies]
    return (
        yield from _single(
            Call("POST", "/users", body=body, reason="create or update the user"),
            fields.adjustments,
        )
    )


def track_plan(fields: EventFields) -> Plan:
    """``POST /events``; 1.x takes the same body and answers 202 (facts §7)."""
    call = Call("POST", "/events", body=fields.body, reason="record the event")
    return (yield from _single(call, fields.adjustments))


def group_plan(company: CompanyFields, user: dict[str, Any]) -> Plan:
    """``POST /companies``, then ``POST /users`` putting the user in it (facts §8, §13)."""
    adjustments = list(company.adjustments)
    upsert = Call("POST", "/companies", body=company.body, reason="create or update the company")
    reply = yield upsert
    if not reply.ok or reply_id(reply) is None:
        return failed(upsert, reply, adjustments)
    body = {**user, "companies": [{"company_id": company.company_id}]}
    call = Call("POST", "/users", body=body, reason="add the user to the company")
    return (yield from _single(call, adjustments))


def _single(call: Call, adjustments: list) -> Plan:
    reply = yield call
    if not reply.ok:
        return failed(call, reply, adjustments)
    return Outcome(PLANNED, None, tuple(adjustments))


def _company_entry(company: CompanyFields) -> dict[str, Any]:
    # "the companies field used is an array" of company bodies; "remove": true detaches (facts §6).
    return {**company.body, "remove": True} if company.remove else dict(company.body)
