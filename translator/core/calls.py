"""The values a plan exchanges with whoever drives it: calls out, replies in, an outcome at the end.

The plan protocol
-----------------
A plan (see ``translator.core.plan.plan_event``) is a generator of type ``Plan``:

1. ``call = next(plan)`` starts it and gives the first ``Call``. If the event needs no call
   (skipped or rejected), ``next`` raises ``StopIteration`` at once and its ``value`` is the
   ``Outcome``.
2. The driver performs the call and hands back what Intercom answered:
   ``call = plan.send(Reply(status, body, headers))``; the plan yields the next call, which may
   depend on the reply (the contact a search found, the id a 409 names, the company id an upsert
   returned).
3. When nothing is left, ``plan.send`` raises ``StopIteration`` whose ``value`` is the ``Outcome``.

Retries belong to the driver: on a 429, a 5xx or a timeout it sends the same ``Call`` again and
hands the plan only the reply it settles on. The plan reads 2xx as success, handles the statuses
it expects (404 from a lookup, 409 from ``POST /contacts``, any answer to ``POST /data_attributes``)
and ends with ``status="failed"`` on any other reply.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Call:
    """One HTTP request to Intercom, relative to the API host, and why the plan makes it.

    ``purpose`` is ``lookup`` (reads that decide the next call), ``setup`` (creating a data
    attribute before a write) or ``write``. ``content_type`` says how to encode ``body``: JSON, or
    form-encoded for the Messenger endpoints (every value of a form body is then a string).
    """

    method: str
    path: str
    query: dict[str, str] | None = None
    body: dict[str, Any] | None = None
    reason: str = ""
    purpose: str = "write"
    content_type: str = JSON

    @property
    def is_form(self) -> bool:
        return self.content_type == FORM


@dataclass(frozen=True)
class Reply:
    """What Intercom answered: the status, the parsed JSON body (None when empty), the headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Reason:
    """A machine-readable code, a sentence for people, and the event field at fault (if any)."""

    code: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            result["field"] = self.field
        return result


@dataclass(frozen=True)
class Adjustment:
    """One change made to fit Intercom's limits.

    ``kind``: dropped, flattened, stringified, truncated, renamed or converted. ``target``: where,
    e.g. ``contact.custom_attributes``, ``company.custom_attributes``, ``event.metadata``,
    ``event.event_name``. ``reason``: a code such as ``nested_object``, ``too_long``,
    ``metadata_key_limit``, ``unknown_attribute``. ``new_keys``: keys that replaced ``key``.
    """

    kind: str
    target: str
    key: str
    reason: str
    detail: str = ""
    new_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "kind": self.kind,
            "target": self.target,
            "key": self.key,
            "reason": self.reason,
        }
        if self.detail:
            result["detail"] = self.detail
        if self.new_keys:
            result["new_keys"] = list(self.new_keys)
        return result


PLANNED = "planned"
SKIPPED = "skipped"
REJECTED = "rejected"
FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """How an event ended.

    ``status``: ``planned`` (every call made), ``skipped`` (nothing to send, by design or by a
    filter), ``rejected`` (the event cannot be delivered as it is) or ``failed`` (Intercom refused
    a call the plan could not do without). ``reason`` is set unless planned. ``notes`` record what
    the replies decided that a reader may want to know (no contact to attach, a company to detach
    not found).
    """

    status: str
    reason: Reason | None = None
    adjustments: tuple[Adjustment, ...] = ()
    notes: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason.to_dict() if self.reason else None,
            "adjustments": [adjustment.to_dict() for adjustment in self.adjustments],
            "notes": [note.to_dict() for note in self.notes],
        }


Plan = Generator[Call, Reply, Outcome]


def call_to_dict(call: Call) -> dict[str, Any]:
    """The JSON form of a call, as the CLI prints it and the golden files hold it."""
    result: dict[str, Any] = {
        "method": call.method,
        "path": call.path,
        "query": call.query,
        "body": call.body,
        "reason": call.reason,
        "purpose": call.purpose,
    }
    if call.is_form:
        result["content_type"] = call.content_type
    return result
