"""When Intercom should record that the user was last seen, by the profile's rule.

``context_active`` (Segment, seeds 001/004 "Server" and "Last Seen"): ``context.active: false``
leaves last seen alone; a ``lastRequestAt`` trait sets it to that time; ``context.active: true``
sets it to now. In 1.4 "now" is Intercom's own clock (``update_last_request_at: true``) and
``new_session: true`` lets Intercom apply its session rules (facts §6); in 2.x there is no such
flag, so ``last_seen_at`` is the event's time (the caller's ``received_at`` when it has none).

``last_seen_trait`` (RudderStack, destination-mappings.md §4): 2.x ``last_seen_at`` comes only
from a ``lastSeenAt`` trait; 1.4 always sends ``update_last_request_at: true`` (its default),
or ``last_request_at`` from ``lastSeenAt`` when given.
"""

from __future__ import annotations

from typing import Any

from translator.core.events import Event
from translator.core.settings import Settings
from translator.core.timestamps import date_to_unix

# The trait each rule reads (and so does not send as a custom attribute).
LAST_SEEN_TRAITS = {"context_active": "lastRequestAt", "last_seen_trait": "lastSeenAt"}


def last_seen_fields(
    event: Event, traits: dict[str, Any], settings: Settings, now: int | None
) -> dict[str, Any]:
    """The last-seen fields of a contact (2.x) or user (1.4) write."""
    explicit = date_to_unix(traits.get(LAST_SEEN_TRAITS[settings.last_seen_rule]))
    field = "last_request_at" if settings.is_legacy else "last_seen_at"
    if settings.last_seen_rule == "last_seen_trait":
        if explicit is not None:
            return {field: explicit}
        return {"update_last_request_at": True} if settings.is_legacy else {}
    active = event.context.get("active")
    if active is False:
        return {}
    if explicit is not None:
        return {field: explicit}
    if active is not True:
        return {}
    if settings.is_legacy:
        return {"update_last_request_at": True, "new_session": True}
    return {field: now} if now is not None else {}
