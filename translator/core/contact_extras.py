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

_NETWORK_CONTEXT = ("ip", "userAgent")


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


def unsent_context(event: Event, settings: Settings) -> list[Adjustment]:
    """2.x: the network context an identify carries that no contact field takes."""
    if settings.is_legacy or settings.web_mode:
        return []
    return [
        Adjustment(
            "dropped",
            "contact",
            f"context.{key}",
            "no_such_field",
            "the 2.x contact has no field for it",
        )
        for key in _NETWORK_CONTEXT
        if isinstance(event.context.get(key), str) and event.context[key].strip()
    ]
