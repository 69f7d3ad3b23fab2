"""The delivery scenarios, run by ``translator verify`` and by the contract suite
(``contracts/test_delivery_scenarios.py``): one definition for both. Each takes a
``Workspace`` and a scratch directory, returns what it did and raises ``AssertionError`` saying
what went wrong.

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
from collections.abc import Callable
from pathlib import Path

from translator.verify.events import build_scenario, compare_events
from translator.verify.workspace import Workspace, run_translator, translator_command

WORKERS = 4


def send_leaves_exactly_the_expected_data(workspace: Workspace, scratch: Path) -> str:
    """Scenario 1; what it did."""
    users = 12 if workspace.full else 4
    scenario = build_scenario(
        users, 5, f"{workspace.prefix}-s", int(time.time()) - 3600, workspace.names, companies=3
    )
    workspace.created += list(scenario.expected_emails)
    workspace.companies += sorted(set().union(*scenario.expected_companies.values()))
    source = scenario.write(scratch / "events.jsonl")
    result = run_translator(
        workspace.send_args(source, "--workers", str(WORKERS)),
        scratch,
        env={"INTERCOM_TOKEN": workspace.token},
    )
    summary = _summary(result)
    workspace.note_kept(scenario.events, summary)
    assert result.returncode == 0, _failed_send(result)
    assert summary["delivered"] == len(scenario.events), f"delivered {summary['delivered']}"
    reader = workspace.reader()

    def everything_is_there() -> None:
        contacts = reader.contacts_by_external_id()
        for user, email in scenario.expected_emails.items():
            found = contacts.get(user, [])
            assert len(found) == 1, f"{len(found)} contacts with external_id {user}"
            assert found[0]["email"] == email, f"{user}: email {found[0]['email']!r}"
            companies = reader.company_ids_of(found[0]["id"])
            assert companies == scenario.expected_companies[user], f"{user}: {companies}"
            compare_events(scenario.expected_events[user], reader.events(user), (0, 0))

    workspace.settled(everything_is_there)
    return f"{users} users, {len(scenario.events)} events"


def _summary(result: subprocess.CompletedProcess) -> dict:
    """The JSON summary ``send --json`` prints last ({} when it printed none)."""
    try:
        summary = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return summary if isinstance(summary, dict) else {}


def _failed_send(result: subprocess.CompletedProcess) -> str:
    summary = _summary(result)
    if summary.get("stopped"):
        return f"send exited {result.returncode}: stopped: {summary['stopped']}"
    if summary.get("dead_lettered"):
        return f"send exited {result.returncode}: dead letters {summary['dead_lettered']}"
    lines = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
    return f"send exited {result.returncode}: {lines[-1]}"


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
        env={**{k: v for k, v in os.environ.items() if k != "INTERCOM_TOKEN"}, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _finished(state) < count and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    return _finished(state)


def killed_run_resumes_exactly_once(workspace: Workspace, scratch: Path) -> str:
    """Scenario 2; what it did."""
    users, tracks = (30, 10) if workspace.full else (4, 4)
    # Every track without a timestamp: a re-sent one is a duplicate unless it carries the time
    # it was first received.
    scenario = build_scenario(
        users,
        tracks,
        f"{workspace.prefix}-k",
        int(time.time()) - 3600,
        workspace.names,
        untimed_every=1,
    )
    workspace.created += list(scenario.expected_emails)
    scenario.events.insert(3, {"type": "track", "event": "nobody's"})  # a dead letter
    source = scenario.write(scratch / "events.jsonl")
    total = len(scenario.events)
    state = scratch / "events.state.db"
    # Slow events: at the kill the workers wait on POST /events the emulator carries out.
    slow = {"method": "POST", "path": "/events", "latency_ms": 50}
    fault = workspace.add_fault(slow)
    args = workspace.send_args(source, "--workers", str(WORKERS))
    env = {"INTERCOM_TOKEN": workspace.token}
    started = int(time.time())
    try:
        done_at_kill = _kill_after(translator_command(*args), scratch, env, state, total // 3)
        assert 0 < done_at_kill < total, f"the kill did not land mid-run ({done_at_kill})"
        if fault is not None:
            assert "track" in _in_flight(state), "no event was in flight at the kill"
        resumed = run_translator(args, scratch, env=env)
    finally:
        if fault is not None:
            workspace.remove_fault(fault)
    finished = int(time.time())
    summary = _summary(resumed)
    workspace.note_kept(scenario.events, summary)
    assert resumed.returncode == 1, _failed_send(resumed)  # the one dead letter
    totals = {"pending": 0, "delivered": total - 1, "skipped": 0, "dead": 1}
    assert summary["totals"] == totals, f"totals {summary['totals']}, not {totals}"
    dead = (scratch / "events.dead-letters.jsonl").read_text().splitlines()
    lines = [json.loads(line)["line"] for line in dead]
    assert lines == [4], f"dead letters at lines {lines}, not [4]"
    reader = workspace.reader()

    def each_event_once() -> None:
        for user, expected in scenario.expected_events.items():
            compare_events(expected, reader.events(user), (started, finished))

    workspace.settled(each_event_once)
    return (
        f"killed after {done_at_kill} of {total} events; the resumed run sent "
        f"{summary['resent_after_interruption']} in flight at the kill again"
    )


SCENARIOS: dict[str, Callable[[Workspace, Path], str]] = {
    "send leaves exactly the expected data": send_leaves_exactly_the_expected_data,
    "a killed run resumes, each event once": killed_run_resumes_exactly_once,
}
