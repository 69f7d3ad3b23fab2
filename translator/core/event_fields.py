"""The ``POST /events`` body a track means: name, time, user and metadata within Intercom's limits.

Revenue (Segment profile; seeds 000-002, 004 "Revenue and currency"): ``properties.revenue`` (the
mobile integrations also ``properties.total``) and ``properties.currency`` become
``metadata.price = {"amount": <cents>, "currency": <lower-case code, default usd>}``. Intercom wants
"a positive integer representing the amount in cents" (facts §7), so a negative or non-numeric
revenue is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from translator.core import limits
from translator.core.calls import Adjustment, Reason
from translator.core.events import Event
from translator.core.settings import Settings
from translator.core.shaping import shape_metadata
from translator.core.traits import Identity, identity, user_traits

_PRICE = "price"


@dataclass
class EventFields:
    """A data event body, who it is about, and every change made to it."""

    body: dict[str, Any]
    identity: Identity
    adjustments: list[Adjustment] = field(default_factory=list)


def sanitized_event_name(name: str) -> str:
    """Intercom replaces '.' and '$' in event names with hyphens (facts §7); we do it first."""
    for character in limits.FORBIDDEN_NAME_CHARACTERS:
        name = name.replace(character, limits.NAME_CHARACTER_REPLACEMENT)
    return name


def event_fields(event: Event, settings: Settings, now: int | None) -> EventFields | Reason:
    """The data event of a track, or the reason it cannot be sent."""
    who = identity(event, user_traits(event, settings), settings)
    if not who.known:
        return Reason(
            "missing_user_identity",
            "a track needs userId or an email (context.traits or properties): Intercom records "
            "events only for known users",
            "userId",
        )
    created_at = event.timestamp if event.timestamp is not None else now
    if created_at is None:
        return Reason(
            "missing_timestamp",
            "the event has no timestamp, originalTimestamp or receivedAt, and no received_at "
            "time was given",
            "timestamp",
        )
    adjustments: list[Adjustment] = []
    name = _event_name(event.event or "", adjustments)
    legacy = settings.is_legacy and not settings.web_mode
    time_field = settings.legacy_event_time_field if legacy else "created_at"
    body: dict[str, Any] = {"event_name": name, time_field: created_at}
    if who.user_id:
        body["user_id"] = who.user_id
    if who.email:
        body["email"] = who.email
    metadata = _metadata(event.properties, settings, adjustments)
    if metadata:
        body["metadata"] = metadata
    return EventFields(body, who, adjustments)


def _event_name(name: str, adjustments: list[Adjustment]) -> str:
    sanitized = sanitized_event_name(name)
    if sanitized != name:
        reason = "invalid_name_characters"
        adjustments.append(
            Adjustment("renamed", "event.event_name", name, reason, new_keys=(sanitized,))
        )
    return sanitized


def _metadata(
    properties: dict[str, Any], settings: Settings, adjustments: list[Adjustment]
) -> dict[str, Any]:
    values = dict(properties)
    if settings.revenue_to_price:
        values = _revenue_as_price(values, settings.currency_case, adjustments)
    shaped, shaping_adjustments = shape_metadata(values, settings)
    adjustments.extend(shaping_adjustments)
    return _within_key_limit(shaped, settings.metadata_key_limit, adjustments)


def _revenue_as_price(
    values: dict[str, Any], case: str, adjustments: list[Adjustment]
) -> dict[str, Any]:
    source = "revenue" if values.get("revenue") is not None else "total"
    cents = _cents(values.get(source))
    if cents is None:
        return values
    currency = values.get("currency")
    code = currency.strip() if isinstance(currency, str) and currency.strip() else None
    code = code or limits.DEFAULT_CURRENCY
    price = {"amount": cents, "currency": code.upper() if case == "upper" else code.lower()}
    if _PRICE in values:
        adjustments.append(Adjustment("dropped", "event.metadata", _PRICE, "replaced_by_revenue"))
    rest = {k: v for k, v in values.items() if k not in (source, "currency", _PRICE)}
    adjustments.append(
        Adjustment("converted", "event.metadata", source, "revenue_to_price", new_keys=(_PRICE,))
    )
    return {_PRICE: price, **rest}


def _cents(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    try:
        return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # too many digits to be an amount of money
        return None


def _within_key_limit(
    metadata: dict[str, Any], limit: int, adjustments: list[Adjustment]
) -> dict[str, Any]:
    """The first ``limit`` keys, ``price`` first; the rest dropped and named."""
    ordered = sorted(metadata, key=lambda key: key != _PRICE)
    for key in ordered[limit:]:
        detail = f"Intercom keeps at most {limit} metadata keys"
        adjustments.append(
            Adjustment("dropped", "event.metadata", key, "metadata_key_limit", detail)
        )
    return {key: metadata[key] for key in ordered[:limit]}
