"""Plans for Intercom 1.4, the legacy Users API that Segment's classic integration and RudderStack's
1.4 destination use: ``POST /users`` upserts by user_id or email (facts §6), so identify needs no
lookup; companies ride along in ``companies: [...]`` (``remove: true`` detaches); unknown custom
attributes are created by Intercom itself (facts §6, RudderStack migration guide).
"""

from __future__ import annotations

from typing import Any

from translator.core.calls import PLANNED, Call, Outcome, Plan, Reason
from translator.core.company_fields import CompanyFields
from translator.core.contact_fields import ContactFields
from translator.core.event_fields import EventFields
from translator.core.replies import failed, one_call, reply_id

NO_USER = Reason("no_user", "the group names no user: the company is upserted, nobody attached")


def identify_plan(fields: ContactFields) -> Plan:
    """One ``POST /users`` with the user's fields and companies."""
    body = fields.body()
    if fields.companies:
        body["companies"] = [company.legacy_entry() for company in fields.companies]
    call = Call("POST", "/users", body=body, reason="create or update the user")
    return (yield from one_call(call, fields.adjustments))


def track_plan(fields: EventFields) -> Plan:
    """``POST /events``; 1.x takes the same body and answers 202 (facts §7)."""
    call = Call("POST", "/events", body=fields.body, reason="record the event")
    return (yield from one_call(call, fields.adjustments))


def group_plan(company: CompanyFields, user: dict[str, Any] | None, entry: dict[str, Any]) -> Plan:
    """``POST /companies``, then ``POST /users`` putting the user in it (facts §8, §13).

    ``user`` is None when the group names nobody: the company is still upserted.
    """
    adjustments = list(company.adjustments)
    upsert = Call("POST", "/companies", body=company.body, reason="create or update the company")
    reply = yield upsert
    if not reply.ok or reply_id(reply) is None:
        return failed(upsert, reply, adjustments)
    if user is None:
        return Outcome(PLANNED, None, tuple(adjustments), (NO_USER,))
    body = {**user, "companies": [entry]}
    call = Call("POST", "/users", body=body, reason="add the user to the company")
    return (yield from one_call(call, adjustments))
