"""Custom attributes and event metadata reshaped to fit Intercom's limits, every change reported.

Intercom rejects objects and arrays as attribute values and does not support nested metadata
(facts §6, §7, §12; seeds: "Intercom doesn't support custom arrays or objects"); blank ``{}`` or
``[]`` in properties make it ignore an event silently (destination-mappings.md §6 #7); strings
are limited to 255 characters (facts §12); attribute names to letters, digits, spaces, ``_``,
``-`` and most currency symbols, 190 at most (facts §6), so other names are renamed
(``translator.core.attribute_names``). Event metadata keeps Intercom's two object types, Monetary
Amount ``{amount, currency}`` and Rich Link ``{url, value}``, intact (facts §7).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from translator.core import limits
from translator.core.attribute_names import allowed_name, has_only_allowed_characters
from translator.core.calls import Adjustment
from translator.core.settings import Settings, trait_handling_rules
from translator.core.timestamps import iso_to_unix

# Segment's classic integration turned values that are ISO dates (YYYY-MM-DD, optionally with a
# time and zone) into Unix seconds under a key ending in `_at` (destination-behaviour.md SC-F3/F4).
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"
)


@dataclass(frozen=True)
class _Rules:
    target: str
    separator: str
    keep_special: bool
    rename_keys: bool


def shape_attributes(
    values: dict[str, Any], target: str, settings: Settings
) -> tuple[dict[str, Any], list[Adjustment]]:
    """Custom attributes (of a contact or a company) with only scalar values Intercom accepts."""
    rules = _Rules(target, settings.flatten_separator, keep_special=False, rename_keys=True)
    return _shape(values, rules, settings)


def shape_metadata(
    values: dict[str, Any], settings: Settings
) -> tuple[dict[str, Any], list[Adjustment]]:
    """Event metadata with scalar values and Intercom's special objects, booleans per profile."""
    rules = _Rules("event.metadata", settings.metadata_flatten_separator, True, rename_keys=False)
    shaped, adjustments = _shape(values, rules, settings)
    if settings.stringify_metadata_booleans:
        # Intercom's metadata types have no boolean (facts §7); Segment's classic integration
        # sent them as strings (destination-mappings.md §4).
        for key, value in shaped.items():
            if isinstance(value, bool):
                shaped[key] = "true" if value else "false"
                adjustments.append(Adjustment("stringified", rules.target, key, "boolean_metadata"))
    return shaped, adjustments


def is_special_metadata(value: Any) -> bool:
    """True for a Monetary Amount or Rich Link object: exactly those keys, scalar values."""
    return (
        isinstance(value, dict)
        and frozenset(value) in limits.SPECIAL_METADATA_SHAPES
        and not any(isinstance(inner, dict | list) for inner in value.values())
    )


def _shape(
    values: dict[str, Any], rules: _Rules, settings: Settings
) -> tuple[dict[str, Any], list[Adjustment]]:
    shaped: dict[str, Any] = {}
    adjustments: list[Adjustment] = []
    handling = trait_handling_rules(settings)
    for key, value in values.items():
        key = str(key)
        policy = handling.get(key, settings.nested_policy)
        pairs = _by_handling(key, value, handling.get(key), rules, adjustments)
        if pairs is None:
            if settings.date_attributes == "unix_at":
                key, value = _date_attribute(key, value, rules, adjustments)
            pairs = _unnest(key, value, rules, policy, adjustments)
        for new_key, new_value in pairs:
            _place(shaped, new_key, new_value, rules, settings, adjustments)
    return shaped, adjustments


def _by_handling(
    key: str, value: Any, method: str | None, rules: _Rules, adjustments: list[Adjustment]
) -> list[tuple[str, Any]] | None:
    """A scalar named in ``trait_handling`` as drop or stringify; None to shape it as usual."""
    if method == "drop":
        adjustments.append(Adjustment("dropped", rules.target, key, "trait_handling"))
        return []
    if method == "stringify" and not isinstance(value, str | dict | list):
        adjustments.append(Adjustment("stringified", rules.target, key, "trait_handling"))
        return [(key, json.dumps(value, ensure_ascii=False))]
    return None


def date_key(key: str) -> str:
    """Segment classic's date attribute name: ``*_at``/``*At`` kept, ``* at`` → ``*_at``, else
    ``_at`` appended."""
    if key.endswith(("_at", "At")):
        return key
    if key.endswith(" at"):
        return key[:-3] + "_at"
    return key + "_at"


def _date_attribute(
    key: str, value: Any, rules: _Rules, adjustments: list[Adjustment]
) -> tuple[str, Any]:
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return key, value
    seconds = iso_to_unix(value.strip())
    if seconds is None:
        return key, value
    new_key = date_key(key)
    adjustments.append(
        Adjustment("converted", rules.target, key, "date_to_unix", new_keys=(new_key,))
    )
    return new_key, seconds


def _unnest(
    key: str, value: Any, rules: _Rules, policy: str, adjustments: list[Adjustment]
) -> list[tuple[str, Any]]:
    """The (key, value) pairs that replace one top-level pair under the nested policy."""
    if not isinstance(value, dict | list) or (rules.keep_special and is_special_metadata(value)):
        return [(key, value)]
    if not value:
        adjustments.append(Adjustment("dropped", rules.target, key, "empty_value"))
        return []
    reason = "nested_object" if isinstance(value, dict) else "nested_array"
    if policy == "drop":
        adjustments.append(Adjustment("dropped", rules.target, key, reason))
        return []
    if policy == "stringify":
        adjustments.append(Adjustment("stringified", rules.target, key, reason))
        return [(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")))]
    pairs = list(_leaves(key, value, rules))
    if not pairs:
        adjustments.append(Adjustment("dropped", rules.target, key, "empty_value"))
        return []
    new_keys = tuple(new_key for new_key, _ in pairs)
    adjustments.append(Adjustment("flattened", rules.target, key, reason, new_keys=new_keys))
    return pairs


def _leaves(prefix: str, value: Any, rules: _Rules):
    """Flattened pairs: ``a{sep}b`` for objects, ``a{sep}0`` for arrays; empty containers vanish."""
    if isinstance(value, dict) and not (rules.keep_special and is_special_metadata(value)):
        items = ((str(key), inner) for key, inner in value.items())
    elif isinstance(value, list):
        items = ((str(index), inner) for index, inner in enumerate(value))
    else:
        yield prefix, value
        return
    for key, inner in items:
        yield from _leaves(f"{prefix}{rules.separator}{key}", inner, rules)


def _place(
    shaped: dict[str, Any],
    key: str,
    value: Any,
    rules: _Rules,
    settings: Settings,
    adjustments: list[Adjustment],
) -> None:
    given = key
    if rules.rename_keys:
        key = _renamed(key, rules, adjustments)
    if not key:
        adjustments.append(Adjustment("dropped", rules.target, key, "empty_name"))
        return
    if key in shaped:
        # The first of two names that end up the same is sent; the later one is dropped.
        detail = f"renamed to {key!r}, a name already sent" if key != given else ""
        adjustments.append(Adjustment("dropped", rules.target, given, "key_collision", detail))
        return
    if isinstance(value, float) and not math.isfinite(value):
        adjustments.append(Adjustment("dropped", rules.target, key, "not_a_finite_number"))
        return
    fitted = fit_string_value(key, value, rules.target, settings, adjustments)
    if fitted is not _DROP:
        shaped[key] = fitted


def _renamed(key: str, rules: _Rules, adjustments: list[Adjustment]) -> str:
    """``allowed_name(key)``, each of its two changes reported with the name it gave."""
    new_key = allowed_name(key)
    if not has_only_allowed_characters(key):
        adjustments.append(
            Adjustment("renamed", rules.target, key, "invalid_name_characters", new_keys=(new_key,))
        )
    if len(key) > limits.ATTRIBUTE_NAME_LENGTH:
        detail = f"longer than {limits.ATTRIBUTE_NAME_LENGTH} characters"
        adjustments.append(
            Adjustment("renamed", rules.target, key, "name_too_long", detail, new_keys=(new_key,))
        )
    return new_key


_DROP = object()


def fit_string_value(
    key: str, value: Any, target: str, settings: Settings, adjustments: list[Adjustment]
) -> Any:
    """``value`` with its strings held to ``string_limit`` per ``long_string_policy``.

    Returns the ``_DROP`` sentinel when the policy drops it; a special metadata object is
    truncated inside or dropped whole.
    """
    limit, policy = settings.string_limit, settings.long_string_policy
    strings = [value] if isinstance(value, str) else []
    if isinstance(value, dict):
        strings = [inner for inner in value.values() if isinstance(inner, str)]
    if policy == "send" or all(len(text) <= limit for text in strings):
        return value
    detail = f"longer than {limit} characters"
    if policy == "drop":
        adjustments.append(Adjustment("dropped", target, key, "too_long", detail))
        return _DROP
    adjustments.append(Adjustment("truncated", target, key, "too_long", detail))
    if isinstance(value, dict):
        return {k: v[:limit] if isinstance(v, str) else v for k, v in value.items()}
    return value[:limit]


def is_dropped(value: Any) -> bool:
    """True when ``fit_string_value`` dropped the value."""
    return value is _DROP
