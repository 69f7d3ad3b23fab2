"""Intercom company bodies from a group's traits or an identify's ``traits.company``.

Seed group tables: ``groupId`` → company_id, ``traits.name`` → name, ``traits.plan`` → plan,
``traits.monthly_spend`` → monthly_spend, remaining traits → custom attributes. Segment's classic
integration read ``monthlySpend``, RudderStack ``monthlySpend`` and ``size``, Segment Actions
``employees`` for size (destination-behaviour.md SC-G3, SA-G1, RS-G2): each is read under either
name; ``employees`` stays a custom attribute when ``size`` is given. ``createdAt`` (or
``created``, ``remoteCreatedAt``) → remote_created_at as Unix seconds (Intercom wants an
integer, facts §8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
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
_CREATED = ("createdAt", "created", "remoteCreatedAt", "remote_created_at")
# `id`/`company_id` name the company and `remove` is an instruction; neither is an attribute.
_CONSUMED = {"id", "company_id", "remove", *_TEXT_FIELDS}


@dataclass
class CompanyFields:
    """A company body for ``POST /companies`` (also an entry of 1.4 ``companies[]``)."""

    body: dict[str, Any]
    remove: bool = False
    new_attributes: list[NewAttribute] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    # True when the company was given by name only (its company_id derived from the name).
    by_name: bool = False

    @property
    def company_id(self) -> str:
        return str(self.body["company_id"])

    def legacy_entry(self) -> dict[str, Any]:
        """The 1.4 ``companies[]`` entry; ``"remove": true`` detaches (facts §6)."""
        return {**self.body, "remove": True} if self.remove else dict(self.body)


def company_from_group(group_id: str, traits: dict[str, Any], settings: Settings) -> CompanyFields:
    """The company a group call describes (its ``userId`` trait names the user, not the company)."""
    adjustments = []
    rest = {key: value for key, value in traits.items() if key != "userId"}
    for key in settings.company_reserved_traits:
        if key in rest:
            # RudderStack keeps these group traits out of the company's attributes.
            rest.pop(key)
            adjustments.append(
                Adjustment("dropped", "company.custom_attributes", key, "reserved_trait")
            )
    company = _company(group_id, rest, settings)
    company.adjustments[:0] = adjustments
    return company


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
        company = _company(_id_from_name(name, settings), {"name": name}, settings)
        return replace(company, by_name=True), []
    if not isinstance(value, dict):
        return None, [Adjustment("dropped", target, "company", "company_not_an_object")]
    company_id = _text(value.get("id")) or _text(value.get("company_id"))
    name = _text(value.get("name"))
    if not company_id and not name:
        # Seed 001: "id or name are necessary to update company".
        return None, [Adjustment("dropped", target, "company", "company_without_id_or_name")]
    if settings.company_nested_policy is not None:
        settings = replace(settings, nested_policy=settings.company_nested_policy)
    traits, nulls = _without_nulls(value)
    fields = _company(company_id or _id_from_name(name or "", settings), traits, settings)
    fields.adjustments[:0] = nulls
    fields.remove = value.get("remove") is True
    fields.by_name = not company_id
    return fields, []


def _id_from_name(name: str, settings: Settings) -> str | int:
    """Segment: string-hash of the name (a number on 1.4, as the classic integration sent it);
    RudderStack: the hex MD5 of the name (RS-I8)."""
    company_id = company_id_for_name(name, settings.company_id_from_name)
    if settings.is_legacy and settings.company_id_from_name == "string_hash":
        return int(company_id)
    return company_id


def _without_nulls(value: dict[str, Any]) -> tuple[dict[str, Any], list[Adjustment]]:
    kept = {key: inner for key, inner in value.items() if inner is not None}
    dropped = [
        Adjustment("dropped", "company.custom_attributes", str(key), "empty_value")
        for key in value
        if key not in kept
    ]
    return kept, dropped


def _company(company_id: str | int, traits: dict[str, Any], settings: Settings) -> CompanyFields:
    adjustments: list[Adjustment] = []
    body: dict[str, Any] = {"company_id": company_id}
    for name in _TEXT_FIELDS:
        text = _text(traits.get(name))
        if text is not None:
            text = fit_string_value(name, text, "company", settings, adjustments)
            if not is_dropped(text):
                body[name] = text
    consumed = set(_CONSUMED)
    consumed.update(_put_integers(body, traits, adjustments))
    created_key = next((key for key in _CREATED if traits.get(key) is not None), None)
    if created_key is not None:
        consumed.add(created_key)
        created = date_to_unix(traits[created_key])
        if created is None:
            adjustments.append(Adjustment("dropped", "company", created_key, "invalid_date"))
        else:
            body["remote_created_at"] = created
    remaining = {key: value for key, value in traits.items() if key not in consumed}
    custom, shaped = shape_attributes(remaining, "company.custom_attributes", settings)
    custom, new_attributes, dropped = apply_unknown_attribute_policy(
        custom, "company", settings, can_create=not (settings.is_legacy or settings.web_mode)
    )
    if custom:
        body["custom_attributes"] = custom
    return CompanyFields(body, False, new_attributes, adjustments + shaped + dropped)


def _put_integers(body: dict, traits: dict[str, Any], adjustments: list[Adjustment]) -> set[str]:
    """monthly_spend and size; the trait names used (``employees`` only when it became size)."""
    used = set()
    for name, sources in _INTEGER_FIELDS.items():
        key = next((key for key in sources if traits.get(key) is not None), None)
        if key is None:
            continue
        used.add(key)
        if key == "employees":
            adjustments.append(
                Adjustment("renamed", "company", key, "size_from_employees", new_keys=("size",))
            )
        _put_integer(body, name, traits[key], adjustments)
    return used


def _put_integer(body: dict, name: str, value: Any, adjustments: list[Adjustment]) -> None:
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


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None
