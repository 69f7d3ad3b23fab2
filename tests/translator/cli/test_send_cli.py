"""``translator send`` against a running emulator: what it leaves there, what it prints, how it
resumes, and that the token is never shown."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from contracts.delivery_support import (
    IntercomReader,
    build_scenario,
    compare_events,
    iso,
    translator_command,
)
from translator.cli import main

NOW = int(time.time())


def _send(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["send", *args], env=env, input=stdin, catch_exceptions=False)


def _summary(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def token() -> str:
    return f"send-{uuid.uuid4().hex}"


def test_send_leaves_exactly_the_expected_contacts_companies_and_events(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    scenario = build_scenario(12, 4, "user", NOW - 3600, companies=3, untimed_every=4)
    scenario.events += [
        {"type": "page", "userId": "user-0", "name": "Home"},
        {"type": "screen", "userId": "user-1", "name": "Home"},
        {"type": "track", "event": "Nobody"},
    ]
    source = scenario.write(tmp_path / "events.jsonl")
    with source.open("a") as handle:
        handle.write("{this is not json\n")
    # A group right after its user's identify finds no contact while search lags (the group
    # plan then attaches nobody, as it would at Intercom): this test counts deliveries, so the
    # workspace's search lag is off.
    lagless = requests.patch(
        f"{emulator_server.url}/_emulator/settings",
        json={"search_lag_seconds": 0},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert lagless.status_code == 200, lagless.text
    started = int(time.time())
    result = _send(
        [str(source), "--base-url", emulator_server.url, "--token", token, "--json"],
    )
    finished = int(time.time())
    summary = _summary(result)
    assert result.exit_code == 1, result.output  # two dead letters
    assert summary["delivered"] == 12 * 6
    assert summary["skipped"] == {"device_mode_only": 1, "unsupported_call": 1}
    assert summary["dead_lettered"] == {"missing_user_identity": 1, "invalid_json": 1}
    dead_letters = (tmp_path / "events.dead-letters.jsonl").read_text().splitlines()
    letters = [json.loads(line) for line in dead_letters]
    last = len(scenario.events)  # the track naming nobody, then the line that is not JSON
    assert sorted(letter["line"] for letter in letters) == [last, last + 1]

    reader = IntercomReader(emulator_server.url, token)
    contacts = reader.contacts()
    assert sorted((c["external_id"], c["email"]) for c in contacts) == sorted(
        scenario.expected_emails.items()
    )
    for contact in contacts:
        user = contact["external_id"]
        found = reader.events(user)
        compare_events(scenario.expected_events[user], found, (started, finished))
        assert reader.company_ids_of(contact["id"]) == scenario.expected_companies[user]


def test_running_again_delivers_nothing_twice(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    source = build_scenario(3, 3, "again", NOW - 600).write(tmp_path / "events.jsonl")
    args = [str(source), "--base-url", emulator_server.url, "--token", token, "--json"]
    first = _summary(_send(args))
    journal = _journal(emulator_server.url, token)
    second = _send(args)
    assert second.exit_code == 0
    assert first["delivered"] == 12
    assert _summary(second)["delivered"] == 0
    assert _summary(second)["totals"]["delivered"] == 12
    assert _journal(emulator_server.url, token) == journal


def _journal(url: str, token: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.get(f"{url}/_emulator/journal", params={"limit": 1000}, headers=headers)
    return response.json()["data"]


def test_the_token_is_never_printed_even_when_everything_fails(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    events = [
        {"type": "identify", "userId": "u-1", "traits": {"plan": "pro"}},  # unknown attribute
        {"type": "track", "userId": "u-1", "event": "Clicked", "timestamp": "2026-01-01T00:00:00Z"},
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(json.dumps(event) for event in events))
    result = _send(
        [str(source), "--max-attempts", "2", "--no-create-attributes", "-v"],
        env={"INTERCOM_TOKEN": token, "INTERCOM_BASE_URL": emulator_server.url},
    )
    assert result.exit_code == 1
    assert "unknown_custom_attribute" in result.stdout
    assert "dead letter" in result.stderr  # -v logged
    unreachable = _send(
        [str(source), "--state", str(tmp_path / "other.db"), "--max-attempts", "1", "-v"],
        env={"INTERCOM_TOKEN": token, "INTERCOM_BASE_URL": "http://127.0.0.1:9"},
    )
    assert unreachable.exit_code == 3
    assert "unreachable" in unreachable.stdout
    for output in (result.output, unreachable.output):
        assert token not in output
    ours = [path for path in tmp_path.iterdir() if not path.name.startswith("served.db")]
    assert len(ours) >= 4  # input, state files, dead letters
    for path in ours:
        assert token.encode() not in path.read_bytes(), path


def test_a_refused_token_stops_the_run_with_status_2_and_keeps_the_events(tmp_path: Path) -> None:
    from emulator.testing import EmulatorProcess

    source = build_scenario(2, 1, "refused", NOW).write(tmp_path / "events.jsonl")
    with EmulatorProcess(tmp_path / "strict.db", "--token", "the-right-one") as strict:
        result = _send([str(source), "--base-url", strict.url, "--token", "a-wrong-one", "--json"])
    assert result.exit_code == 2
    summary = _summary(result)
    assert "401" in summary["stopped"]
    assert summary["totals"]["pending"] == 4
    assert summary["dead_lettered"] == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "eu", "--base-url", "http://127.0.0.1:1"], "not both"),
        (["--base-url", "http://127.0.0.1:1"], "token"),
        (["--base-url", "ftp://x", "--token", "t"], "http"),
        (["--workers", "0", "--token", "t"], "workers"),
    ],
)
def test_usage_errors_are_one_line_and_status_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("")
    result = _send([str(source), *args], env={"INTERCOM_TOKEN": ""})
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_another_input_with_the_same_state_file_is_refused(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    state = str(tmp_path / "state.db")
    common = ["--base-url", emulator_server.url, "--token", token, "--state", state]
    first = build_scenario(1, 1, "first", NOW).write(tmp_path / "a.jsonl")
    second = build_scenario(1, 1, "second", NOW).write(tmp_path / "b.jsonl")
    assert _send([str(first), *common]).exit_code == 0
    result = _send([str(second), *common])
    assert result.exit_code == 2
    assert "not the same input" in result.stderr


def test_stdin_is_read_and_its_files_go_to_the_working_directory(
    emulator_server: Any, tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = "".join(json.dumps(e) + "\n" for e in build_scenario(2, 2, "stdin", NOW).events)
    result = _send(
        ["-", "--base-url", emulator_server.url, "--token", token, "--json"], stdin=lines
    )
    assert result.exit_code == 0
    assert _summary(result)["delivered"] == 6
    assert (tmp_path / "translator.state.db").exists()
    assert "it/s" not in result.stderr  # no progress bar off a terminal


def test_the_emulators_rate_limit_is_paced_not_hit(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    settings = {"rate_limit_app": 15}
    requests.patch(f"{emulator_server.url}/_emulator/settings", json=settings, headers=headers)
    source = build_scenario(2, 9, "paced", NOW - 600).write(tmp_path / "events.jsonl")
    result = _send([str(source), "--base-url", emulator_server.url, "--token", token, "--json"])
    summary = _summary(result)
    assert result.exit_code == 0
    assert summary["delivered"] == 20
    assert summary["rate_limit_wait_seconds"] > 0
    refused = requests.get(
        f"{emulator_server.url}/_emulator/journal", params={"status": 429}, headers=headers
    ).json()["data"]
    assert refused == []


def _app_id(url: str, token: str) -> str:
    me = requests.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return me.json()["app"]["id_code"]


@pytest.mark.parametrize(("secret", "dead"), [("iv-secret", {}), (None, "identity_verification")])
def test_web_mode_goes_to_the_messenger_and_its_identity_check(
    emulator_server: Any, tmp_path: Path, token: str, secret: str | None, dead: Any
) -> None:
    url = emulator_server.url
    strict = {"identity_verification": "enforced", "identity_verification_secret": "iv-secret"}
    requests.patch(
        f"{url}/_emulator/settings", json=strict, headers={"Authorization": f"Bearer {token}"}
    )
    events = [
        {"type": "identify", "userId": "w-1", "traits": {"email": "w-1@example.com"}},
        {"type": "track", "userId": "w-1", "event": "Opened", "timestamp": iso(NOW - 60)},
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(event) + "\n" for event in events))
    args = [str(source), "--base-url", url, "--token", token, "--json", "--web-mode"]
    args += ["--app-id", _app_id(url, token), "--max-attempts", "1"]
    env = {"INTERCOM_IDENTITY_SECRET": secret or ""}
    summary = _summary(_send(args, env=env))
    if secret:
        assert summary["delivered"] == 2
        reader = IntercomReader(url, token)
        assert reader.contact("w-1")["email"] == "w-1@example.com"
        assert [name for name, _ in reader.events("w-1")] == ["opened"]
    else:
        assert summary["dead_lettered"] == {dead: 2}
        letter = json.loads((tmp_path / "events.dead-letters.jsonl").read_text().splitlines()[0])
        assert letter["status"] == 403
        assert letter["call"]["path"] == "/messenger/web/ping"
        assert letter["call"]["content_type"] == "application/x-www-form-urlencoded"


def _wait_for_delivered(path: Path, count: int, process: subprocess.Popen) -> None:
    """Until the state file says ``count`` events are delivered (the run is under way)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                (done,) = db.execute(
                    "SELECT count(*) FROM events WHERE status = 'delivered'"
                ).fetchone()
        except sqlite3.Error:  # not created yet
            done = 0
        if done >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} events delivered before the deadline")


def test_ctrl_c_stops_cleanly_with_status_130_and_the_next_run_finishes(
    emulator_server: Any, tmp_path: Path, token: str
) -> None:
    url = emulator_server.url
    slow = {"method": "POST", "path": "/events", "latency_ms": 40}
    requests.post(
        f"{url}/_emulator/faults", json=slow, headers={"Authorization": f"Bearer {token}"}
    )
    scenario = build_scenario(6, 20, "ctrl-c", NOW - 600)
    source = scenario.write(tmp_path / "events.jsonl")
    args = ["send", str(source), "--base-url", url, "--json", "--workers", "2"]
    env = {**os.environ, "INTERCOM_TOKEN": token}
    process = subprocess.Popen(
        translator_command(*args), cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    _wait_for_delivered(tmp_path / "events.state.db", 10, process)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)
    stopped = json.loads(stdout.strip().splitlines()[-1])
    assert process.returncode == 130
    assert stopped["stopped"] == "stopped by Ctrl-C"
    assert 0 < stopped["totals"]["pending"] < len(scenario.events)
    again = _send(args[1:], env={"INTERCOM_TOKEN": token})
    assert again.exit_code == 0
    assert _summary(again)["totals"]["delivered"] == len(scenario.events)
