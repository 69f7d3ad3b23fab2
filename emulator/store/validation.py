"""Checks every request body goes through, each raising the error Intercom answers with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator.errors import BadRequest, ParameterInvalid, ParameterNotFound

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    dict: "an object",
    list: "an array",
}


def known_keys(body: dict[str, Any], allowed: Iterable[str]) -> None:
    """Intercom refuses an unknown top-level key: 400 `bad_request` "bad 'key' parameter"."""
    allowed = set(allowed)
    for key in body:
        if key not in allowed:
            raise BadRequest(f"bad '{key}' parameter", field=key)


def required(body: dict[str, Any], key: str, message: str | None = None) -> Any:
    value = body.get(key)
    if value is None or value == "":
        raise ParameterNotFound(message or f"{key} not specified", field=key)
    return value


def typed(
    body: dict[str, Any], key: str, kind: type | tuple[type, ...], nullable: bool = True
) -> Any:
    """The value at `key` if it has the expected JSON type (None when absent)."""
    value = body.get(key)
    if value is None:
        if key in body and not nullable:
            raise ParameterInvalid(f"{key} must not be null", field=key)
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if int in kinds and float not in kinds and isinstance(value, float) and value.is_integer():
        return int(value)  # 5.0 is the integer 5, as JSON Schema reads a JSON number
    is_bool = isinstance(value, bool)
    if not isinstance(value, kinds) or (is_bool and bool not in kinds):
        names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise ParameterInvalid(f"{key} must be {names}", field=key, code="parameter_invalid")
    return value


def per_page(raw: Any, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ParameterInvalid("per_page must be an integer", field="per_page") from exc
    if value < 1 or value > maximum:
        raise ParameterInvalid(f"per_page must be between 1 and {maximum}", field="per_page")
    return value
