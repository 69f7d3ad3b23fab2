"""`emulator reset`, `emulator seed` and `emulator journal` against a real running server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.testing import EmulatorProcess

SEED_YAML = """\
data_attributes:
  - {name: plan_tier, model: contact, data_type: string}
contacts:
  - {external_id: u1, email: ada@example.com, custom_attributes: {plan_tier: pro}}
  - {external_id: u2, email: bob@example.com}
event_names: [signed-up]
"""


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(":memory:", workers=1) as running:
        yield running


@pytest.fixture
def token() -> str:
    return f"cli-{uuid.uuid4().hex}"


@pytest.fixture
def emulator(server, token):
    """Runs `emulator ARGS` against the server as `token` (through the environment variables)."""

    def run(*args: str):
        env = {"EMULATOR_URL": server.url, "INTERCOM_TOKEN": token}
        return CliRunner().invoke(main, list(args), env=env)

    return run


def count_contacts(server, token) -> int:
    return server.session(token).get(f"{server.url}/contacts").json()["total_count"]


@pytest.mark.parametrize(
    ("name", "text"), [("seed.yaml", SEED_YAML), ("seed.json", None)], ids=["yaml", "json"]
)
def test_seed_loads_a_file_into_the_workspace(emulator, server, token, tmp_path, name, text):
    import yaml

    path = tmp_path / name
    path.write_text(text or json.dumps(yaml.safe_load(SEED_YAML)))
    result = emulator("seed", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == "Seeded: data_attributes 1, contacts 2, event_names 1.\n"
    assert count_contacts(server, token) == 2


def test_seed_with_an_invalid_item_is_a_one_line_error(emulator, server, token, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("contacts:\n  - {email: ada@example.com}\n  - {email: 42}\n")
    result = emulator("seed", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: POST /_emulator/seed: 400 parameter_invalid: contacts[1]: email must be a string"
    ]
    assert count_contacts(server, token) == 0


def test_reset_forgets_the_workspace_data(emulator, server, token, tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(SEED_YAML)
    emulator("seed", str(path))
    result = emulator("reset")
    assert result.exit_code == 0 and result.output.startswith("Reset workspace ")
    assert count_contacts(server, token) == 0


def test_reset_all_is_refused_without_an_admin_token(emulator, server, tmp_path):
    """Every workspace is beyond one token's reach (tests/emulator/test_cli_workspaces.py resets
    them all with the admin token)."""
    other = server.session("someone-else")
    other.post(f"{server.url}/contacts", json={"email": "x@example.com"})
    result = emulator("reset", "--all")
    assert result.exit_code == 1 and "403 forbidden" in result.output
    assert "this server has none: start it with --admin-token" in result.output
    assert count_contacts(server, "someone-else") == 1


def make_requests(server, token) -> None:
    session = server.session(token)
    session.get(f"{server.url}/me")
    session.post(f"{server.url}/contacts", json={"email": 42})
    session.post(f"{server.url}/contacts", json={"email": "ada@example.com"})


def test_journal_prints_a_table_oldest_first(emulator, server, token):
    make_requests(server, token)
    result = emulator("journal")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split() == ["ID", "TIME", "METHOD", "PATH", "STATUS", "VERDICT", "DETAIL"]
    assert [row.split()[2:6] for row in rows] == [
        ["GET", "/me", "200", "accepted"],
        ["POST", "/contacts", "400", "refused"],
        ["POST", "/contacts", "200", "accepted"],
    ]
    assert rows[1].endswith("parameter_invalid: email must be a string")


@pytest.mark.parametrize(
    ("args", "statuses"),
    [
        (["--method", "POST"], [200, 400]),  # newest first
        (["--status", "4xx"], [400]),
        (["--path", "/me"], [200]),
        (["--limit", "1"], [200]),
    ],
)
def test_journal_filters_and_json(emulator, server, token, args, statuses):
    make_requests(server, token)
    result = emulator("journal", "--json", *args)
    assert result.exit_code == 0
    assert [entry["status"] for entry in json.loads(result.output)] == statuses


def test_empty_journal_says_so(emulator):
    assert emulator("journal").output == "No requests in the journal.\n"


@pytest.mark.parametrize("command", [["reset"], ["journal"], ["seed", "-"]])
def test_unreachable_server_is_a_one_line_error(command):
    env = {"EMULATOR_URL": "http://127.0.0.1:9", "INTERCOM_TOKEN": "t"}
    result = CliRunner().invoke(main, command, env=env, input="contacts: []\n")
    assert result.exit_code == 1
    assert result.output == (
        "Error: cannot reach the emulator at http://127.0.0.1:9 (is `emulator serve` running?)\n"
    )


def test_admin_token_is_sent_and_required(tmp_path):
    with EmulatorProcess(":memory:", "--admin-token", "s3cret", workers=1) as guarded:
        env = {"EMULATOR_URL": guarded.url, "INTERCOM_TOKEN": "t"}
        refused = CliRunner().invoke(main, ["reset"], env=env)
        assert refused.exit_code == 1 and "403 forbidden" in refused.output
        allowed = CliRunner().invoke(main, ["reset", "--admin-token", "s3cret"], env=env)
        assert allowed.exit_code == 0, allowed.output


def test_token_is_required():
    result = CliRunner().invoke(main, ["journal"], env={"INTERCOM_TOKEN": None})
    assert result.exit_code == 2 and "Missing option '--token'" in result.output


@pytest.mark.parametrize("command", ["reset", "seed", "journal"])
def test_help_explains_the_connection_options(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    for text in ("--url", "EMULATOR_URL", "--token", "INTERCOM_TOKEN"):
        assert text in result.output
