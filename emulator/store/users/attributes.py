"""Custom attributes as the 1.4 API and the JS Messenger take them: unknown ones are created.

"In the older integrations leveraging the Intercom API v1.4, you could send a custom attribute
that was not defined in the Intercom dashboard already. Intercom did not validate the attribute
and created a new custom attribute instead" [RS-DOC]; the JS Messenger does the same with
`intercomSettings` keys [HC-CDA]. The value rules stay those of `custom_attributes`: strings,
numbers and booleans only, strings of at most `string_limit` characters, a known attribute's
data type. A new attribute must have a name `data_attributes` accepts (no `.` or `$`, at most
190 characters [DOC-1.4-USER]) and fit under `custom_attribute_limit`. Every refusal names the
attribute; a refused request creates no attribute (the request's savepoint is rolled back).
"""

from __future__ import annotations

from typing import Any

from emulator.errors import IntercomError, ParameterInvalid
from emulator.store import custom_attributes, data_attributes
from emulator.store.context import Context


def inferred_type(name: str, value: Any) -> str:
    """The data type a new attribute gets from its first value. "Names ending `_at` with a Unix
    timestamp are treated as dates" [DOC-1.4-USER]."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "date" if name.endswith("_at") else "integer"
    if isinstance(value, float):
        return "float"
    return "string"


def _create(ctx: Context, model: str, name: str, value: Any) -> str:
    """Register `name` as a data attribute of `model`, or refuse naming the attribute."""
    data_type = inferred_type(name, value)
    body = {"name": name, "model": model, "data_type": data_type}
    try:
        data_attributes.create(ctx, body, on_the_fly=True)
    except IntercomError as error:  # refused before anything was written
        raise IntercomError(
            f"Custom attribute '{name}' cannot be created: {error.message}",
            field=f"custom_attributes.{name}",
            code=error.code,
            status=error.status,
        ) from error
    return data_type


def prepare(ctx: Context, model: str, values: Any) -> dict[str, Any]:
    """Check `values` for `model`, creating the attributes that do not exist yet; the changes to
    merge (null removes a value; a null for an unknown attribute is dropped)."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParameterInvalid("custom_attributes must be an object", field="custom_attributes")
    known = data_attributes.types_by_name(ctx, model)
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if not isinstance(name, str) or name == "":
            raise ParameterInvalid("Custom attribute names must not be empty")
        custom_attributes.check_value(ctx, name, value, known.get(name))
        if value is None and name not in known:
            continue
        if name not in known:
            known[name] = _create(ctx, model, name, value)
        changes[name] = value
    return changes
