"""Custom attribute names Intercom would refuse are renamed, one way, everywhere they are used."""

from __future__ import annotations

import pytest

from translator import dry_run, settings_for
from translator.core.attribute_names import allowed_name

CREATE = settings_for("segment", unknown_attribute_policy="create")


@pytest.mark.parametrize(
    ("name", "renamed"),
    [
        ("plan", "plan"),
        ("paid_subscriber", "paid_subscriber"),
        ("Mithril Shirt", "Mithril Shirt"),
        ("naïve-名前", "naïve-名前"),
        ("cost £ € ¥", "cost £ € ¥"),
        ("a!b", "a-b"),
        ("a.b", "a-b"),
        ("a$b", "a-b"),
        (
            "a/b:c[0]@d#e%f^g&h*i'j{k}l|m\\n\"o`p~q+r=s?t<u>v,w;x",
            "a-b-c-0--d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x",
        ),
        ("tab\there", "tab-here"),
        ("x" * 191, "x" * 190),
        ("!" * 200, "-" * 190),
    ],
)
def test_allowed_name(name: str, renamed: str) -> None:
    assert allowed_name(name) == renamed


def _identify(traits: dict, settings=CREATE):
    return dry_run({"type": "identify", "userId": "u-1", "traits": traits}, settings)


def _bodies(run, path: str) -> list[dict]:
    return [call.body for call in run.calls if call.path == path]


def test_the_created_attribute_and_the_sent_key_are_the_same_renamed_name() -> None:
    run = _identify({"a!b": "x", "ok": 1})
    assert [body["name"] for body in _bodies(run, "/data_attributes")] == ["a-b", "ok"]
    assert _bodies(run, "/contacts")[0]["custom_attributes"] == {"a-b": "x", "ok": 1}
    renamed = [a.to_dict() for a in run.outcome.adjustments]
    assert renamed == [
        {
            "kind": "renamed",
            "target": "contact.custom_attributes",
            "key": "a!b",
            "reason": "invalid_name_characters",
            "new_keys": ["a-b"],
        }
    ]


def test_company_attributes_are_renamed_the_same_way() -> None:
    run = dry_run(
        {"type": "group", "userId": "u-1", "groupId": "g-1", "traits": {"a!b": 1}}, CREATE
    )
    created = _bodies(run, "/data_attributes")
    assert created == [{"name": "a-b", "model": "company", "data_type": "integer"}]
    assert _bodies(run, "/companies")[0]["custom_attributes"] == {"a-b": 1}


@pytest.mark.parametrize("policy", ["send", "drop", "create"])
@pytest.mark.parametrize("version", ["2.11", "1.4"])
def test_every_policy_and_version_sends_the_renamed_name(policy: str, version: str) -> None:
    chosen = settings_for(
        "segment", api_version=version, unknown_attribute_policy=policy, known_attributes=["a-b"]
    )
    run = _identify({"a!b": "x"}, chosen)
    write = run.calls[-1].body
    # On 1.4 the segment profile also keeps the user id as attribute `id` (classic, SC-I2);
    # under `drop` it is dropped as unknown like any other attribute.
    assert {k: v for k, v in write["custom_attributes"].items() if k != "id"} == {"a-b": "x"}


@pytest.mark.parametrize("known", ["a!b", "a-b", "contact:a!b", "a:b"])
def test_known_attributes_are_read_with_the_same_renaming(known: str) -> None:
    chosen = settings_for("segment", unknown_attribute_policy="create", known_attributes=[known])
    run = _identify({"a!b": "x"}, chosen)
    assert _bodies(run, "/data_attributes") == []
    assert run.calls[-1].body["custom_attributes"] == {"a-b": "x"}


@pytest.mark.parametrize(
    ("traits", "sent", "dropped"),
    [
        ({"a!b": 1, "a-b": 2}, {"a-b": 1}, ("a-b", "")),
        ({"a-b": 1, "a!b": 2}, {"a-b": 1}, ("a!b", "renamed to 'a-b', a name already sent")),
        ({"a.b": 1, "a$b": 2}, {"a-b": 1}, ("a$b", "renamed to 'a-b', a name already sent")),
    ],
)
def test_names_that_meet_after_renaming_keep_the_first_and_report_the_other(
    traits: dict, sent: dict, dropped: tuple[str, str]
) -> None:
    run = _identify(traits)
    assert [body["name"] for body in _bodies(run, "/data_attributes")] == ["a-b"]
    assert run.calls[-1].body["custom_attributes"] == sent
    collisions = [a for a in run.outcome.adjustments if a.reason == "key_collision"]
    assert [(a.kind, a.key, a.detail) for a in collisions] == [("dropped", *dropped)]


def test_a_name_over_190_characters_is_cut_and_reported() -> None:
    long_name = "n" * 195 + "!"
    run = _identify({long_name: 1})
    assert _bodies(run, "/data_attributes")[0]["name"] == "n" * 190
    assert run.calls[-1].body["custom_attributes"] == {"n" * 190: 1}
    reasons = [(a.kind, a.key, a.reason, a.new_keys) for a in run.outcome.adjustments]
    assert reasons == [
        ("renamed", long_name, "invalid_name_characters", ("n" * 190,)),
        ("renamed", long_name, "name_too_long", ("n" * 190,)),
    ]


def test_flattened_names_are_renamed_after_flattening() -> None:
    chosen = settings_for("rudderstack", unknown_attribute_policy="create")
    run = _identify({"address": {"post code!": "T12"}}, chosen)
    assert _bodies(run, "/data_attributes")[0]["name"] == "address_post code-"
    assert run.calls[-1].body["custom_attributes"] == {"address_post code-": "T12"}


def test_renaming_is_the_same_on_every_run() -> None:
    traits = {"z?": 1, "a!b": 2, "a-b": 3, "é/x": 4}
    first, second = _identify(traits), _identify(dict(traits))
    assert first.calls == second.calls
    assert first.outcome == second.outcome
