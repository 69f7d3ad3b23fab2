"""The metadata an event may carry, as Intercom's event reference describes it [S2.11].

Values are strings (links are strings too), numbers, booleans, dates (a key ending `_date` with a
unix timestamp: a number, so nothing more to check), rich links `{"url", "value"}` and monetary
amounts `{"amount": <integer cents>, "currency"}`; "we do not currently support nested JSON
structure", so any other object and every array is refused, naming the key. Strings are at most
`string_limit` characters [HC-EVSET]. Past `metadata_key_limit` keys the workspace's
`metadata_overflow` decides: "ignore" keeps the first keys in the order sent, as Intercom's REST
reference says it does, and "reject" refuses the event.

Refusing (400 `parameter_invalid`) rather than storing nested values is the emulator's choice:
Intercom's exact answer is UNCONFIRMED (facts §14.2), and the Help Center says nested metadata is
not usable in messages [HC-EV], which is what a user wants to learn before production.
"""

from __future__ import annotations

import math
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store.context import Context

_RICH_LINK = frozenset({"url", "value"})
_MONETARY_AMOUNT = frozenset({"amount", "currency"})
_ACCEPTED = (
    "a string, number, boolean, date, link, rich link {url, value} or monetary amount"
    " {amount, currency}"
)


def check(ctx: Context, raw: Any) -> dict[str, Any]:
    """The metadata to store: validated, in the order sent, cut to the key limit if allowed."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParameterInvalid("metadata must be an object", field="metadata")
    kept = _within_key_limit(ctx, raw)
    for key, value in kept.items():
        _check_value(ctx, key, value)
    return kept


def _within_key_limit(ctx: Context, metadata: dict[str, Any]) -> dict[str, Any]:
    limit = ctx.setting("metadata_key_limit")
    if len(metadata) <= limit:
        return metadata
    if ctx.setting("metadata_overflow") == "reject":
        raise ParameterInvalid(
            f"An event can have at most {limit} metadata keys; this one has {len(metadata)}",
            field="metadata",
        )
    keys = list(metadata)
    ctx.warnings.append(f"metadata keys dropped: {', '.join(keys[limit:])} (limit {limit})")
    return {key: metadata[key] for key in keys[:limit]}


def _check_value(ctx: Context, key: str, value: Any) -> None:
    field = f"metadata.{key}"
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):  # Python's json reads NaN and Infinity; JSON has neither
            raise ParameterInvalid(f"Metadata '{key}' must be a finite number", field=field)
        return
    if isinstance(value, str):
        _check_length(ctx, key, value, field)
    elif isinstance(value, dict) and set(value) == _RICH_LINK:
        _check_rich_link(ctx, key, value)
    elif isinstance(value, dict) and set(value) == _MONETARY_AMOUNT:
        _check_monetary_amount(ctx, key, value)
    else:
        raise ParameterInvalid(
            f"Metadata '{key}' must be {_ACCEPTED}: nested objects and arrays are not supported",
            field=field,
        )


def _check_length(ctx: Context, key: str, value: str, field: str) -> None:
    limit = ctx.setting("string_limit")
    if len(value) > limit:
        raise ParameterInvalid(
            f"Metadata '{key}' is {len(value)} characters long; the limit is {limit}",
            field=field,
        )


def _check_rich_link(ctx: Context, key: str, value: dict[str, Any]) -> None:
    for part in ("url", "value"):
        if not isinstance(value[part], str):
            raise ParameterInvalid(
                f"Metadata '{key}' {part} must be a string", field=f"metadata.{key}"
            )
        _check_length(ctx, key, value[part], f"metadata.{key}")


def _check_monetary_amount(ctx: Context, key: str, value: dict[str, Any]) -> None:
    amount = value["amount"]
    # "The amount key is a positive integer representing the amount in cents" [S2.11]; whether
    # Intercom refuses negative amounts (refunds) is UNCONFIRMED, so only the type is checked.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ParameterInvalid(
            f"Metadata '{key}' amount must be an integer number of cents",
            field=f"metadata.{key}",
        )
    if not isinstance(value["currency"], str) or not value["currency"]:
        raise ParameterInvalid(
            f"Metadata '{key}' currency must be a currency code such as 'usd'",
            field=f"metadata.{key}",
        )
