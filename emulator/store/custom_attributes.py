"""The rules a custom attribute value must follow before a contact, company or conversation
keeps it.

In 2.x every key must be an existing data attribute of the model; values are strings, numbers
or booleans (objects and arrays are refused), of the attribute's data type, and strings are at
most `string_limit` characters [DOC-1.4-USER]. Every refusal names the attribute. A
conversation's unknown attribute is refused in Intercom's words, "Conversation attribute 'x'
does not exist" (`parameter_invalid`, intercom-node #349; its status is UNCONFIRMED: 400 here,
as for a contact's).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store import data_attributes
from emulator.store.context import Context


def _is_iso_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _matches(value: Any, data_type: str) -> bool:
    if isinstance(value, bool):
        return data_type == "boolean"
    if isinstance(value, int):
        return data_type in ("integer", "float", "date", "datetime")
    if isinstance(value, float):
        return data_type == "float"
    if isinstance(value, str):
        # Dates may be sent as ISO 8601 text as well as unix timestamps; other text is no date
        # (search could never compare it).
        return data_type == "string" or (data_type in ("date", "datetime") and _is_iso_date(value))
    return False


def check_value(ctx: Context, name: str, value: Any, data_type: str | None) -> None:
    """Refuse a value Intercom would refuse; `data_type` None skips the type check."""
    field = f"custom_attributes.{name}"
    if isinstance(value, dict | list):
        raise ParameterInvalid(
            f"Custom attribute '{name}' must be a string, number or boolean: objects and arrays"
            " are not supported",
            field=field,
        )
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        # Python's JSON reader takes NaN and Infinity; JSON (and SQLite's JSON) has neither.
        raise ParameterInvalid(f"Custom attribute '{name}' must be a finite number", field=field)
    limit = ctx.setting("string_limit")
    if isinstance(value, str) and len(value) > limit:
        raise ParameterInvalid(
            f"Custom attribute '{name}' is {len(value)} characters long; the limit is {limit}",
            field=field,
        )
    if data_type is not None and not _matches(value, data_type):
        raise ParameterInvalid(
            f"Custom attribute '{name}' must be of type {data_type}", field=field
        )


_UNKNOWN = {"conversation": "Conversation attribute '{}' does not exist"}


def check(ctx: Context, model: str, values: Any) -> dict[str, Any]:
    """Validate a `custom_attributes` object for `model` ("contact", "company" or
    "conversation")."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParameterInvalid("custom_attributes must be an object", field="custom_attributes")
    known = data_attributes.types_by_name(ctx, model)
    for name, value in values.items():
        if name not in known:
            unknown = _UNKNOWN.get(model, "Custom attribute '{}' does not exist")
            raise ParameterInvalid(unknown.format(name), field=f"custom_attributes.{name}")
        check_value(ctx, name, value, known[name])
    return values


def merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial update: a null value removes the attribute's value."""
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
