"""``translator plan``: JSON lines in, planned calls and outcomes out, one-line errors."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from translator.cli import main, mapping_options

IDENTIFY = {
    "type": "identify",
    "userId": "u-1",
    "messageId": "m-1",
    "traits": {"email": "A@Example.com", "address": {"city": "Cork"}},
    "timestamp": "2020-01-01T00:00:00Z",
}
TRACK = {"type": "track", "userId": "u-1", "messageId": "m-2", "event": "Signed.Up"}


def _run(args: list[str], lines: list[str], env: dict | None = None):
    result = CliRunner().invoke(main, ["plan", *args], input="\n".join(lines) + "\n", env=env)
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result, records


def test_plan_prints_each_call_with_its_event_and_a_line_for_adjustments() -> None:
    result, records = _run(
        ["--received-at", "2021-01-01T00:00:00Z"], [json.dumps(IDENTIFY), json.dumps(TRACK)]
    )
    assert result.exit_code == 0
    calls = [r for r in records if "method" in r]
    assert [(r["event_index"], r["messageId"], r["method"], r["path"]) for r in calls] == [
        (0, "m-1", "POST", "/contacts/search"),
        (0, "m-1", "POST", "/contacts"),
        (1, "m-2", "POST", "/events"),
    ]
    assert calls[0]["body"]["query"]["value"][1]["value"] == "a@example.com"
    assert calls[2]["body"]["event_name"] == "Signed-Up"
    assert calls[2]["body"]["created_at"] == 1609459200
    outcomes = [r for r in records if "outcome" in r]
    assert [(r["event_index"], r["adjustments"][0]["reason"]) for r in outcomes] == [
        (0, "nested_object"),
        (1, "invalid_name_characters"),
    ]


def test_options_change_the_mapping() -> None:
    _, records = _run(
        ["--profile", "rudderstack", "--api-version", "1.4", "--nested-policy", "flatten"],
        [json.dumps(IDENTIFY)],
    )
    assert records[0]["path"] == "/users"
    assert records[0]["body"]["custom_attributes"] == {"address_city": "Cork"}
    assert records[0]["body"]["update_last_request_at"] is True


def test_comma_separated_and_repeated_lists_are_both_accepted() -> None:
    events = [
        json.dumps({**TRACK, "event": name, "timestamp": "2020-01-01T00:00:00Z"})
        for name in ("a", "b", "c", "d")
    ]
    _, records = _run(["--event-denylist", "a,b", "--event-denylist", "c"], events)
    assert [r["body"]["event_name"] for r in records if "method" in r] == ["d"]
    assert [r["reason"]["code"] for r in records if "outcome" in r] == ["event_denied"] * 3


def test_bad_lines_give_one_error_record_each_and_the_rest_still_plans() -> None:
    result, records = _run(
        [], ["{not json", "[1]", json.dumps({**TRACK, "timestamp": "2020-01-01T00:00:00Z"})]
    )
    assert result.exit_code == 0
    refused = [r for r in records if r.get("outcome") == "rejected"]
    assert [(r["line"], r["outcome"], r["reason"]["code"]) for r in refused] == [
        (1, "rejected", "invalid_json"),
        (2, "rejected", "not_an_object"),
    ]
    assert [r["path"] for r in records if "method" in r] == ["/events"]
    assert "Traceback" not in result.output


def test_web_mode_plans_form_encoded_messenger_requests_with_the_env_secret() -> None:
    _, records = _run(
        ["--web-mode", "--app-id", "abc"],
        [json.dumps(IDENTIFY)],
        env={"INTERCOM_IDENTITY_SECRET": "s3cret"},
    )
    (ping,) = [r for r in records if "method" in r]
    assert ping["path"] == "/messenger/web/ping"
    assert ping["content_type"] == "application/x-www-form-urlencoded"
    user_data = json.loads(ping["body"]["user_data"])
    assert user_data["user_id"] == "u-1" and len(user_data["user_hash"]) == 64


def test_a_file_argument_is_read(tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(IDENTIFY) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(events)])
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["path"] == "/contacts/search"


def test_bad_options_give_a_one_line_message_and_a_non_zero_exit() -> None:
    for args in (
        ["--nested-policy", "explode"],
        ["--api-version", "3"],
        ["--web-mode"],
        ["--received-at", "whenever"],
        ["missing-file.jsonl"],
    ):
        result = CliRunner().invoke(main, ["plan", *args], input="")
        assert result.exit_code != 0, args
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert result.output.startswith("Error:")


def test_help_explains_the_options() -> None:
    result = CliRunner().invoke(main, ["plan", "--help"])
    assert result.exit_code == 0
    for option in (
        "--profile",
        "--api-version",
        "--nested-policy",
        "--identity-secret",
        "--unknown-attribute-policy",
        "--known-attribute",
        "--received-at",
    ):
        assert option in result.output


def test_mapping_options_serve_other_commands() -> None:
    @click.command()
    @mapping_options
    def show(settings) -> None:
        click.echo(f"{settings.profile} {settings.nested_policy} {settings.known_attributes}")

    result = CliRunner().invoke(show, ["--profile", "rudderstack", "--known-attribute", "a,b"])
    assert result.output.strip() == "rudderstack flatten ('a', 'b')"
