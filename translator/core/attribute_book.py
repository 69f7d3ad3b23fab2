"""The data attributes a run's writes need, made to exist before the writes that use them.

Intercom 2.x refuses a contact or company write naming a custom attribute it does not have
("Custom attribute 'x' does not exist") [facts 6, 9], so a first migration into a fresh workspace
would lose every identify. ``AttributeBook`` reads ``GET /data_attributes`` once (at the first
write that has custom attributes), remembers what exists per model for the run (``translator
send`` keeps it in the state file too), and creates each missing attribute once, with the type
its first value suggests, until Intercom says the workspace is full
(``custom_data_limit_reached``; 250 attributes [facts 6]). Every creation is reported
(``attribute_created``); an attribute past the limit is left out of the write
(``attribute_limit_reached``).

Names are shared by the two models: Intercom refuses a company attribute named like a people
attribute ("You already have 'x' in your people data") [emulated in emulator/store/
data_attributes.py]. Such a key is renamed ``<model>_<name>`` (``company_plan``), created and
sent under that name, and the rename reported (``attribute_name_clash``).

The ``create`` policy's own ``POST /data_attributes`` calls go through ``answer_create``: one
already known costs no call. 1.4 and the Messenger create attributes on the fly: nothing here.

Pure: ``translator send`` keeps it behind a lock and in the state file
(``translator.delivery.attributes``); ``translator plan`` drives a stream's plans through it too,
against dry-run answers (``translator.core.session``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from translator.core.calls import Call, Reply
from translator.core.data_attributes import infer_data_type
from translator.core.replies import error_messages

MODELS = ("contact", "company")
_NOUNS = {"people": "contact", "company": "company"}
_ALREADY = re.compile(r"already have .* in your (people|company) data", re.IGNORECASE)

Send = Callable[[Call], Reply]


class AttributeBook:
    """Which custom attributes exist, per model; creates the missing ones when ``create``."""

    def __init__(self, rows: Iterable[tuple[str, str, Any]] = (), create: bool = True) -> None:
        self.create = create
        self.known: dict[str, set[str]] = {model: set() for model in MODELS}
        self.created: list[tuple[str, str, str]] = []
        self.full = False
        self._loaded = False
        for model, name, _ in rows:
            if model in self.known:
                self.known[model].add(name.lower())

    def prepare(self, call: Call, send: Send) -> tuple[Call, list[dict[str, Any]]]:
        """``call`` with every custom attribute it names existing (or renamed, or left out)."""
        model = _model_of(call)
        custom = call.body.get("custom_attributes") if model and call.body else None
        if not isinstance(custom, dict) or not custom:
            return call, []
        if all(name.lower() in self.known[model] for name in custom):
            return call, []
        notes: list[dict[str, Any]] = []
        self._load(send)
        kept = {}
        for name, value in custom.items():
            final = self._ensure(model, name, value, send, notes)
            if final is not None:
                kept[final] = value
        if kept == custom:
            return call, notes
        return replace(call, body={**call.body, "custom_attributes": kept}), notes

    def answer_create(self, call: Call, send: Send) -> Reply:
        """A ``POST /data_attributes`` of the plan's: answered from memory when it exists."""
        body = call.body or {}
        model, name = body.get("model"), str(body.get("name", ""))
        if model in self.known and name.lower() in self.known[model]:
            return Reply(200, {"type": "data_attribute", "name": name, "model": model})
        reply = send(call)
        if reply.ok and model in self.known:
            self._add(model, name, str(body.get("data_type")))
        elif clash := _ALREADY.search(error_messages(reply)):
            self.known[_NOUNS[clash.group(1).lower()]].add(name.lower())
        return reply

    def _load(self, send: Send) -> None:
        if self._loaded:
            return
        self._loaded = True
        reply = send(
            Call("GET", "/data_attributes", reason="which attributes exist", purpose="lookup")
        )
        listed = reply.body.get("data") if reply.ok and isinstance(reply.body, dict) else None
        if not isinstance(listed, list):
            self._unlisted(reply)
            self.create = False
            return
        rows = []
        for item in listed:
            if isinstance(item, dict) and item.get("model") in self.known and item.get("name"):
                self.known[item["model"]].add(str(item["name"]).lower())
                rows.append((item["model"], str(item["name"]), item.get("data_type")))
        self._remember(rows)

    def _ensure(
        self, model: str, name: str, value: Any, send: Send, notes: list[dict[str, Any]]
    ) -> str | None:
        """The name to send ``name`` under, or None to leave it out."""
        if name.lower() in self.known[model]:
            return name
        other = MODELS[1 - MODELS.index(model)]
        if name.lower() in self.known[other]:
            return self._renamed(model, name, value, send, notes)
        if not self.create:
            return name
        if self.full:
            notes.append(_note("attribute_limit_reached", model, name, "the workspace is full"))
            return None
        data_type = infer_data_type(name, value)
        body = {"name": name, "model": model, "data_type": data_type}
        reply = send(Call("POST", "/data_attributes", body=body, reason="create", purpose="setup"))
        if reply.ok:
            self._add(model, name, data_type)
            notes.append(_note("attribute_created", model, name, data_type))
            return name
        return self._refused(model, name, value, reply, send, notes)

    def _refused(
        self, model: str, name: str, value: Any, reply: Reply, send: Send, notes: list
    ) -> str | None:
        text = error_messages(reply)
        clash = _ALREADY.search(text)
        if clash:
            owner = _NOUNS[clash.group(1).lower()]
            self.known[owner].add(name.lower())
            return name if owner == model else self._renamed(model, name, value, send, notes)
        if "custom_data_limit_reached" in str(reply.body):
            self.full = True
            notes.append(_note("attribute_limit_reached", model, name, text))
            return None
        notes.append(_note("attribute_not_created", model, name, text or str(reply.status)))
        return None

    def _renamed(
        self, model: str, name: str, value: Any, send: Send, notes: list[dict[str, Any]]
    ) -> str | None:
        alternative = f"{model}_{name}"
        if alternative.lower() in self.known[MODELS[1 - MODELS.index(model)]]:
            notes.append(_note("attribute_name_clash", model, name, "dropped: both names taken"))
            return None
        notes.append(_note("attribute_name_clash", model, name, f"sent as {alternative!r}"))
        return self._ensure(model, alternative, value, send, notes)

    def _add(self, model: str, name: str, data_type: str) -> None:
        self.known[model].add(name.lower())
        self.created.append((model, name, data_type))
        self._remember([(model, name, data_type)], created=True)

    def _remember(self, rows: list[tuple[str, str, Any]], created: bool = False) -> None:
        """What was listed or created (the delivery keeps it in the state file)."""

    def _unlisted(self, reply: Reply) -> None:
        """``GET /data_attributes`` gave no list: attributes are not checked this run."""


def _model_of(call: Call) -> str | None:
    if call.method in ("POST", "PUT") and re.match(r"^/contacts(/[^/]+)?$", call.path):
        return None if call.path == "/contacts/search" else "contact"
    if call.method == "POST" and call.path == "/companies":
        return "company"
    return None


def _note(code: str, model: str, name: str, detail: str) -> dict[str, Any]:
    return {"code": code, "target": f"{model}.custom_attributes", "key": name, "detail": detail}
