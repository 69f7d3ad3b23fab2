"""The body of `POST /contacts` and `PUT /contacts/{id}`: checked, then turned into columns."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from emulator import versions
from emulator.errors import ParameterInvalid
from emulator.store import custom_attributes, validation
from emulator.store.context import Context

FIELDS = (
    "role",
    "external_id",
    "email",
    "phone",
    "name",
    "avatar",
    "signed_up_at",
    "last_seen_at",
    "owner_id",
    "unsubscribed_from_emails",
    "custom_attributes",
)
ROLES = ("user", "lead")
_NULLABLE_STRINGS = ("phone", "name", "avatar")
_TIMESTAMPS = ("signed_up_at", "last_seen_at")
# Something@something: the emulator refuses only what cannot be an address at all (Intercom's
# own rules are UNCONFIRMED; refusing a valid address would be worse than letting a typo in).
# Something@something; spaces around it (ASCII whitespace, as the description says) go.
_BLANK = " \t\n\r\f\v"
_EMAIL = re.compile(r"[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+")


def _role(body: dict[str, Any]) -> str | None:
    role = validation.typed(body, "role", str, nullable=False)
    if role is not None and role not in ROLES:
        raise ParameterInvalid("role must be one of: user, lead", field="role")
    return role


def _external_id(body: dict[str, Any]) -> str | None:
    # Intercom's schema says string; numbers are accepted and kept as their decimal text, as
    # analytics libraries often send numeric user ids (emulator's choice, UNCONFIRMED).
    value = validation.typed(body, "external_id", (str, int), nullable=False)
    if value is None or value == "":
        return None
    return str(value)


def _email(body: dict[str, Any]) -> str | None:
    value = validation.typed(body, "email", str, nullable=False)
    if value is None:
        return None
    # "email values are downcased after they have been submitted to our API" [DOC-1.4-USER].
    email = value.strip(_BLANK).lower()
    if not _EMAIL.fullmatch(email):
        raise ParameterInvalid(f"'{value}' is not a valid email address", field="email")
    return email


def _integer(body: dict[str, Any], key: str) -> int | None:
    value = validation.typed(body, key, int)
    # SQLite keeps 64-bit integers; a larger number is no timestamp or admin id.
    if value is not None and abs(value) >= 2**63:
        raise ParameterInvalid(f"{key} is out of range", field=key)
    return value


def _owner_id(body: dict[str, Any]) -> int | None:
    # 2.11 types owner_id as an integer, 2.16 as a string: both spellings are accepted.
    value = body.get("owner_id")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        body = {**body, "owner_id": int(value)}
    return _integer(body, "owner_id")


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    """JSON's NaN and Infinity are no numbers Intercom (or SQLite's JSON) can keep."""
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterInvalid(
                f"Custom attribute '{name}' must be a finite number",
                field=f"custom_attributes.{name}",
            )
    return values


def _present(body: dict[str, Any]) -> dict[str, Any]:
    """Column values for each field the body sends (`null` where it clears one)."""
    parsers = {
        "role": _role,
        "external_id": _external_id,
        "email": _email,
        "owner_id": _owner_id,
        **{name: lambda b, n=name: validation.typed(b, n, str) for name in _NULLABLE_STRINGS},
        **{name: lambda b, n=name: _integer(b, n) for name in _TIMESTAMPS},
    }
    return {name: parse(body) for name, parse in parsers.items() if name in body}


def parse(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """The columns a create or update body sets. `custom_attributes` holds the checked changes
    (not yet merged); an unknown top-level key is refused as Intercom refuses it."""
    validation.known_keys(body, FIELDS + _newer_fields(ctx))
    _check_email_verified(body)
    values = _present(body)
    unsubscribed = validation.typed(body, "unsubscribed_from_emails", bool)
    if unsubscribed is not None:  # null leaves the flag as it is: there is nothing to clear
        values["unsubscribed_from_emails"] = int(unsubscribed)
    if "custom_attributes" in body:
        checked = custom_attributes.check(ctx, "contact", body["custom_attributes"])
        values["custom_attributes"] = _finite(checked)
    return values


def _newer_fields(ctx: Context) -> tuple[str, ...]:
    """`email_verified` is in Intercom's request schemas from 2.16 [S2.16
    `create_contact_request`]; an earlier version refuses it as any unknown key."""
    return ("email_verified",) if versions.at_least(ctx.version, "2.16") else ()


def _check_email_verified(body: dict[str, Any]) -> None:
    """`email_verified` "Must be supplied together with an email in the same request; sending it
    without an email returns a 400" [S2.16 `create_contact_request.email_verified`]. The contact
    object has no such field, so once checked it changes nothing the API shows."""
    if "email_verified" not in body:
        return
    validation.typed(body, "email_verified", bool)
    if body.get("email") is None:
        raise ParameterInvalid(
            "email_verified can only be sent together with email", field="email_verified"
        )


def merged_attributes(stored: str | None, changes: dict[str, Any]) -> str:
    """The JSON text to store after applying `changes` (null removes a value) to `stored`."""
    return json.dumps(custom_attributes.merge(json.loads(stored or "{}"), changes))
