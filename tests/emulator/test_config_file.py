"""The config file does what the README says (issue 17, item 5): declared workspaces take the
file's `[settings]` and the command-line setting flags (flags win over the file, the file over
the defaults); `tokens` is one token (a string) or an array of them, never split into
characters; and any file the emulator cannot use is refused before it starts, in one line that
names the file and the key, with exit status 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from emulator import create_app
from emulator.cli import main
from emulator.config import build


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "emulator.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _serve(config: dict[str, Any]) -> Any:
    return create_app({**config, "ADMIN_TOKEN": None}).test_client()


def _settings(client: Any, token: str) -> dict[str, Any]:
    response = client.get("/_emulator/settings", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _status(client: Any, token: str) -> int:
    return int(client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code)


ACME = """\
[settings]
string_limit = 100
metadata_overflow = "reject"

[[workspaces]]
name = "Acme"
tokens = ["acme-1", "acme-2"]
[workspaces.settings]
rate_limit_app = 7
metadata_overflow = "ignore"
"""


def test_a_declared_workspace_takes_the_files_settings_and_then_its_own(tmp_path: Path) -> None:
    client = _serve(build(":memory:", (), _write(tmp_path, ACME), {}))
    acme = _settings(client, "acme-1")
    assert acme["string_limit"] == 100  # [settings]
    assert acme["rate_limit_app"] == 7  # its own
    assert acme["metadata_overflow"] == "ignore"  # its own beats [settings]
    assert acme["event_name_limit"] == 120  # the default


def test_setting_flags_win_over_the_file_for_declared_workspaces_too(tmp_path: Path) -> None:
    flags = {"event_name_limit": 9, "rate_limit_app": 8, "string_limit": 50}
    client = _serve(build(":memory:", (), _write(tmp_path, ACME), flags))
    acme = _settings(client, "acme-2")
    assert (acme["event_name_limit"], acme["rate_limit_app"], acme["string_limit"]) == (9, 8, 50)
    other = _settings(client, "a-token-made-on-first-use")
    assert (other["event_name_limit"], other["string_limit"]) == (9, 50)
    assert other["metadata_overflow"] == "reject"  # the file's [settings]


@pytest.mark.parametrize(
    "text", ['tokens = "ci-token"', 'tokens = ["ci-token"]'], ids=["string", "array"]
)
def test_a_string_of_tokens_is_one_token_not_one_per_character(tmp_path: Path, text: str) -> None:
    config = build(":memory:", (), _write(tmp_path, text), {})
    assert config["TOKENS"] == ["ci-token"]
    client = _serve(config)
    assert _status(client, "ci-token") == 200
    assert _status(client, "c") == 401


def test_a_declared_workspace_may_name_its_one_token_as_a_string(tmp_path: Path) -> None:
    text = 'tokens = "ci-token"\n[[workspaces]]\nname = "Solo"\ntokens = "solo-app"\n'
    client = _serve(build(":memory:", (), _write(tmp_path, text), {}))
    assert _settings(client, "solo-app")["string_limit"] == 255
    assert _status(client, "s") == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tokens = 5", "tokens: must be a string or an array of strings, not an integer"),
        ("tokens = []", "tokens: an empty list accepts no token at all"),
        ('tokens = ["a", 5]', "tokens: token #2 must be a non-empty string, not an integer"),
        ('tokens = [""]', "tokens: token #1 must be a non-empty string, not ''"),
        (
            'token = "a"',
            "unknown key 'token' (known: allowed_hosts, max_workspaces, settings, tokens,"
            " webhook_allowed_hosts, workspaces)",
        ),
        (
            "webhook_allowed_hosts = 5",
            "webhook_allowed_hosts: must be an array of host names",
        ),
        ("settings = 5", "settings: must be a table of settings, not an integer"),
        ("[settings]\nevent_name_limit = 0", "settings: 'event_name_limit' must be a positive"),
        ("[settings]\nspeed = 1", "settings: Unknown setting 'speed'"),
        ("workspaces = 5", "workspaces: must be an array of tables ([[workspaces]])"),
        ("workspaces = [5]", "workspaces #1: must be a table ([[workspaces]]), not an integer"),
        ('[[workspaces]]\nname = "A"', "workspaces #1: tokens: missing"),
        ("[[workspaces]]\ntokens = []", "workspaces #1: tokens: an empty list accepts no token"),
        ('[[workspaces]]\ntokens = "a"\nname = 3', "workspaces #1: name: must be a non-empty"),
        ('[[workspaces]]\ntokens = "a"\napps = 2', "workspaces #1: unknown key 'apps'"),
        (
            '[[workspaces]]\ntokens = "a"\n[workspaces.settings]\nrate_limit_app = "x"',
            "workspaces #1: settings: 'rate_limit_app' must be a positive integer",
        ),
        (
            '[[workspaces]]\ntokens = ["a", "b"]\n[[workspaces]]\ntokens = ["c", "b"]',
            "workspaces #2: tokens: 'b' already reaches workspaces #1",
        ),
        ("tokens = [", "is not valid TOML"),
    ],
)
def test_a_file_the_emulator_cannot_use_is_one_line_naming_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, text + "\n")
    result = CliRunner().invoke(main, ["serve", "--db", ":memory:", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {path}"), result.output
    assert expected in result.output
    assert result.output.count("\n") == 1, result.output  # one line, no usage, no traceback


def test_a_file_that_is_not_text_is_one_line_too(tmp_path: Path) -> None:
    path = tmp_path / "emulator.toml"
    path.write_bytes(b"\xff\xfe tokens")
    result = CliRunner().invoke(main, ["serve", "--db", ":memory:", "--config", str(path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "is not valid TOML" in result.output


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = CliRunner().invoke(main, ["serve", "--db", ":memory:", "--config", str(missing)])
    assert result.exit_code == 2
    assert result.output == f"Error: cannot read config file {missing}: No such file or directory\n"
