"""What the plans read from Intercom's replies: ids, search hits, conflicts, failures."""

from __future__ import annotations

import re
from typing import Any

from translator.core.calls import FAILED, PLANNED, Adjustment, Call, Outcome, Plan, Reason, Reply

# Intercom's 409 on POST /contacts: "A contact matching those details already exists with
# id=<id>", or "An archived contact matching …" (facts §2, §5.4; Intercom-OpenAPI PR #543).
_CONFLICT_ID = re.compile(r"already exists with id=([A-Za-z0-9_-]+)")


def reply_id(reply: Reply) -> str | None:
    """The Intercom ``id`` of the object a reply carries."""
    body = reply.body
    if isinstance(body, dict) and isinstance(body.get("id"), str | int):
        return str(body["id"])
    return None


def search_match(reply: Reply, rule: str) -> str | None:
    """The contact id a search found: the only hit (``unique``) or the first (``first``).

    A 200 without a ``data`` array counts as no hit (RudderStack crashed on one, §6 of
    destination-mappings.md).
    """
    body = reply.body if isinstance(reply.body, dict) else {}
    hits = [hit for hit in body.get("data") or [] if isinstance(hit, dict) and hit.get("id")]
    if not hits or (rule == "unique" and len(hits) > 1):
        return None
    return str(hits[0]["id"])


def conflict_id(reply: Reply) -> str | None:
    """The id a 409 names, or None when the reply is not such a conflict."""
    if reply.status != 409:
        return None
    match = _CONFLICT_ID.search(_messages(reply))
    return match.group(1) if match else None


def failed(call: Call, reply: Reply, adjustments: list[Adjustment], notes=()) -> Outcome:
    """The outcome when Intercom refused a call the plan cannot do without."""
    detail = _messages(reply) or "no error message"
    reason = Reason(
        "intercom_error",
        f"{call.method} {call.path} answered {reply.status}: {detail}"[:500],
    )
    return Outcome(FAILED, reason, tuple(adjustments), tuple(notes))


def _messages(reply: Reply) -> str:
    body: Any = reply.body
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list):
        return "; ".join(
            str(error.get("message") or error.get("code"))
            for error in errors
            if isinstance(error, dict)
        )
    return str(body.get("message") or body.get("error_message") or "")


def one_call(call: Call, adjustments: list[Adjustment], notes=()) -> Plan:
    """The plan of a single call: ``planned`` when Intercom accepts it, else ``failed``."""
    reply = yield call
    if not reply.ok:
        return failed(call, reply, adjustments, notes)
    return Outcome(PLANNED, None, tuple(adjustments), tuple(notes))


# Intercom's error list as one line of text, for the delivery (one flattening, here).
error_messages = _messages
