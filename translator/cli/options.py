"""The mapping settings as command-line options, shared by ``plan``, ``send`` and ``serve``.

``mapping_options`` puts every mapping setting on a command as options and hands the command one
validated ``settings`` argument, so every command has the same options and help text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import click

from translator.core import limits
from translator.core import settings as mapping
from translator.core.settings import (
    LONG_STRING_POLICIES,
    NESTED_POLICIES,
    PROFILES,
    UNKNOWN_ATTRIBUTE_POLICIES,
    Settings,
    SettingsError,
    settings_for,
)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


_OPTIONS: list[Callable] = [
    click.option(
        "--profile",
        type=click.Choice(list(PROFILES)),
        default="segment",
        show_default=True,
        help="Vendor whose mapping choices to follow.",
    ),
    click.option(
        "--api-version",
        default=limits.DEFAULT_API_VERSION,
        show_default=True,
        help="Intercom-Version: 2.x (Contacts API) or 1.4 (legacy Users API).",
    ),
    click.option(
        "--nested-policy",
        type=click.Choice(NESTED_POLICIES),
        help="Objects/arrays in traits and properties: drop, flatten or stringify "
        "[profile default].",
    ),
    click.option("--flatten-separator", help="Separator of flattened attribute names [_]."),
    click.option(
        "--metadata-flatten-separator",
        help="Separator of flattened metadata keys [profile default].",
    ),
    click.option(
        "--long-string-policy",
        type=click.Choice(LONG_STRING_POLICIES),
        help="Strings over --string-limit: truncate, drop or send [truncate].",
    ),
    click.option(
        "--string-limit",
        type=click.IntRange(min=1),
        help=f"Longest string value sent [{limits.STRING_LIMIT}].",
    ),
    click.option(
        "--metadata-key-limit",
        type=click.IntRange(min=0),
        help=f"Most metadata keys per event, price first [{limits.METADATA_KEY_LIMIT}].",
    ),
    click.option(
        "--event-allowlist",
        multiple=True,
        help="Only these track events (repeatable or comma-separated).",
    ),
    click.option(
        "--event-denylist",
        multiple=True,
        help="Never these track events (repeatable or comma-separated).",
    ),
    click.option(
        "--unknown-attribute-policy",
        type=click.Choice(UNKNOWN_ATTRIBUTE_POLICIES),
        help="Custom attributes not in --known-attribute: send, drop or create [send].",
    ),
    click.option(
        "--known-attribute",
        "known_attributes",
        multiple=True,
        help="A custom attribute Intercom has: NAME, contact:NAME or company:NAME "
        "(repeatable or comma-separated).",
    ),
    click.option(
        "--collect-context/--no-collect-context",
        default=None,
        help="Send device/os/app context as custom attributes [off].",
    ),
    click.option(
        "--web-mode",
        is_flag=True,
        default=None,
        help="Plan the web Messenger's requests instead of REST calls.",
    ),
    click.option("--app-id", help="Intercom app id (needed by --web-mode)."),
    click.option(
        "--identity-secret",
        envvar="INTERCOM_IDENTITY_SECRET",
        help="Identity verification secret for user_hash [env INTERCOM_IDENTITY_SECRET].",
    ),
]


def _flag(name: str, help_text: str) -> Callable:
    dashed = name.replace("_", "-")
    return click.option(f"--{dashed}/--no-{dashed}", name, default=None, help=help_text)


def _choice(name: str, choices: tuple[str, ...], help_text: str) -> Callable:
    return click.option(
        f"--{name.replace('_', '-')}", name, type=click.Choice(choices), help=help_text
    )


def _listed(flag: str, name: str, help_text: str) -> Callable:
    return click.option(
        flag, name, multiple=True, help=f"{help_text} (repeatable or comma-separated)."
    )


# The profile's choices (docs/translator.md, Profiles): each can be overridden one by one.
_PROFILE_OPTIONS: list[Callable] = [
    _flag("send_anonymous_id", "Use anonymousId as the user id when there is no userId [off]."),
    _choice("search_match", mapping.SEARCH_MATCHES, "Which search hit is the contact [profile]."),
    _choice(
        "traits_precedence", mapping.TRAITS_PRECEDENCES, "traits or context.traits wins [profile]."
    ),
    _listed(
        "--user-id-trait", "user_id_trait_keys", "Traits naming the user without a userId [profile]"
    ),
    _flag("revenue_to_price", "revenue/total + currency → metadata.price in cents [profile]."),
    _choice(
        "string_company", mapping.STRING_COMPANY_RULES, "A company given as a string [profile]."
    ),
    _flag("attach_company_on_identify", "2.x: attach traits.company on identify [profile]."),
    _flag("group_tags", "Tag the company with context.traits.tags on group [profile]."),
    _choice("last_seen_rule", mapping.LAST_SEEN_RULES, "How last seen is set [profile]."),
    _flag(
        "unsubscribed_from_traits",
        "Also read unsubscribedFromEmails from traits/context [profile].",
    ),
    _flag("stringify_metadata_booleans", "Send metadata booleans as strings [profile]."),
    _flag("update_last_request_at", "1.4 last_seen_trait: update_last_request_at's value [on]."),
    _flag(
        "user_id_attribute", "Also send the user id as custom attribute `id` [profile, version]."
    ),
    _flag("keep_name_parts", "Keep firstName/lastName as custom attributes [profile, version]."),
    _choice(
        "date_attributes",
        mapping.DATE_ATTRIBUTE_RULES,
        "ISO date values: keep, or Unix seconds under *_at [profile, version].",
    ),
    _listed(
        "--trait-handling",
        "trait_handling",
        "NAME=drop|flatten|stringify for one trait or property",
    ),
    _choice(
        "currency_case",
        mapping.CURRENCY_CASES,
        "Case of metadata.price currency [profile, version].",
    ),
    _flag("companies_trait", "Read traits.companies (a list) as companies [profile]."),
    _choice(
        "company_id_from_name",
        mapping.COMPANY_ID_FROM_NAME_RULES,
        "company_id of a company known by name [profile].",
    ),
    _choice(
        "company_nested_policy",
        NESTED_POLICIES,
        "Nested values in an identify's company [nested policy].",
    ),
    _flag("owner_id_from_traits", "2.x: ownerId trait → owner_id [profile]."),
    _choice(
        "legacy_group_company",
        mapping.LEGACY_GROUP_COMPANY_RULES,
        "1.4 group: companies[] entry [profile].",
    ),
    _choice(
        "detach_unknown_company",
        mapping.DETACH_UNKNOWN_COMPANY_RULES,
        "Removing a company that is not there [profile].",
    ),
    _flag(
        "string_company_traits",
        "A string company takes the user's plan and monthlySpend [profile, version].",
    ),
    _flag("send_last_seen_ip", "1.4: context.ip → last_seen_ip [profile]."),
    _flag("lookup_option", "Honour integrations.Intercom.lookup [profile]."),
    _choice(
        "legacy_event_time_field",
        mapping.LEGACY_EVENT_TIME_FIELDS,
        "1.4 event time field [created_at].",
    ),
    _listed(
        "--company-reserved-trait",
        "company_reserved_traits",
        "Group traits that are not company attributes [profile]",
    ),
]
_OPTIONS += _PROFILE_OPTIONS
_LIST_OPTIONS = (
    "event_allowlist",
    "event_denylist",
    "known_attributes",
    "user_id_trait_keys",
    "trait_handling",
    "company_reserved_traits",
)


def mapping_options(command: Callable) -> Callable:
    """Add the mapping options to ``command`` and pass it ``settings=Settings(...)`` instead."""

    @functools.wraps(command)
    def with_settings(*args: Any, **kwargs: Any) -> Any:
        kwargs["settings"] = settings_from_options(kwargs)
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        with_settings = option(with_settings)
    return with_settings


# Every setting is an option (a test checks it against the Settings fields).
_OPTION_NAMES = tuple(field.name for field in fields(Settings))


def settings_from_options(options: dict[str, Any]) -> Settings:
    """Settings from option values (popped from ``options``); a bad one is a one-line error."""
    values = {name: options.pop(name, None) for name in _OPTION_NAMES}
    profile = values.pop("profile") or "segment"
    for name in _LIST_OPTIONS:
        values[name] = _split(values[name] or ())
    values["event_allowlist"] = values["event_allowlist"] or None
    overrides = {name: value for name, value in values.items() if value not in (None, ())}
    try:
        return settings_for(profile, **overrides)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
