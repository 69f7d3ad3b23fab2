"""Custom attributes Intercom does not have yet: send them, drop them, or create them first.

Intercom 2.x "validates the custom attributes first … throws an error if a custom attribute present
in the event is not already defined"; 1.4 created them on the fly (facts §6, §9). Which names
exist is not something a pure planner can ask, so ``Settings.known_attributes`` lists them:
``name`` (both models), ``contact:name`` or ``company:name`` (one model). Names reach this module
already in the form Intercom accepts (``translator.core.attribute_names``), so what is created
is what the write then sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from translator.core.attribute_names import allowed_name
from translator.core.calls import Adjustment, Call
from translator.core.settings import Settings

MODELS = ("contact", "company")


@dataclass(frozen=True)
class NewAttribute:
    """A data attribute to create with ``POST /data_attributes`` before the write that uses it."""

    name: str
    model: str
    data_type: str

    def call(self) -> Call:
        return Call(
            "POST",
            "/data_attributes",
            body={"name": self.name, "model": self.model, "data_type": self.data_type},
            reason=f"create {self.model} attribute {self.name!r}: not in known_attributes",
            purpose="setup",
        )


def known_names(settings: Settings, model: str) -> set[str]:
    """The attribute names ``known_attributes`` declares for ``model``, renamed as sent.

    Custom attribute keys are renamed before this check (``a!b`` is sent as ``a-b``), so an
    entry is renamed the same way and ``a!b`` and ``a-b`` both name that attribute.
    """
    names = set()
    for entry in settings.known_attributes:
        prefix, separator, name = entry.partition(":")
        if separator and prefix in MODELS:
            if prefix == model:
                names.add(allowed_name(name))
        else:
            names.add(allowed_name(entry))
    return names


def apply_unknown_attribute_policy(
    custom: dict[str, Any], model: str, settings: Settings, *, can_create: bool
) -> tuple[dict[str, Any], list[NewAttribute], list[Adjustment]]:
    """Attributes to send, attributes to create first, and what was dropped.

    ``can_create`` is False where Intercom creates attributes itself (1.4, the Messenger), so
    ``create`` then only sends.
    """
    policy = settings.unknown_attribute_policy
    if policy == "send":
        return custom, [], []
    known = known_names(settings, model)
    unknown = [name for name in custom if name not in known]
    if policy == "drop":
        target = f"{model}.custom_attributes"
        kept = {name: value for name, value in custom.items() if name in known}
        adjustments = [Adjustment("dropped", target, name, "unknown_attribute") for name in unknown]
        return kept, [], adjustments
    if not can_create:
        return custom, [], []
    created = [NewAttribute(name, model, infer_data_type(name, custom[name])) for name in unknown]
    return custom, created, []


def infer_data_type(name: str, value: Any) -> str:
    """Intercom's data_type for a value; an integer named ``*_at``/``*_date`` is a date.

    Intercom treats attributes whose names end in ``_at`` holding a Unix timestamp as dates, and
    metadata keys ending ``_date`` likewise (facts §6, §7).
    """
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "date" if name.endswith(("_at", "_date")) else "integer"
    if isinstance(value, float):
        return "float"
    return "string"
