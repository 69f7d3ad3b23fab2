"""Delivery scenarios that run against the emulator, and against real Intercom with
``pytest contracts -m intercom`` when ``INTERCOM_TOKEN`` is set (never in CI: without both, the
Intercom runs are skipped).

1. ``translator send`` on identify/track/group events of many users leaves exactly the expected
   contacts, companies, attachments and events.
2. ``translator send`` killed with SIGKILL mid-run, then run again with the same state file:
   every event lands exactly once, including events without a timestamp (dated by the time they
   were first received, kept in the state file, so a re-sent one is the same event to Intercom).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.delivery_support import (
    Workspace,
    build_scenario,
    compare_events,
    intercom_workspace,
    run_translator,
    translator_command,
)
from emulator.testing import EmulatorProcess

WORKERS = 4


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    # A group right after its user's identify finds no contact while search lags, and the
    # translator then attaches nobody (as it would at Intercom, whose search lags minutes):
    # these scenarios check delivery, so the emulator's search lag is off.
    with EmulatorProcess(":memory:", "--search-lag-seconds", "0", workers=WORKERS) as server:
        yield server


@pytest.fixture(params=["emulator", pytest.param("intercom", marks=pytest.mark.intercom)])
def workspace(request: pytest.FixtureRequest) -> Iterator[Workspace]:
    if request.param == "emulator":
        server = request.getfixturevalue("emulator")
        yield Workspace("emulator", server.url, f"scenario-{uuid.uuid4().hex}")
        return
    real = intercom_workspace(request.config)
    if real is None:
        pytest.skip("real Intercom: run `pytest contracts -m intercom` with INTERCOM_TOKEN set")
    try:
        yield real
    finally:
        real.clean_up()


def _send(workspace: Workspace, source: Path, *extra: str) -> list[str]:
    return ["send", str(source), "--base-url", workspace.url, "--json", *extra]


def test_send_leaves_exactly_the_expected_contacts_companies_and_events(
    workspace: Workspace, tmp_path: Path
) -> None:
    prefix = f"sc-{uuid.uuid4().hex[:8]}"
    users = 12 if workspace.is_emulator else 4
    scenario = build_scenario(
        users, 5, prefix, int(time.time()) - 3600, workspace.names, companies=3
    )
    workspace.created += list(scenario.expected_emails)
    source = scenario.write(tmp_path / "events.jsonl")
    result = run_translator(
        _send(workspace, source, "--workers", str(WORKERS)),
        tmp_path,
        env={"INTERCOM_TOKEN": workspace.token},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["delivered"] == len(scenario.events)
    reader = workspace.reader()

    def everything_is_there() -> None:
        for user, email in scenario.expected_emails.items():
            contact = reader.contact(user)
            assert contact is not None and contact["email"] == email, user
            assert reader.company_ids_of(contact["id"]) == scenario.expected_companies[user]
            compare_events(scenario.expected_events[user], reader.events(user), (0, 0))

    workspace.settled(everything_is_there)


def _finished(state: Path) -> int:
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT count(*) FROM events WHERE status != 'pending'").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def _in_flight(state: Path) -> list[str]:
    """The types of the events a run had started and not finished."""
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as db:
        rows = db.execute(
            "SELECT body FROM events WHERE status = 'pending' AND attempts > 0"
        ).fetchall()
    return [json.loads(body).get("type") for (body,) in rows]


def _kill_after(command: list[str], cwd: Path, env: dict, state: Path, count: int) -> int:
    """Start ``command``, SIGKILL it once ``count`` events are finished; how many were."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _finished(state) < count and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    return _finished(state)


def test_a_run_killed_mid_way_resumes_and_delivers_every_event_exactly_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    users, tracks = (30, 10) if workspace.is_emulator else (4, 4)
    # Every track without a timestamp: a re-sent one is a duplicate unless it carries the time
    # it was first received.
    prefix = f"k-{uuid.uuid4().hex[:8]}"
    scenario = build_scenario(
        users, tracks, prefix, int(time.time()) - 3600, workspace.names, untimed_every=1
    )
    workspace.created += list(scenario.expected_emails)
    scenario.events.insert(3, {"type": "track", "event": "nobody's"})  # a dead letter
    source = scenario.write(tmp_path / "events.jsonl")
    total = len(scenario.events)
    state = tmp_path / "events.state.db"
    if workspace.is_emulator:
        # Slow events: at the kill the workers wait on POST /events the emulator carries out.
        workspace.add_fault({"method": "POST", "path": "/events", "latency_ms": 50})
    args = _send(workspace, source, "--workers", str(WORKERS))
    env = {"INTERCOM_TOKEN": workspace.token}
    started = int(time.time())
    done_at_kill = _kill_after(translator_command(*args), tmp_path, env, state, total // 3)
    assert 0 < done_at_kill < total, "the kill did not land mid-run"
    if workspace.is_emulator:
        assert "track" in _in_flight(state), "no event was in flight at the kill"

    resumed = run_translator(args, tmp_path, env=env)
    finished = int(time.time())
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert resumed.returncode == 1, resumed.stderr  # the one dead letter
    assert summary["totals"] == {"pending": 0, "delivered": total - 1, "skipped": 0, "dead": 1}
    dead = (tmp_path / "events.dead-letters.jsonl").read_text().splitlines()
    assert [json.loads(line)["line"] for line in dead] == [4]
    reader = workspace.reader()

    def each_event_once() -> None:
        for user, expected in scenario.expected_events.items():
            compare_events(expected, reader.events(user), (started, finished))

    workspace.settled(each_event_once)
    print(
        f"\nkilled after {done_at_kill} of {total} events; the resumed run sent "
        f"{summary['resent_after_interruption']} in flight at the kill again"
    )
