"""Why Intercom refused an event for good, as a reason code people can count and act on.

| code | when |
|---|---|
| ``event_name_limit`` | 422 on an event: the workspace has 120 active event names [facts 7] |
| ``unknown_custom_attribute`` | 400: a custom attribute that does not exist (2.x) [facts 9] |
| ``identity_verification`` | 403 from the Messenger: missing or wrong ``user_hash`` [facts 11] |
| ``forbidden`` | any other 403 (plan or scope) [facts 1] |
| ``user_not_found`` | 404 on an event, still after the brief retries [facts 7] |
| ``not_found`` | any other 404 |
| ``conflict`` | a 409 the plan could not resolve (no contact id in it) |
| ``contact_not_found`` | a group whose user matched no contact, still after the brief retries |
| ``validation_error`` | any other 4xx: Intercom read the request and refused what it says |
| ``retries_exhausted`` | 429, 5xx, 408, timeouts or lost connections on every try |
| ``intercom_error`` | anything else |

Events the translator itself refuses keep the translator's code (``missing_user_identity``,
``invalid_json``, …: see docs/translator.md).
"""

from __future__ import annotations

from translator.core.calls import Call, Reply
from translator.core.replies import error_messages

INTERCOM_REASONS = (
    "event_name_limit",
    "unknown_custom_attribute",
    "identity_verification",
    "forbidden",
    "user_not_found",
    "not_found",
    "conflict",
    "contact_not_found",
    "validation_error",
    "retries_exhausted",
    "intercom_error",
)


def refusal_reason(call: Call, reply: Reply, text: str | None = None) -> str:
    """The reason code for a final, non-2xx reply the plan could not do without; ``text`` is
    Intercom's error list as the plan already put it in words (flattened once)."""
    status = reply.status
    text = (error_messages(reply) if text is None else text).lower()
    if call.path.endswith("/events") and (status == 422 or "active event names" in text):
        return "event_name_limit"
    if status == 400 and "attribute" in text and "does not exist" in text:
        return "unknown_custom_attribute"
    if status == 403:
        return "identity_verification" if call.path.startswith("/messenger") else "forbidden"
    if status == 404:
        return "user_not_found" if call.path.endswith("/events") else "not_found"
    if status == 409:
        return "conflict"
    if status in (408, 429) or status >= 500:
        return "retries_exhausted"
    if 400 <= status < 500:
        return "validation_error"
    return "intercom_error"
