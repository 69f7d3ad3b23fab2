"""The 1.4 ``POST /users`` that puts a group's user in its company.

Segment's classic integration ran the group through its whole identify (SC-G4): the user body
carries ``custom_attributes: {id: userId}``, last seen (``last_request_at`` unless
``context.active`` is false), ``last_seen_ip`` / ``last_seen_user_agent`` and the full company
entry. RudderStack's 1.4 group sends only ``{user_id | email, companies: [{company_id, name}]}``
(RS-G5, RL-G1).
"""

from __future__ import annotations

from typing import Any

from translator.core.calls import Adjustment
from translator.core.company_fields import CompanyFields
from translator.core.events import Event
from translator.core.settings import Settings
from translator.core.shaping import shape_attributes
from translator.core.traits import Identity

_NETWORK_CONTEXT = (("ip", "last_seen_ip"), ("userAgent", "last_seen_user_agent"))


def legacy_group_user(
    event: Event,
    who: Identity,
    settings: Settings,
    last_seen: dict[str, Any],
    adjustments: list[Adjustment],
) -> dict[str, Any]:
    """The user half of the attach body."""
    user: dict[str, Any] = {}
    if who.user_id:
        user["user_id"] = who.user_id
    if who.email:
        user["email"] = who.email
    if settings.legacy_group_company == "id_and_name":
        return user
    user.update(last_seen)
    for source, name in _NETWORK_CONTEXT:
        value = event.context.get(source)
        if isinstance(value, str) and value.strip():
            user[name] = value.strip()
    if settings.user_id_attribute and who.user_id:
        custom, shaped = shape_attributes(
            {"id": who.user_id}, "contact.custom_attributes", settings
        )
        adjustments.extend(shaped)
        if custom:
            user["custom_attributes"] = custom
    return user


def legacy_group_entry(company: CompanyFields, settings: Settings) -> dict[str, Any]:
    """The ``companies[]`` entry: the whole company, or only its id and name."""
    if settings.legacy_group_company == "full":
        return dict(company.body)
    entry = {"company_id": company.body["company_id"]}
    if company.body.get("name"):
        entry["name"] = company.body["name"]
    return entry
