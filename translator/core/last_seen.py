"""When Intercom should record that the user was last seen, by the profile's rule.

``context_active`` (Segment; seeds 001/004 "Last Seen": identify, and group with a userId,
update Last Seen by default; ``context.active: false`` prevents it): last seen is the
``lastRequestAt`` trait when given, else the event's time (the caller's ``received_at`` when it
has none). 1.4 sends it as ``last_request_at`` (the classic integration, SC-I6), 2.x as
``last_seen_at`` (Segment Actions, SA-I1).

``last_seen_trait`` (RudderStack, RS-I2/RS-I7): 2.x ``last_seen_at`` comes only from a
``lastSeenAt`` trait; 1.4 sends ``update_last_request_at`` as the ``update_last_request_at``
setting says (RudderStack's "update last request at" option, default true), or
``last_request_at`` from ``lastSeenAt`` when given.
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
        if settings.is_legacy:
            return {"update_last_request_at": settings.update_last_request_at}
        return {}
    if event.context.get("active") is False:
        return {}
    if explicit is not None:
        return {field: explicit}
    return {field: now} if now is not None else {}
