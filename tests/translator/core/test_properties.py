"""Properties of every plan, for arbitrary valid Spec events and arbitrary JSON.

Whatever the nesting, length or naming of traits and properties, no planned request carries a
nested custom attribute or nested metadata (other than Intercom's {amount, currency} and
{url, value} objects), a string over the limit (unless the policy is `send`), more metadata keys
than the limit, an event name with '.' or '$', or an attribute name Intercom would refuse; and
planning never raises.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from translator import Call, dry_run, settings_for
from translator.core.attribute_names import has_only_allowed_characters
from translator.core.shaping import is_special_metadata

KEY = st.text(alphabet=st.sampled_from("ab.$_-xé!/ €"), min_size=0, max_size=6)
TEXT = st.one_of(st.text(max_size=20), st.text(alphabet="xy", min_size=250, max_size=320))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
SPECIAL = st.one_of(
    st.fixed_dictionaries(
        {"amount": st.integers(0, 10**6), "currency": st.sampled_from(["usd", "eur"])}
    ),
    st.fixed_dictionaries({"url": TEXT, "value": TEXT}),
)
JSON_VALUE = st.recursive(
    st.one_of(SCALAR, SPECIAL),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEY, inner, max_size=4)),
    max_leaves=25,
)
OBJECT = st.dictionaries(KEY, JSON_VALUE, max_size=12)
NAME = st.text(alphabet=st.sampled_from("Ab .$-x"), min_size=1, max_size=12).filter(str.strip)

IDENTIFY = st.fixed_dictionaries(
    {
        "type": st.just("identify"),
        "userId": st.text(min_size=1, max_size=8).filter(str.strip),
        "traits": OBJECT,
    },
    optional={
        "context": st.fixed_dictionaries(
            {}, optional={"traits": OBJECT, "active": st.booleans(), "device": OBJECT}
        )
    },
)
TRACK = st.fixed_dictionaries(
    {"type": st.just("track"), "userId": st.just("u-1"), "event": NAME, "properties": OBJECT}
)
GROUP = st.fixed_dictionaries(
    {
        "type": st.just("group"),
        "userId": st.just("u-1"),
        "groupId": st.just("g-1"),
        "traits": OBJECT,
    },
    optional={"context": st.fixed_dictionaries({"traits": OBJECT})},
)
EVENTS = st.one_of(IDENTIFY, TRACK, GROUP)

SETTINGS = st.builds(
    lambda profile, version, nested, long_strings, limit, keys, web, collect: settings_for(
        profile,
        api_version=version,
        nested_policy=nested,
        long_string_policy=long_strings,
        string_limit=limit,
        metadata_key_limit=keys,
        web_mode=web,
        app_id="app" if web else None,
        identity_secret="secret",
        collect_context=collect,
    ),
    st.sampled_from(["segment", "rudderstack"]),
    st.sampled_from(["2.11", "1.4"]),
    st.sampled_from(["drop", "flatten", "stringify"]),
    st.sampled_from(["truncate", "drop", "send"]),
    st.sampled_from([1, 5, 255]),
    st.integers(min_value=0, max_value=10),
    st.booleans(),
    st.booleans(),
)


def _attribute_sets(call: Call) -> list[dict[str, Any]]:
    """Every custom-attribute object a call carries."""
    body = call.body or {}
    if call.is_form:
        data = json.loads(body.get("user_data", "{}"))
        sets = [data.get("custom_attributes") or {}]
        company = data.get("company")
        if company:
            # company_id identifies the company: never truncated, like user_id and email.
            sets.append({k: v for k, v in company.items() if k != "company_id"})
        return sets
    sets = [body.get("custom_attributes") or {}]
    sets += [company.get("custom_attributes") or {} for company in body.get("companies") or []]
    return sets


def _metadata(call: Call) -> dict[str, Any] | None:
    body = call.body or {}
    if call.path == "/events":
        return body.get("metadata") or {}
    if call.path == "/messenger/web/events":
        return json.loads(body.get("metadata", "{}"))
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [inner for inner in value.values() if isinstance(inner, str)]
    return []


@settings(max_examples=300, deadline=None)
@given(EVENTS, SETTINGS)
def test_planned_requests_respect_intercoms_limits(raw: dict, chosen) -> None:
    run = dry_run(raw, chosen)
    assert run.outcome.status in ("planned", "skipped", "rejected")
    limit_applies = chosen.long_string_policy != "send"
    for call in run.calls:
        for attributes in _attribute_sets(call):
            for key, value in attributes.items():
                assert not isinstance(value, dict | list), (call.path, key, value)
                assert has_only_allowed_characters(key) and len(key) <= 190, key
                if limit_applies:
                    assert all(len(text) <= chosen.string_limit for text in _strings(value))
        metadata = _metadata(call)
        if metadata is not None:
            assert len(metadata) <= chosen.metadata_key_limit
            for key, value in metadata.items():
                assert not isinstance(value, list), key
                assert not isinstance(value, dict) or is_special_metadata(value), (key, value)
                if limit_applies:
                    assert all(len(text) <= chosen.string_limit for text in _strings(value))
            name = (call.body or {})["event_name"]
            assert "." not in name and "$" not in name


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        JSON_VALUE,
        st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "userId",
                    "event",
                    "groupId",
                    "traits",
                    "properties",
                    "context",
                    "integrations",
                    "timestamp",
                    "originalTimestamp",
                    "messageId",
                    "anonymousId",
                ]
            ),
            JSON_VALUE,
        ),
    ),
    SETTINGS,
)
def test_planning_never_raises_and_explains_every_refusal(raw: Any, chosen) -> None:
    run = dry_run(raw, chosen, received_at=1_600_000_000)
    outcome = run.outcome
    assert outcome.status in ("planned", "skipped", "rejected")
    if outcome.status != "planned":
        assert outcome.reason.code and outcome.reason.message
        assert run.calls == ()


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["identify", "track", "group"]), OBJECT)
def test_every_dropped_or_changed_key_is_reported(kind: str, values: dict) -> None:
    raw = {
        "type": kind,
        "userId": "u-1",
        "event": "e",
        "groupId": "g",
        "timestamp": "2020-01-01T00:00:00Z",
        "traits": values,
        "properties": values,
    }
    run = dry_run(raw, settings_for("segment", metadata_key_limit=100))
    adjusted = {adjustment.key for adjustment in run.outcome.adjustments}
    sent = _sent_keys(run.calls)
    for key, value in values.items():
        if isinstance(value, dict | list) and not is_special_metadata(value):
            assert key in adjusted, key  # segment drops nested values, and says so
        elif key in sent or key in _CONSUMED:
            continue
        else:
            assert key in adjusted, key


_CONSUMED = {
    "email",
    "name",
    "firstName",
    "lastName",
    "phone",
    "createdAt",
    "signedUpAt",
    "company",
    "userId",
    "lastRequestAt",
    "plan",
    "website",
    "industry",
    "size",
    "employees",
    "monthly_spend",
    "monthlySpend",
    "id",
    "company_id",
    "remove",
    "revenue",
    "total",
    "currency",
    "price",
}


def _sent_keys(calls: tuple[Call, ...]) -> set[str]:
    keys: set[str] = set()
    for call in calls:
        for attributes in _attribute_sets(call):
            keys |= set(attributes)
        keys |= set(_metadata(call) or {})
    return keys
