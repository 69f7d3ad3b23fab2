"""The mapping settings as command-line options, shared by ``plan``, ``send`` and ``serve``.

``mapping_options`` puts every mapping setting on a command as options and hands the command one
validated ``settings`` argument, so every command has the same options and help text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from translator.core import limits
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


def mapping_options(command: Callable) -> Callable:
    """Add the mapping options to ``command`` and pass it ``settings=Settings(...)`` instead."""

    @functools.wraps(command)
    def with_settings(*args: Any, **kwargs: Any) -> Any:
        kwargs["settings"] = settings_from_options(kwargs)
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        with_settings = option(with_settings)
    return with_settings


_OPTION_NAMES = (
    "profile",
    "api_version",
    "nested_policy",
    "flatten_separator",
    "metadata_flatten_separator",
    "long_string_policy",
    "string_limit",
    "metadata_key_limit",
    "event_allowlist",
    "event_denylist",
    "unknown_attribute_policy",
    "known_attributes",
    "collect_context",
    "web_mode",
    "app_id",
    "identity_secret",
)


def settings_from_options(options: dict[str, Any]) -> Settings:
    """Settings from option values (popped from ``options``); a bad one is a one-line error."""
    values = {name: options.pop(name, None) for name in _OPTION_NAMES}
    profile = values.pop("profile") or "segment"
    for name in ("event_allowlist", "event_denylist", "known_attributes"):
        values[name] = _split(values[name] or ())
    values["event_allowlist"] = values["event_allowlist"] or None
    overrides = {name: value for name, value in values.items() if value is not None}
    try:
        return settings_for(profile, **overrides)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
