"""Segment Spec events as Segment's HTTP API and SDKs send them, parsed and checked.

``parse_event(raw)`` gives an ``Event`` or a ``Reason`` that says, as a machine-readable code and
a sentence, why the event cannot be delivered. It never raises on any JSON value.

Checked here: the shape (an object with a known ``type``), the types of the common fields, the
timestamps, a track's event name and a group's groupId. Whether the event names a user is
checked when it is planned, because where identity may come from depends on the profile
(``translator.core.traits``); the code is then ``missing_user_identity``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translator.core.calls import Reason
from translator.core.timestamps import iso_to_unix

EVENT_TYPES = ("identify", "track", "group", "page", "screen", "alias", "reset")
_OBJECT_FIELDS = ("traits", "properties", "context", "integrations")
_TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp", "receivedAt")


@dataclass(frozen=True)
class Event:
    """One Spec event; ``timestamp``: Unix seconds of timestamp ‖ originalTimestamp ‖ receivedAt."""

    type: str
    user_id: str | None = None
    anonymous_id: str | None = None
    traits: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    integrations: dict[str, Any] = field(default_factory=dict)
    timestamp: int | None = None
    message_id: str | None = None
    event: str | None = None
    group_id: str | None = None
    name: str | None = None

    @property
    def context_traits(self) -> dict[str, Any]:
        traits = self.context.get("traits")
        return traits if isinstance(traits, dict) else {}


def parse_event(raw: Any) -> Event | Reason:
    """The event in ``raw`` (a decoded JSON value), or the reason it cannot be delivered."""
    if not isinstance(raw, dict):
        return Reason("not_an_object", f"an event must be a JSON object, not {_kind(raw)}")
    event_type = raw.get("type")
    if event_type is None:
        return Reason("missing_type", "the event has no type", "type")
    if not isinstance(event_type, str) or event_type.strip().lower() not in EVENT_TYPES:
        return Reason(
            "unknown_type",
            f"unknown event type {event_type!r}; expected one of {', '.join(EVENT_TYPES)}",
            "type",
        )
    values: dict[str, Any] = {"type": event_type.strip().lower()}
    steps = (_read_ids, _read_objects, _read_timestamp, _read_type_fields)
    for step in steps:
        problem = step(raw, values)
        if problem is not None:
            return problem
    return Event(**values)


def _read_ids(raw: dict[str, Any], values: dict[str, Any]) -> Reason | None:
    for key, name in (("userId", "user_id"), ("anonymousId", "anonymous_id")):
        value, problem = _identifier(raw, key)
        if problem:
            return problem
        values[name] = value
    message_id = raw.get("messageId")
    if message_id is not None and not isinstance(message_id, str):
        return Reason("invalid_field", "messageId must be a string", "messageId")
    values["message_id"] = message_id
    return None


def _read_objects(raw: dict[str, Any], values: dict[str, Any]) -> Reason | None:
    for key in _OBJECT_FIELDS:
        value = raw.get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            return Reason("invalid_field", f"{key} must be an object, not {_kind(value)}", key)
        values[key] = value
    return None


def _read_timestamp(raw: dict[str, Any], values: dict[str, Any]) -> Reason | None:
    seconds = None
    for key in _TIMESTAMP_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        parsed = iso_to_unix(value)
        if parsed is None:
            return Reason(
                "invalid_timestamp", f"{key} is not an ISO-8601 date-time: {value!r}"[:300], key
            )
        if seconds is None:
            seconds = parsed
    values["timestamp"] = seconds
    return None


def _read_type_fields(raw: dict[str, Any], values: dict[str, Any]) -> Reason | None:
    event_type = values["type"]
    if event_type == "track":
        name = raw.get("event")
        if not isinstance(name, str) or not name.strip():
            return Reason(
                "missing_event_name", "a track event needs a non-empty event name", "event"
            )
        values["event"] = name
    if event_type == "group":
        group_id, problem = _identifier(raw, "groupId")
        if problem:
            return problem
        if group_id is None:
            return Reason("missing_group_id", "a group event needs a groupId", "groupId")
        values["group_id"] = group_id
    if event_type in ("page", "screen"):
        name = raw.get("name")
        values["name"] = name if isinstance(name, str) else None
    return None


def _identifier(raw: dict[str, Any], key: str) -> tuple[str | None, Reason | None]:
    """Segment's libraries send ids as strings; numbers are accepted and written as strings."""
    value = raw.get(key)
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, Reason("invalid_field", f"{key} must be a string, not {_kind(value)}", key)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    text = str(value).strip()
    return (text or None), None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")
