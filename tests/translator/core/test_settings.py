"""Profiles set every vendor choice at once; any single setting can be overridden; bad ones fail."""

from __future__ import annotations

from dataclasses import fields

import pytest

from translator import PROFILES, Settings, SettingsError, settings_for


def test_default_settings_are_the_segment_profile() -> None:
    assert Settings() == settings_for("segment")
    assert Settings().api_version == "2.11"


def test_profiles_differ_where_the_vendors_disagree() -> None:
    segment, rudderstack = settings_for("segment"), settings_for("rudderstack")
    differing = {
        f.name for f in fields(Settings) if getattr(segment, f.name) != getattr(rudderstack, f.name)
    }
    assert differing == set(PROFILES["rudderstack"]) | {"profile"}


def test_a_single_setting_overrides_the_profile() -> None:
    chosen = settings_for("rudderstack", nested_policy="drop")
    assert chosen.nested_policy == "drop"
    assert chosen.search_match == "first"
    assert chosen.profile == "rudderstack"


def test_lists_become_tuples_so_settings_stay_hashable() -> None:
    chosen = settings_for("segment", event_denylist=["a"], known_attributes=["contact:x"])
    assert chosen.event_denylist == ("a",)
    assert hash(chosen)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nested_policy": "explode"}, "nested_policy"),
        ({"api_version": "3.0"}, "api_version"),
        ({"api_version": "2"}, "api_version"),
        ({"flatten_separator": "."}, "flatten_separator"),
        ({"flatten_separator": "/"}, "flatten_separator"),
        ({"flatten_separator": "::"}, "flatten_separator"),
        ({"flatten_separator": ""}, "flatten_separator"),
        ({"string_limit": 0}, "string_limit"),
        ({"metadata_key_limit": -1}, "metadata_key_limit"),
        ({"web_mode": True}, "app_id"),
        ({"long_string_policy": "shout"}, "long_string_policy"),
        ({"unknown_attribute_policy": "guess"}, "unknown_attribute_policy"),
        ({"colour": "blue"}, "unknown setting"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(overrides, message) -> None:
    with pytest.raises(SettingsError, match=message):
        settings_for("segment", **overrides)


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(SettingsError, match="unknown profile"):
        settings_for("mixpanel")


@pytest.mark.parametrize("version", ["1.4", "2.0", "2.10", "2.11", "2.16"])
def test_api_versions_accepted(version: str) -> None:
    assert settings_for(api_version=version).is_legacy == (version == "1.4")


@pytest.mark.parametrize("separator", ["_", "-", "__", " ", "€"])
def test_separators_intercom_allows_in_attribute_names_are_accepted(separator: str) -> None:
    assert settings_for("segment", flatten_separator=separator).flatten_separator == separator
