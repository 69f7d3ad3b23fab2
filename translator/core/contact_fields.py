"""The Intercom contact (2.x) or user (1.4) fields an identify means, from the seed tables.

Rows covered (seeds 000-004): ``userId``/``traits.userId`` → external_id (2.x) / user_id (1.4);
``traits.email``, ``traits.name`` (else firstName + lastName), ``traits.phone``;
``traits.createdAt``/``traits.signedUpAt`` → signed_up_at (Unix seconds); ``context.active`` and
``traits.lastRequestAt`` → last seen; ``context.ip``/``context.userAgent`` → last_seen_ip /
last_seen_user_agent (1.4: the 2.x contact has no such fields); ``context.Intercom.
unsubscribedFromEmails`` and ``integrations.Intercom.unsubscribed`` → unsubscribed_from_emails;
``integrations.Intercom.language_override``; "Collect Context" device/os/app fields; remaining
traits → custom attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translator.core.calls import Adjustment
from translator.core.company_fields import CompanyFields, company_from_identify
from translator.core.contact_extras import network_context, owner_id
from translator.core.data_attributes import NewAttribute, apply_unknown_attribute_policy
from translator.core.events import Event
from translator.core.last_seen import LAST_SEEN_TRAITS, last_seen_fields
from translator.core.settings import Settings
from translator.core.shaping import fit_string_value, is_dropped, shape_attributes
from translator.core.timestamps import date_to_unix
from translator.core.traits import (
    Identity,
    context_intercom_option,
    full_name,
    identity,
    intercom_option,
    user_traits,
)

# Seed "Collect Context" sections: context paths and the attribute names they appear under.
CONTEXT_ATTRIBUTES = (
    ("device", "type", "device_type"),
    ("device", "manufacturer", "device_manufacturer"),
    ("device", "model", "device_model"),
    ("os", "name", "os_name"),
    ("os", "version", "os_version"),
    ("app", "name", "app_name"),
    ("app", "version", "app_version"),
)
# Traits that map to standard fields, so they are not custom attributes too.
_STANDARD_TRAITS = {
    "userId",
    "email",
    "name",
    "firstName",
    "lastName",
    "phone",
    "createdAt",
    "signedUpAt",
    "company",
}


@dataclass
class ContactFields:
    """Standard fields, custom attributes and companies of one identify."""

    identity: Identity
    standard: dict[str, Any]
    custom: dict[str, Any]
    companies: list[CompanyFields] = field(default_factory=list)
    new_attributes: list[NewAttribute] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The contact or user body: standard fields, then custom_attributes if any."""
        if not self.custom:
            return dict(self.standard)
        return {**self.standard, "custom_attributes": dict(self.custom)}


def contact_fields(event: Event, settings: Settings, now: int | None) -> ContactFields:
    """Everything an identify says about the user, shaped to Intercom's limits."""
    traits = user_traits(event, settings)
    who = identity(event, traits, settings)
    adjustments: list[Adjustment] = []
    standard = _identity_fields(who, settings)
    _put_text(standard, "name", full_name(traits), settings, adjustments)
    _put_text(standard, "phone", traits.get("phone"), settings, adjustments)
    _put_signed_up_at(standard, traits, adjustments)
    standard.update(last_seen_fields(event, traits, settings, now))
    standard.update(_options(event, traits, settings))
    standard.update(owner_id(traits, settings, adjustments))
    standard.update(network_context(event, settings, adjustments))
    custom, new_attributes, custom_adjustments = _custom(event, traits, who, settings)
    companies, company_adjustments = _companies(traits, settings)
    return ContactFields(
        identity=who,
        standard=standard,
        custom=custom,
        companies=companies,
        new_attributes=new_attributes,
        adjustments=adjustments + custom_adjustments + company_adjustments,
    )


def _identity_fields(who: Identity, settings: Settings) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if who.user_id:
        fields["user_id" if settings.is_legacy else "external_id"] = who.user_id
    if who.email:
        fields["email"] = who.email
    return fields


def _put_text(
    fields: dict, name: str, value: Any, settings: Settings, adjustments: list[Adjustment]
) -> None:
    if value is None or isinstance(value, bool | dict | list):
        return
    text = fit_string_value(name, str(value), "contact", settings, adjustments)
    if not is_dropped(text):
        fields[name] = text


def _put_signed_up_at(fields: dict, traits: dict[str, Any], adjustments: list) -> None:
    for key in ("createdAt", "signedUpAt"):
        if traits.get(key) is None:
            continue
        seconds = date_to_unix(traits[key])
        if seconds is None:
            adjustments.append(Adjustment("dropped", "contact", key, "invalid_date"))
            continue
        fields["signed_up_at"] = seconds
        return


def _options(event: Event, traits: dict[str, Any], settings: Settings) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    unsubscribed = _unsubscribed(event, traits, settings)
    if unsubscribed is not None:
        fields["unsubscribed_from_emails"] = unsubscribed
    language = intercom_option(event, "language_override", "languageOverride")
    if isinstance(language, str) and language.strip():
        fields["language_override"] = language.strip()
    return fields


def _unsubscribed(event: Event, traits: dict[str, Any], settings: Settings) -> bool | None:
    candidates = [
        context_intercom_option(event, "unsubscribedFromEmails"),
        intercom_option(event, "unsubscribedFromEmails", "unsubscribed"),
    ]
    if settings.unsubscribed_from_traits:
        # RudderStack (seed 003): "unsubscribedFromEmails: true must be passed inside context".
        candidates += [
            event.context.get("unsubscribedFromEmails"),
            traits.get("unsubscribedFromEmails"),
        ]
    # Only booleans: `false` is kept, unlike RudderStack (destination-mappings.md §5.10).
    return next((value for value in candidates if isinstance(value, bool)), None)


def _custom(
    event: Event, traits: dict[str, Any], who: Identity, settings: Settings
) -> tuple[dict[str, Any], list[NewAttribute], list[Adjustment]]:
    consumed = _STANDARD_TRAITS | {who.user_id_trait, LAST_SEEN_TRAITS[settings.last_seen_rule]}
    consumed |= {"external_id", who.lookup_field} & {*settings.user_id_trait_keys, who.lookup_field}
    if settings.unsubscribed_from_traits:
        consumed.add("unsubscribedFromEmails")
    if settings.keep_name_parts:
        # Segment classic kept firstName and lastName beside name (SC-I8).
        consumed -= {"firstName", "lastName"}
    if settings.companies_trait:
        consumed.add("companies")
    if settings.owner_id_from_traits and not settings.is_legacy:
        consumed.add("ownerId")
    remaining = {key: value for key, value in traits.items() if key not in consumed}
    if settings.user_id_attribute and who.user_id:
        # Segment classic also sent the user id as custom attribute `id` (SC-I2).
        remaining["id"] = who.user_id
    if settings.collect_context:
        for key, value in context_attributes(event).items():
            remaining.setdefault(key, value)
    custom, adjustments = shape_attributes(remaining, "contact.custom_attributes", settings)
    can_create = not (settings.is_legacy or settings.web_mode)
    custom, new_attributes, dropped = apply_unknown_attribute_policy(
        custom, "contact", settings, can_create=can_create
    )
    return custom, new_attributes, adjustments + dropped


def context_attributes(event: Event) -> dict[str, Any]:
    """The "Collect Context" attributes present in the event's context."""
    attributes: dict[str, Any] = {}
    for section, key, name in CONTEXT_ATTRIBUTES:
        container = event.context.get(section)
        value = container.get(key) if isinstance(container, dict) else None
        if value is not None and not isinstance(value, dict | list):
            attributes[name] = value
    return attributes


def _companies(
    traits: dict[str, Any], settings: Settings
) -> tuple[list[CompanyFields], list[Adjustment]]:
    given = [traits["company"]] if traits.get("company") is not None else []
    listed = traits.get("companies") if settings.companies_trait else None
    if isinstance(listed, list):
        # Segment classic read `traits.companies` as a list of companies (SC-I11).
        given += [entry for entry in listed if entry is not None]
    elif listed is not None:
        given.append(listed)
    companies, adjustments = [], []
    rest_2x = not (settings.is_legacy or settings.web_mode)
    for value in given:
        if (
            isinstance(value, str)
            and settings.string_company_traits
            and settings.string_company == "hash"
        ):
            # Segment classic gave a string company the user's plan and monthlySpend (SC-I11).
            value = {
                "name": value,
                **{k: traits[k] for k in ("plan", "monthlySpend") if k in traits},
            }
        company, dropped = company_from_identify(value, settings)
        adjustments += dropped
        if company is None:
            continue
        if rest_2x and not company.remove and not settings.attach_company_on_identify:
            # RudderStack's 2.x identify ignores companies unless they are to be removed.
            reason = "company_ignored_on_identify"
            adjustments.append(Adjustment("dropped", "contact.company", "company", reason))
            continue
        companies.append(company)
        adjustments += company.adjustments
    return companies, adjustments
