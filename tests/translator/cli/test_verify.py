"""``intercom-translator verify`` (issue 17, item 4): the contract suite's delivery scenarios
from the package, against a temporary emulator it starts, against a separately started
``emulator serve`` (cleaning up what it made there), failing with the failing row shown when the
target refuses something, and one-line errors for bad options. Every run is the real command
against a real server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from emulator.testing import EmulatorProcess

BIN = Path(sys.executable).parent
ROW = re.compile(r"^(?P<scenario>.+?)\s{2,}(?P<result>pass|FAIL)\s{2,}(?P<reason>.+)$")
SCENARIOS = ("send leaves exactly the expected data", "a killed run resumes, each event once")


def _verify(*args: str, env: dict[str, str] | None = None, name: str = "intercom-translator"):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOM_")}
    return subprocess.run(
        [str(BIN / name), "verify", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**environment, **(env or {})},
    )


def _rows(stdout: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in stdout.splitlines():
        if match := ROW.match(line):
            rows[match["scenario"]] = (match["result"], match["reason"])
    return rows


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


@pytest.fixture
def token() -> str:
    return f"verify-{uuid.uuid4().hex}"


def test_verify_against_a_temporary_emulator_passes_and_stops_it() -> None:
    result = _verify("--against-emulator")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(result.stdout)
    assert list(rows) == list(SCENARIOS)
    assert all(outcome == "pass" for outcome, _ in rows.values()), result.stdout
    assert "2 of 2 scenarios passed" in result.stdout
    url = re.search(r"a temporary emulator at (http://127\.0\.0\.1:\d+)", result.stdout)
    assert url is not None, result.stdout
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url[1]}/_emulator/health", timeout=10)


def test_the_temporary_emulator_stops_when_verify_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no `finally` to run: the kernel's parent-death signal stops the server
    (the temporary directories it leaves go to tmp_path)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INTERCOM_")}
    environment["TMPDIR"] = str(tmp_path)
    process = subprocess.Popen(
        [str(BIN / "intercom-translator"), "verify", "--against-emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        header = process.stdout.readline()
        url = re.search(r"a temporary emulator at (http://127\.0\.0\.1:\d+)", header)
        assert url is not None, header
        assert requests.get(f"{url[1]}/_emulator/health", timeout=30).status_code == 200
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url[1]}/_emulator/health", timeout=5)
        except requests.ConnectionError:
            return
        assert time.monotonic() < deadline, "the temporary emulator outlived verify"
        time.sleep(0.2)


def test_verify_at_a_running_emulator_passes_and_leaves_no_contacts(
    emulator_server: EmulatorProcess, token: str
) -> None:
    """The token from INTERCOM_TOKEN, as the other commands take it; `translator` is the alias."""
    result = _verify(
        "--base-url", emulator_server.url, env={"INTERCOM_TOKEN": token}, name="translator"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(result.stdout)
    assert [outcome for outcome, _ in rows.values()] == ["pass", "pass"], result.stdout
    assert token not in result.stdout + result.stderr
    prefix = re.search(r"namespace (tv-[0-9a-f]{8})", result.stdout)
    assert prefix is not None, result.stdout
    contacts = requests.get(f"{emulator_server.url}/contacts", headers=_auth(token), timeout=30)
    assert contacts.json()["total_count"] == 0
    company = requests.get(
        f"{emulator_server.url}/companies",
        params={"company_id": f"{prefix[1]}-s-co-0"},
        headers=_auth(token),
        timeout=30,
    )
    assert company.status_code == 404, company.text
    faults = requests.get(f"{emulator_server.url}/_emulator/faults", headers=_auth(token))
    assert faults.json()["data"] == []  # the latency rule it added for the kill is gone
    # What Intercom cannot delete is named so it is recognisable, and listed.
    assert "event name 'intercom-translator verify signed up'" in result.stdout
    assert "Cleaned up: 11 contacts and companies deleted." in result.stdout


def test_a_scenario_the_target_fails_makes_the_run_fail_with_its_row(
    emulator_server: EmulatorProcess, token: str
) -> None:
    """The emulator refuses every POST /companies: the groups are dead-lettered, so the first
    scenario fails; the second (no companies) passes; the rule is left as it was."""
    rule = {"method": "POST", "path": "/companies", "status": 422}
    added = requests.post(
        f"{emulator_server.url}/_emulator/faults", json=rule, headers=_auth(token), timeout=30
    )
    assert added.status_code == 200, added.text
    result = _verify("--base-url", emulator_server.url, "--token", token)
    assert result.returncode == 1, result.stdout + result.stderr
    rows = _rows(result.stdout)
    assert rows[SCENARIOS[0]][0] == "FAIL", result.stdout
    assert "dead letters" in rows[SCENARIOS[0]][1]
    assert rows[SCENARIOS[1]][0] == "pass", result.stdout
    assert "1 of 2 scenarios passed" in result.stdout
    faults = requests.get(f"{emulator_server.url}/_emulator/faults", headers=_auth(token))
    assert [f["id"] for f in faults.json()["data"]] == [added.json()["id"]]


def _closed_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "env", "status", "message"),
    [
        (
            ["--region", "eu", "--base-url", "http://127.0.0.1:9"],
            {"INTERCOM_TOKEN": "t"},
            2,
            "Error: give --region or --base-url, not both (see --help)",
        ),
        (
            ["--base-url", "http://127.0.0.1:9"],
            {},
            2,
            "Error: an access token is needed (--token or INTERCOM_TOKEN) (see --help)",
        ),
        (
            ["--against-emulator", "--region", "us"],
            {},
            2,
            "Error: --against-emulator starts its own target: drop --region/--base-url"
            " (see --help)",
        ),
        (["--region", "mars"], {"INTERCOM_TOKEN": "t"}, 2, None),
    ],
)
def test_bad_options_are_one_line_errors(
    args: list[str], env: dict[str, str], status: int, message: str | None
) -> None:
    result = _verify(*args, env=env)
    assert result.returncode == status
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    if message is not None:
        assert result.stderr.strip() == message


def test_an_unreachable_target_is_one_line_and_exit_3() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = _verify("--base-url", url, "--token", "t")
    assert result.returncode == 3
    assert result.stderr == f"Error: cannot reach {url} (ConnectionError)\n"


def test_a_refused_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path / "only.db", "--token", "the-only-token") as server:
        result = _verify("--base-url", server.url, "--token", "another-token")
    assert result.returncode == 2
    assert result.stderr == f"Error: {server.url} refused the token (401)\n"
    assert "another-token" not in result.stdout + result.stderr


def test_help_names_every_option() -> None:
    result = subprocess.run(
        [str(BIN / "intercom-translator"), "verify", "-h"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for option in ("--region", "--base-url", "--token", "--profile", "--against-emulator"):
        assert option in result.stdout
