"""What a run remembers so that later events need fewer calls: Intercom's speed limit is its rate
limit (10,000 calls a minute per app [facts 3]), so calls per event set a migration's pace.

- The contact id of each user key, from identify's create or update or a search hit. A later
  event of that user gets its search answered from here, without a call. ``forget`` drops an id
  Intercom answered 404 for (the plan then searches again).
- What was last written, per contact (``PUT /contacts/{id}``), company (``POST /companies``) and
  membership (``POST /contacts/{id}/companies``): the same body again in the same run cannot
  change anything, so it is answered with the reply the first one got. A body that asks Intercom
  to touch last seen on its own clock (1.4's ``update_last_request_at``) is always sent; in 2.x
  last seen is a time in the body, so an identical body asks for nothing new.

Pure: ``translator send`` keeps it behind a lock and in the state file
(``translator.delivery.memory``); ``translator plan`` drives a stream's plans through the same
memory (``translator.core.session``), so both show the same calls. ``remember=False`` turns it
all off: every lookup is made (the benchmark's baseline).
"""

from __future__ import annotations

import json
import re
from typing import Any

from translator.core.calls import Call, Reply

_CONTACT_PATH = re.compile(r"^/contacts/([^/]+)$")
_ATTACH_PATH = re.compile(r"^/contacts/([^/]+)/companies$")
_TOUCHES_CLOCK = ("update_last_request_at", "new_session")


class RunMemory:
    """Contact ids per user key and the last body written per object, for one run."""

    def __init__(self, contacts: dict[str, str] | None = None, remember: bool = True) -> None:
        self.remember = remember
        self._contacts: dict[str, str] = dict(contacts or {}) if remember else {}
        self._written: dict[tuple[str, str], tuple[str, Reply]] = {}
        self.answered = 0

    def contact_of(self, user: str | None) -> str | None:
        return self._contacts.get(user) if user else None

    def answer(self, call: Call, user: str | None) -> Reply | None:
        """The reply ``call`` would get, when it is known without asking; else None."""
        if not self.remember:
            return None
        if call.method == "POST" and call.path == "/contacts/search":
            contact_id = self.contact_of(user)
            if contact_id is None:
                return None
            body = {"type": "list", "data": [{"type": "contact", "id": contact_id}]}
            return self._answered(Reply(200, {**body, "total_count": 1}))
        key = _write_key(call)
        if key is None:
            return None
        known = self._written.get(key)
        if known is None or known[0] != _digest(call.body):
            return None
        return self._answered(known[1])

    def learn(self, call: Call, reply: Reply, user: str | None) -> None:
        """Take in what a real reply says about contacts and written bodies."""
        if not self.remember or not reply.ok:
            return
        contact_id = _contact_in(call, reply)
        if contact_id is not None and user is not None:
            self._keep_contact(user, contact_id)
        key, body = _write_key(call), call.body
        if call.method == "POST" and call.path == "/contacts" and contact_id and body:
            # A create is what an update of the new contact with the same fields would write.
            key = ("contact", f"/contacts/{contact_id}")
            body = {name: value for name, value in body.items() if name != "role"}
        if key is not None:
            self._written[key] = (_digest(body), reply)

    def forget(self, user: str | None, contact_id: str) -> None:
        """``contact_id`` answered 404: forget it (and what was written to it)."""
        if user and self._contacts.get(user) == contact_id:
            del self._contacts[user]
        for key in [key for key in self._written if contact_id in key[1]]:
            del self._written[key]

    def _keep_contact(self, user: str, contact_id: str) -> bool:
        """Remember ``contact_id`` for ``user``; True when that is news."""
        if self._contacts.get(user) == contact_id:
            return False
        self._contacts[user] = contact_id
        return True

    def _answered(self, reply: Reply) -> Reply:
        self.answered += 1
        return reply


def _write_key(call: Call) -> tuple[str, str] | None:
    """The object a repeatable write is about, or None for calls that are always made."""
    body = call.body if isinstance(call.body, dict) else None
    if body is None or any(body.get(flag) for flag in _TOUCHES_CLOCK):
        return None
    if call.method == "PUT" and _CONTACT_PATH.match(call.path):
        return ("contact", call.path)
    if call.method == "POST" and call.path == "/companies" and body.get("company_id"):
        return ("company", str(body["company_id"]))
    if call.method == "POST" and _ATTACH_PATH.match(call.path):
        return ("membership", f"{call.path} {body.get('id')}")
    return None


def _contact_in(call: Call, reply: Reply) -> str | None:
    """The contact id a successful reply names for the event's user."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if call.path == "/contacts/search":
        hits = [hit for hit in body.get("data") or [] if isinstance(hit, dict) and hit.get("id")]
        return str(hits[0]["id"]) if len(hits) == 1 else None
    is_write = (call.method == "POST" and call.path == "/contacts") or (
        call.method == "PUT" and _CONTACT_PATH.match(call.path)
    )
    if is_write and body.get("type") == "contact" and body.get("id"):
        return str(body["id"])
    return None


def _digest(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def contact_in_path(path: str) -> str | None:
    """The contact id a ``/contacts/{id}…`` path names."""
    match = re.match(r"^/contacts/([^/]+)", path)
    return match.group(1) if match and match.group(1) != "search" else None
