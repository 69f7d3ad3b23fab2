"""Mapping settings and the named profiles that set every vendor-specific choice at once.

``settings_for("segment")`` follows the Segment documents (seeds 000, 001, 002, 004);
``settings_for("rudderstack")`` follows the RudderStack document (seed 003) and what
RudderStack's destination sends; with ``api_version="1.4"`` a profile also takes its vendor's
1.4 behaviour (``LEGACY_PROFILES``). Any single setting can be overridden:
``settings_for("rudderstack", nested_policy="drop")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from translator.core import limits
from translator.core.attribute_names import has_only_allowed_characters


class SettingsError(ValueError):
    """A setting has a value the translator cannot work with."""


NESTED_POLICIES = ("drop", "flatten", "stringify")
LONG_STRING_POLICIES = ("truncate", "drop", "send")
UNKNOWN_ATTRIBUTE_POLICIES = ("send", "drop", "create")
SEARCH_MATCHES = ("unique", "first")
STRING_COMPANY_RULES = ("hash", "drop")
TRAITS_PRECEDENCES = ("traits", "context")
LAST_SEEN_RULES = ("context_active", "last_seen_trait")
DATE_ATTRIBUTE_RULES = ("keep", "unix_at")
CURRENCY_CASES = ("lower", "upper")
COMPANY_ID_FROM_NAME_RULES = ("string_hash", "md5")
LEGACY_GROUP_COMPANY_RULES = ("full", "id_and_name")
DETACH_UNKNOWN_COMPANY_RULES = ("note", "refuse")
LEGACY_EVENT_TIME_FIELDS = ("created_at", "created")

_API_VERSION = re.compile(r"^(1\.4|2\.\d{1,2})$")


@dataclass(frozen=True)
class Settings:
    """Everything that decides how an event becomes calls. Defaults: the segment profile."""

    profile: str = "segment"
    api_version: str = limits.DEFAULT_API_VERSION
    # Intercom's limits, handled before Intercom sees them (our design: no vendor enforces them).
    nested_policy: str = "drop"
    flatten_separator: str = "_"
    metadata_flatten_separator: str = "_"
    long_string_policy: str = "truncate"
    string_limit: int = limits.STRING_LIMIT
    metadata_key_limit: int = limits.METADATA_KEY_LIMIT
    event_allowlist: tuple[str, ...] | None = None
    event_denylist: tuple[str, ...] = ()
    unknown_attribute_policy: str = "send"
    known_attributes: tuple[str, ...] = ()
    # Seeds 000-003 "Collect Context": device/os/app fields as custom attributes.
    collect_context: bool = False
    send_anonymous_id: bool = False
    # Device-side (web Messenger) mode.
    web_mode: bool = False
    app_id: str | None = None
    identity_secret: str | None = None
    # Vendor-specific choices, set by the profile.
    search_match: str = "unique"
    traits_precedence: str = "traits"
    user_id_trait_keys: tuple[str, ...] = ("userId",)
    revenue_to_price: bool = True
    string_company: str = "hash"
    attach_company_on_identify: bool = True
    group_tags: bool = False
    last_seen_rule: str = "context_active"
    unsubscribed_from_traits: bool = False
    stringify_metadata_booleans: bool = True
    # --- Destination fidelity: set by the profile and, where the vendor's 1.4 destination
    # differed from its 2.x one, by the API version (LEGACY_PROFILES).
    update_last_request_at: bool = True
    user_id_attribute: bool = False
    keep_name_parts: bool = False
    date_attributes: str = "keep"
    trait_handling: tuple[str, ...] = ()
    currency_case: str = "lower"
    companies_trait: bool = True
    company_id_from_name: str = "string_hash"
    company_nested_policy: str | None = None
    owner_id_from_traits: bool = False
    legacy_group_company: str = "full"
    detach_unknown_company: str = "note"
    lookup_option: bool = False
    legacy_event_time_field: str = "created_at"
    company_reserved_traits: tuple[str, ...] = ()
    send_last_seen_ip: bool = True
    string_company_traits: bool = False

    def __post_init__(self) -> None:
        for problem in _problems(self):
            raise SettingsError(problem)

    @property
    def is_legacy(self) -> bool:
        """True for the 1.4 Users API, False for the 2.x Contacts API."""
        return self.api_version == limits.LEGACY_API_VERSION


PROFILES: dict[str, dict[str, Any]] = {
    "segment": {
        "nested_policy": "drop",
        "metadata_flatten_separator": "_",
        "search_match": "unique",
        "traits_precedence": "traits",
        "user_id_trait_keys": ("userId",),
        "revenue_to_price": True,
        "string_company": "hash",
        "attach_company_on_identify": True,
        "group_tags": False,
        "last_seen_rule": "context_active",
        "unsubscribed_from_traits": False,
        "stringify_metadata_booleans": True,
        "companies_trait": True,
        "company_id_from_name": "string_hash",
        "owner_id_from_traits": False,
        "legacy_group_company": "full",
        "detach_unknown_company": "note",
        "lookup_option": False,
        "company_reserved_traits": (),
        "send_last_seen_ip": True,
    },
    "rudderstack": {
        "nested_policy": "flatten",
        "metadata_flatten_separator": ".",
        "search_match": "first",
        "traits_precedence": "context",
        "user_id_trait_keys": ("userId", "id", "external_id"),
        "revenue_to_price": False,
        "string_company": "drop",
        "attach_company_on_identify": False,
        "group_tags": True,
        "last_seen_rule": "last_seen_trait",
        "unsubscribed_from_traits": True,
        "stringify_metadata_booleans": False,
        "companies_trait": False,
        "company_id_from_name": "md5",
        "owner_id_from_traits": True,
        "legacy_group_company": "id_and_name",
        "detach_unknown_company": "refuse",
        "lookup_option": True,
        "company_reserved_traits": ("email", "tags", "segments", "userCount", "sessionCount"),
        "send_last_seen_ip": False,
    },
}

# What a profile sets differently on the 1.4 Users API: Segment's classic integration
# (seeds 001/004 describe it) and RudderStack's 1.4 destination (seed 003).
LEGACY_PROFILES: dict[str, dict[str, Any]] = {
    "segment": {
        "user_id_attribute": True,
        "keep_name_parts": True,
        "date_attributes": "unix_at",
        "currency_case": "upper",
        "string_company_traits": True,
    },
    "rudderstack": {"company_nested_policy": "stringify"},
}

_TUPLE_FIELDS = (
    "event_denylist",
    "known_attributes",
    "user_id_trait_keys",
    "trait_handling",
    "company_reserved_traits",
)


def settings_for(profile: str = "segment", **overrides: Any) -> Settings:
    """The settings of a named profile, with any single setting overridden."""
    if profile not in PROFILES:
        raise SettingsError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    names = {field.name for field in fields(Settings)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    version = str(overrides.get("api_version", limits.DEFAULT_API_VERSION))
    legacy = LEGACY_PROFILES[profile] if version == limits.LEGACY_API_VERSION else {}
    values = {**PROFILES[profile], **legacy, **overrides, "profile": profile}
    for name in _TUPLE_FIELDS:
        values[name] = tuple(values.get(name) or ())
    if values.get("event_allowlist") is not None:
        values["event_allowlist"] = tuple(values["event_allowlist"])
    return Settings(**values)


def _problems(settings: Settings) -> list[str]:
    choices = {
        "profile": tuple(PROFILES),
        "nested_policy": NESTED_POLICIES,
        "long_string_policy": LONG_STRING_POLICIES,
        "unknown_attribute_policy": UNKNOWN_ATTRIBUTE_POLICIES,
        "search_match": SEARCH_MATCHES,
        "string_company": STRING_COMPANY_RULES,
        "traits_precedence": TRAITS_PRECEDENCES,
        "last_seen_rule": LAST_SEEN_RULES,
        "date_attributes": DATE_ATTRIBUTE_RULES,
        "currency_case": CURRENCY_CASES,
        "company_id_from_name": COMPANY_ID_FROM_NAME_RULES,
        "legacy_group_company": LEGACY_GROUP_COMPANY_RULES,
        "detach_unknown_company": DETACH_UNKNOWN_COMPANY_RULES,
        "legacy_event_time_field": LEGACY_EVENT_TIME_FIELDS,
    }
    problems = [
        f"{name} must be one of {', '.join(allowed)}, not {getattr(settings, name)!r}"
        for name, allowed in choices.items()
        if getattr(settings, name) not in allowed
    ]
    if not _API_VERSION.match(str(settings.api_version)):
        problems.append(f"api_version must be 1.4 or 2.x (e.g. 2.11), not {settings.api_version!r}")
    if not settings.flatten_separator or not has_only_allowed_characters(
        settings.flatten_separator
    ):
        # A separator Intercom refuses in attribute names would be renamed in every flattened
        # name [facts 6].
        problems.append(
            "flatten_separator must be non-empty and use only characters Intercom allows in"
            " attribute names (letters, digits, spaces, '_', '-', currency symbols other than '$')"
        )
    if not settings.metadata_flatten_separator:
        problems.append("metadata_flatten_separator must not be empty")
    if not isinstance(settings.string_limit, int) or settings.string_limit < 1:
        problems.append(f"string_limit must be a positive integer, not {settings.string_limit!r}")
    if not isinstance(settings.metadata_key_limit, int) or settings.metadata_key_limit < 0:
        problems.append(
            "metadata_key_limit must be a non-negative integer, "
            f"not {settings.metadata_key_limit!r}"
        )
    if settings.company_nested_policy not in (None, *NESTED_POLICIES):
        problems.append(
            f"company_nested_policy must be one of {', '.join(NESTED_POLICIES)}, "
            f"not {settings.company_nested_policy!r}"
        )
    problems.extend(_trait_handling_problems(settings.trait_handling))
    if settings.web_mode and not settings.app_id:
        problems.append("web_mode needs app_id (the Messenger identifies the workspace by it)")
    return problems


def trait_handling_rules(settings: Settings) -> dict[str, str]:
    """``trait_handling`` as {trait name: drop | flatten | stringify}."""
    rules = {}
    for entry in settings.trait_handling:
        name, _, method = entry.rpartition("=")
        rules[name.strip()] = method.strip()
    return rules


def _trait_handling_problems(entries: tuple[str, ...]) -> list[str]:
    problems = []
    for entry in entries:
        name, separator, method = str(entry).rpartition("=")
        if not separator or not name.strip() or method.strip() not in NESTED_POLICIES:
            problems.append(
                f"trait_handling entries are NAME=drop|flatten|stringify, not {entry!r}"
            )
    return problems
