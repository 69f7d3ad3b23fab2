"""Intercom company bodies from a group's traits or an identify's ``traits.company``.

Seed group tables: ``groupId`` → company_id, ``traits.name`` → name, ``traits.plan`` → plan,
``traits.monthly_spend`` → monthly_spend, remaining traits → custom attributes. Segment's classic
integration read ``monthlySpend`` and Actions reads ``employees`` for size, RudderStack ``size``
(destination-mappings.md §4): each is read under either name. ``createdAt`` → remote_created_at
as Unix seconds (Intercom wants an integer, facts §8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from translator.core import limits
from translator.core.calls import Adjustment
from translator.core.company_ids import company_id_for_name
from translator.core.data_attributes import NewAttribute, apply_unknown_attribute_policy
from translator.core.settings import Settings
from translator.core.shaping import fit_string_value, is_dropped, shape_attributes
from translator.core.timestamps import date_to_unix

_TEXT_FIELDS = ("name", "plan", "website", "industry")
_INTEGER_FIELDS = {
    "monthly_spend": ("monthly_spend", "monthlySpend"),
    "size": ("size", "employees"),
}
# `id`/`company_id` name the company and `remove` is an instruction; neither is an attribute.
_CONSUMED = {"id", "company_id", "remove", "createdAt", "name", "plan", "website", "industry"} | {
    key for keys in _INTEGER_FIELDS.values() for key in keys
}


@dataclass
class CompanyFields:
    """A company body for ``POST /companies`` (also an entry of 1.4 ``companies[]``)."""

    body: dict[str, Any]
    remove: bool = False
    new_attributes: list[NewAttribute] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def company_id(self) -> str:
        return self.body["company_id"]


def company_from_group(group_id: str, traits: dict[str, Any], settings: Settings) -> CompanyFields:
    """The company a group call describes."""
    return _company(group_id, traits, settings)


def company_from_identify(value: Any, settings: Settings) -> tuple[CompanyFields | None, list]:
    """The company of an identify's ``traits.company``, or None with the reason it was dropped."""
    target = "contact.company"
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        name = str(value).strip()
        if not name:
            return None, [Adjustment("dropped", target, "company", "company_without_id_or_name")]
        if settings.string_company == "drop":
            # RudderStack drops a company given as a string (destination-mappings.md §5.3).
            return None, [Adjustment("dropped", target, "company", "string_company")]
        return _company(company_id_for_name(name), {"name": name}, settings), []
    if not isinstance(value, dict):
        return None, [Adjustment("dropped", target, "company", "company_not_an_object")]
    company_id = _text(value.get("id")) or _text(value.get("company_id"))
    name = _text(value.get("name"))
    if not company_id and not name:
        # Seed 001: "id or name are necessary to update company".
        return None, [Adjustment("dropped", target, "company", "company_without_id_or_name")]
    fields = _company(company_id or company_id_for_name(name or ""), value, settings)
    fields.remove = value.get("remove") is True
    return fields, []


def _company(company_id: str, traits: dict[str, Any], settings: Settings) -> CompanyFields:
    adjustments: list[Adjustment] = []
    body: dict[str, Any] = {"company_id": company_id}
    for name in _TEXT_FIELDS:
        text = _text(traits.get(name))
        if text is not None:
            text = fit_string_value(name, text, "company", settings, adjustments)
            if not is_dropped(text):
                body[name] = text
    for name, sources in _INTEGER_FIELDS.items():
        _put_integer(body, name, _first(traits, sources), adjustments)
    if traits.get("createdAt") is not None:
        created = date_to_unix(traits["createdAt"])
        if created is None:
            adjustments.append(Adjustment("dropped", "company", "createdAt", "invalid_date"))
        else:
            body["remote_created_at"] = created
    remaining = {key: value for key, value in traits.items() if key not in _CONSUMED}
    custom, shaped = shape_attributes(remaining, "company.custom_attributes", settings)
    custom, new_attributes, dropped = apply_unknown_attribute_policy(
        custom, "company", settings, can_create=not (settings.is_legacy or settings.web_mode)
    )
    if custom:
        body["custom_attributes"] = custom
    return CompanyFields(body, False, new_attributes, adjustments + shaped + dropped)


def _put_integer(body: dict, name: str, value: Any, adjustments: list[Adjustment]) -> None:
    if value is None:
        return
    number = _integer(value)
    if number is None:
        adjustments.append(Adjustment("dropped", "company", name, "not_a_number"))
    elif name == "monthly_spend" and not 0 <= number <= limits.MONTHLY_SPEND_MAX:
        adjustments.append(Adjustment("dropped", "company", name, "out_of_range"))
    else:
        if number != value:
            # Intercom "will truncate floats" in monthly_spend and wants an integer size (facts §8).
            adjustments.append(Adjustment("converted", "company", name, "integer_required"))
        body[name] = number


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return None


def _first(traits: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if traits.get(key) is not None:
            return traits[key]
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None
