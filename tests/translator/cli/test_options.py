"""Every mapping setting has its command-line option on ``plan``, ``send`` and ``serve``."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from click.testing import CliRunner

from translator import Settings
from translator.cli import main

SETTINGS = {field.name for field in fields(Settings)}


@pytest.mark.parametrize("command", ["plan", "send", "serve"])
def test_every_setting_is_an_option_of_the_command(command: str) -> None:
    params = {param.name for param in main.commands[command].params}
    assert SETTINGS - params == set()


def _plan(args: list[str], event: dict) -> list[dict]:
    result = CliRunner().invoke(
        main, ["plan", "--received-at", "2021-01-01T00:00:00Z", *args], input=json.dumps(event)
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _calls(records: list[dict]) -> list[dict]:
    return [record for record in records if "method" in record]


def test_send_anonymous_id_option_names_the_user_by_anonymous_id() -> None:
    event = {"type": "identify", "anonymousId": "anon-1", "traits": {"plan": "pro"}}
    assert _plan([], event)[-1]["reason"]["code"] == "missing_user_identity"
    calls = _calls(_plan(["--send-anonymous-id"], event))
    assert calls[-1]["body"]["external_id"] == "anon-1"


def test_a_profile_choice_can_be_switched_off_on_the_command_line() -> None:
    event = {
        "type": "track",
        "userId": "u-1",
        "event": "Paid",
        "properties": {"revenue": 5, "flag": True},
    }
    default = _plan([], event)[0]["body"]["metadata"]
    assert default == {"price": {"amount": 500, "currency": "usd"}, "flag": "true"}
    records = _plan(["--no-revenue-to-price", "--no-stringify-metadata-booleans"], event)
    assert records[0]["body"]["metadata"] == {"revenue": 5, "flag": True}


def test_list_options_take_repeats_and_commas() -> None:
    event = {"type": "identify", "userId": "u-1", "traits": {"a": 1, "b": {"c": 2}}}
    calls = _calls(
        _plan(["--trait-handling", "a=stringify", "--trait-handling", "b=flatten"], event)
    )
    assert calls[-1]["body"]["custom_attributes"] == {"a": "1", "b_c": 2}
    calls = _calls(_plan(["--trait-handling", "a=drop,b=stringify"], event))
    assert calls[-1]["body"]["custom_attributes"] == {"b": '{"c":2}'}


def test_a_bad_trait_handling_entry_is_a_one_line_error() -> None:
    result = CliRunner().invoke(main, ["plan", "--trait-handling", "a=explode"], input="")
    assert result.exit_code != 0
    assert "trait_handling entries are NAME=drop|flatten|stringify" in result.output
