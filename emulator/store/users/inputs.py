"""The body of a 1.4 `POST /users`, checked and sorted into what the upsert changes."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ParameterInvalid, ParameterNotFound
from emulator.store import validation
from emulator.store.users import memberships

# The fields of "Create or Update User" [DOC-1.4-USER], plus `last_seen_ip` and
# `last_seen_user_agent`, which its examples send. Anything else is refused as Intercom refuses
# unknown keys ("bad 'users' parameter", facts §6).
FIELDS = (
    "id",
    "user_id",
    "email",
    "phone",
    "name",
    "signed_up_at",
    "last_request_at",
    "unsubscribed_from_emails",
    "custom_attributes",
    "companies",
    "update_last_request_at",
    "new_session",
    "last_seen_ip",
    "last_seen_user_agent",
)
# As the Contacts API: refuse only what cannot be an address at all.
# Something@something; spaces around it (ASCII whitespace, as the description says) go.
_BLANK = " \t\n\r\f\v"
_EMAIL = re.compile(r"[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+")


@dataclass
class UserInput:
    """What one upsert (or Messenger ping) says about a user."""

    intercom_id: str | None = None
    user_id: str | None = None
    email: str | None = None
    columns: dict[str, Any] = field(default_factory=dict)  # contacts columns to set
    extra: dict[str, Any] = field(default_factory=dict)  # 1.4-only fields (contacts.extra)
    custom_attributes: Any = None  # unchecked: checked (and created) when saved
    companies: list[memberships.Membership] = field(default_factory=list)
    seen: bool = False  # last_request_at becomes the time of the request
    new_session: bool = False


def user_id(body: dict[str, Any]) -> str | None:
    """Your id for the user: a string, or a number kept as its text (analytics libraries send
    numeric ids; the emulator's choice, as for `external_id`)."""
    value = validation.typed(body, "user_id", (str, int))
    return str(value) if value not in (None, "") else None


def email(body: dict[str, Any]) -> str | None:
    value = validation.typed(body, "email", str)
    if value is None or not value.strip(_BLANK):
        return None
    # "email values are downcased after they have been submitted to our API" [DOC-1.4-USER].
    address = value.strip(_BLANK).lower()
    if not _EMAIL.fullmatch(address):
        raise ParameterInvalid(f"'{value}' is not a valid email address", field="email")
    return address


def timestamp(body: dict[str, Any], key: str) -> int | None:
    value = validation.typed(body, key, int)
    if value is not None and abs(value) >= 2**63:  # no SQLite integer, and no time either
        raise ParameterInvalid(f"{key} is out of range", field=key)
    return value


def _ip(body: dict[str, Any]) -> str | None:
    value = validation.typed(body, "last_seen_ip", str)
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError as exc:
        raise ParameterInvalid(f"'{value}' is not an IP address", field="last_seen_ip") from exc


def _columns(body: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {
        key: validation.typed(body, key, str) for key in ("phone", "name") if key in body
    }
    for key, column in (("signed_up_at", "signed_up_at"), ("last_request_at", "last_seen_at")):
        if key in body:
            columns[column] = timestamp(body, key)
    unsubscribed = validation.typed(body, "unsubscribed_from_emails", bool)
    if unsubscribed is not None:
        columns["unsubscribed_from_emails"] = int(unsubscribed)
    return columns


def _extra(body: dict[str, Any]) -> dict[str, Any]:
    """`last_seen_user_agent` is written, `user_agent_data` read [DOC-1.4-USER]."""
    extra: dict[str, Any] = {}
    if body.get("last_seen_ip") is not None:
        extra["last_seen_ip"] = _ip(body)
    agent = validation.typed(body, "last_seen_user_agent", str)
    if agent is not None:
        extra["user_agent_data"] = agent
    return extra


def parse(body: dict[str, Any]) -> UserInput:
    """A `POST /users` body; 400 for an unknown key, a wrong type or no identity at all."""
    validation.known_keys(body, FIELDS)
    given = UserInput(
        intercom_id=validation.typed(body, "id", str) or None,
        user_id=user_id(body),
        email=email(body),
        columns=_columns(body),
        extra=_extra(body),
        custom_attributes=body.get("custom_attributes"),
        companies=memberships.parse(body.get("companies")),
        seen=bool(validation.typed(body, "update_last_request_at", bool)),
        new_session=bool(validation.typed(body, "new_session", bool)),
    )
    if not (given.intercom_id or given.user_id or given.email):
        # "user_id (required if no email)", "email (required if no user_id)" [DOC-1.4-USER];
        # the code is the emulator's choice, as for every missing parameter.
        raise ParameterNotFound("user_id or email not specified", field="user_id")
    return given
