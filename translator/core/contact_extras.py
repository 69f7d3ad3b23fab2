"""Contact fields only some destinations send, and what a contact write cannot carry.

``ownerId`` → ``owner_id`` as a number (RudderStack on 2.x, RS-I2; Intercom's ``owner_id`` is an
integer in the 2.11 contact schemas, facts §5). The 2.x contact has no field for the network
context (``context.ip``, ``context.userAgent``: 1.4's ``last_seen_ip`` / ``last_seen_user_agent``),
so on 2.x they are reported as dropped rather than vanishing.
"""

from __future__ import annotations

import math
from typing import Any

from translator.core.calls import Adjustment
from translator.core.events import Event
from translator.core.settings import Settings

_NETWORK_CONTEXT = (("ip", "last_seen_ip"), ("userAgent", "last_seen_user_agent"))


def owner_id(traits: dict[str, Any], settings: Settings, adjustments: list) -> dict[str, Any]:
    """``{"owner_id": n}`` from the ``ownerId`` trait when the profile reads it (2.x only)."""
    if not settings.owner_id_from_traits or settings.is_legacy:
        return {}
    value = traits.get("ownerId")
    if value is None:
        return {}
    number = _number(value)
    if number is None or number == 0:
        adjustments.append(Adjustment("dropped", "contact", "ownerId", "not_a_number"))
        return {}
    return {"owner_id": number}


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return value if isinstance(value, int) else None


def network_context(event: Event, settings: Settings, adjustments: list) -> dict[str, Any]:
    """1.4: ``last_seen_ip`` / ``last_seen_user_agent`` from the context (seeds 001/004 Server;
    RudderStack's 1.4 identify sends only the user agent, RS-I7). 2.x has no such contact fields,
    so the context values are reported as dropped."""
    fields: dict[str, Any] = {}
    for key, name in _NETWORK_CONTEXT:
        value = event.context.get(key)
        if not isinstance(value, str) or not value.strip() or settings.web_mode:
            continue
        if not settings.is_legacy:
            detail = "the 2.x contact has no field for it"
            adjustments.append(
                Adjustment("dropped", "contact", f"context.{key}", "no_such_field", detail)
            )
        elif key == "ip" and not settings.send_last_seen_ip:
            adjustments.append(
                Adjustment("dropped", "contact", "context.ip", "not_sent_by_profile")
            )
        else:
            fields[name] = value.strip()
    return fields
