"""Issue 16 against a real `emulator serve`: no event lost silently, a first migration that works
with the default options, and fewer calls per event.

Each test starts from a fresh workspace (a token of its own) and runs `translator send` as a
user would, then reads back through Intercom's own endpoints and the emulator's request journal.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from bench.streams import mixed_stream
from contracts.delivery_support import IntercomReader, iso, run_translator
from emulator.testing import EmulatorProcess

NOW = int(time.time())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path_factory.mktemp("migration") / "emulator.db") as process:
        yield process


@pytest.fixture
def token() -> str:
    return f"migration-{uuid.uuid4().hex}"


def _send(server: EmulatorProcess, token: str, cwd: Path, *args: str) -> tuple[int, dict]:
    done = run_translator(
        ["send", "events.jsonl", "--base-url", server.url, "--json", "--no-progress", *args],
        cwd,
        env={"INTERCOM_TOKEN": token},
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    return done.returncode, json.loads(lines[-1])


def _write(cwd: Path, events: list[Any]) -> None:
    with (cwd / "events.jsonl").open("ab") as out:
        for event in events:
            out.write(event if isinstance(event, bytes) else json.dumps(event).encode() + b"\n")


def _letters(cwd: Path) -> list[dict]:
    path = cwd / "events.dead-letters.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _journal(server: EmulatorProcess, token: str) -> list[dict]:
    auth = {"Authorization": f"Bearer {token}"}
    response = requests.get(f"{server.url}/_emulator/journal", params={"limit": 1000}, headers=auth)
    return list(reversed(response.json()["data"]))


def _admin(server: EmulatorProcess, token: str, method: str, path: str, body: Any) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    response = requests.request(method, f"{server.url}/_emulator/{path}", json=body, headers=auth)
    assert response.status_code == 200, response.text


def _track(user: str, n: int, name: str = "Clicked") -> dict:
    return {"type": "track", "userId": user, "event": name, "timestamp": iso(NOW - 600 + n)}


def _identify(user: str, **traits: Any) -> dict:
    return {
        "type": "identify",
        "userId": user,
        "traits": {"email": f"{user}@example.com", **traits},
    }


# --- silent loss ----------------------------------------------------------------------------------


def test_a_line_not_utf8_and_a_line_2000_deep_are_dead_lettered_and_the_rest_delivered(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify("bytes-1")])
    _write(tmp_path, [b'{"type": "track", "userId": "bytes-1", "event": "caf\xe9"}\n'])
    _write(tmp_path, [_track("bytes-1", 1)])
    _write(tmp_path, [b"[" * 2000 + b"]" * 2000 + b"\n"])
    _write(tmp_path, [_track("bytes-1", n) for n in range(2, 40)])
    status, summary = _send(server, token, tmp_path)
    assert status == 1
    assert summary["delivered"] == 40
    assert summary["dead_lettered"] == {"invalid_utf8": 1, "nested_too_deep": 1}
    letters = {letter["line"]: letter for letter in _letters(tmp_path)}
    assert sorted(letters) == [2, 4]
    assert letters[2]["raw"].endswith('"caf\\xe9"}')  # the byte, escaped
    assert letters[4]["reason"] == "nested_too_deep" and letters[4]["raw"].startswith("[[[")
    events = IntercomReader(server.url, token).events("bytes-1")
    assert sum(events.values()) == 39


class _Proxy:
    """A proxy in front of the emulator that answers the first ``times`` ``POST /events`` itself
    with a success Intercom never sends (a captive portal's page, a 202 with a body)."""

    def __init__(self, upstream: str, status: int, body: str, times: int) -> None:
        self.upstream, self.status, self.body, self.left = upstream, status, body, times
        self.answered: list[int] = []
        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True)

    def app(self, environ: dict, start_response: Any) -> list[bytes]:
        request = Request(environ)
        if request.method == "POST" and request.path == "/events" and self.left > 0:
            self.left -= 1
            self.answered.append(self.status)
            start_response(f"{self.status} OK", [("Content-Type", "text/html")])
            return [self.body.encode()]
        upstream = requests.request(
            request.method,
            self.upstream + request.full_path.rstrip("?"),
            data=request.get_data(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            timeout=30,
        )
        self.answered.append(upstream.status_code)
        headers = [(k, v) for k, v in upstream.headers.items() if k.lower() in _KEPT_HEADERS]
        start_response(f"{upstream.status_code} X", headers)
        return [upstream.content]

    def __enter__(self) -> _Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.http.shutdown()
        self.thread.join(10)


_KEPT_HEADERS = ("content-type", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, "<html><body>proxy login</body></html>"), (202, '{"queued": true}')],
)
def test_a_success_that_is_not_intercoms_answer_is_tried_again(
    server: EmulatorProcess, token: str, tmp_path: Path, status: int, body: str
) -> None:
    _write(tmp_path, [_identify("html-1"), _track("html-1", 0)])
    with _Proxy(server.url, status, body, times=2) as proxy:
        done = run_translator(
            ["send", "events.jsonl", "--base-url", proxy.url, "--json", "--no-progress"],
            tmp_path,
            env={"INTERCOM_TOKEN": token},
        )
    summary = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 0, done.stdout
    assert summary["delivered"] == 2
    assert summary["retries"] == {"invalid_reply": 2}
    posted = [entry for entry in _journal(server, token) if entry["path"] == "/events"]
    assert [entry["status"] for entry in posted] == [202]  # the proxy answered the first two
    assert proxy.answered[-3:] == [status, status, 202]
    assert IntercomReader(server.url, token).events("html-1") == {("clicked", NOW - 600): 1}


def test_a_group_right_after_its_identify_attaches_the_user_despite_search_lag(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _admin(server, token, "PATCH", "settings", {"search_lag_seconds": 30})
    group = {"type": "group", "userId": "lag-1", "groupId": "lag-co", "traits": {"name": "Lag"}}
    stranger = {**group, "userId": "nobody-1"}
    _write(tmp_path, [_identify("lag-1"), group, stranger])
    status, summary = _send(server, token, tmp_path)
    assert status == 1
    assert summary["delivered"] == 2
    assert summary["dead_lettered"] == {"contact_not_found": 1}
    (letter,) = _letters(tmp_path)
    assert letter["user"] == "user:nobody-1" and "nobody was attached" in letter["message"]
    reader = IntercomReader(server.url, token)
    (contact,) = reader.contacts()
    assert reader.company_ids_of(contact["id"]) == {"lag-co"}


# --- the first migration ------------------------------------------------------------------------


def test_the_defaults_create_the_missing_attributes_once_and_rename_a_company_clash(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    group = {"type": "group", "userId": "attr-0", "groupId": "co-1"}
    _write(tmp_path, [_identify(f"attr-{n}", plan="pro", seq=n) for n in range(5)])
    _write(tmp_path, [{**group, "traits": {"name": "Co", "seq": 7, "tier": "gold"}}])
    status, summary = _send(server, token, tmp_path, "--workers", "1")
    assert status == 0, summary
    assert summary["delivered"] == 6
    created = {(item["model"], item["name"]) for item in summary["created_attributes"]}
    assert created == {
        ("contact", "plan"),
        ("contact", "seq"),
        ("company", "company_seq"),
        ("company", "tier"),
    }
    made = [e for e in _journal(server, token) if e["path"] == "/data_attributes"]
    assert [e["method"] for e in made] == ["GET", "POST", "POST", "POST", "POST"]
    assert summary["details"]["attribute_name_clash"] == 1
    auth = {"Authorization": f"Bearer {token}"}
    company = requests.get(f"{server.url}/companies", params={"company_id": "co-1"}, headers=auth)
    # By company_id Intercom answers the company itself (emulator/description/README.md).
    assert company.json()["custom_attributes"] == {"company_seq": 7, "tier": "gold"}


def test_the_create_policy_asks_for_each_attribute_once_across_runs(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify(f"pol-{n}", plan="pro") for n in range(4)])
    args = ("--unknown-attribute-policy", "create", "--no-create-attributes")
    assert _send(server, token, tmp_path, *args)[0] == 0
    _write(tmp_path, [_identify(f"pol-{n}", plan="team") for n in range(4, 8)])
    assert _send(server, token, tmp_path, *args)[0] == 0
    made = [e for e in _journal(server, token) if e["path"] == "/data_attributes"]
    assert [(e["method"], e["status"]) for e in made] == [("POST", 200)]


def test_a_bulk_failure_names_the_setting_that_fixes_it(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify(f"bulk-{n}", plan="pro") for n in range(12)])
    status, summary = _send(server, token, tmp_path, "--no-create-attributes")
    assert status == 1
    assert summary["dead_lettered"] == {"unknown_custom_attribute": 12}
    (fix,) = summary["hints"]
    assert fix["reason"] == "unknown_custom_attribute" and "--no-create-attributes" in fix["fix"]
    report = run_translator(["report", "events.state.db"], tmp_path)
    assert "unknown_custom_attribute" in report.stdout and "fix:" in report.stdout


def test_report_groups_adjustments_by_reason_with_examples(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    long = {**_identify("rep-1"), "traits": {"email": "rep-1@example.com", "bio": "x" * 300}}
    nested = {**_track("rep-1", 1), "properties": {"cart": {"items": 2}, "sku": "a"}}
    _write(tmp_path, [long, nested, {"type": "page", "userId": "rep-1"}])
    assert _send(server, token, tmp_path)[0] == 0
    done = run_translator(["report", "events.state.db", "--json"], tmp_path)
    report = json.loads(done.stdout)
    reasons = {(item["group"], item["reason"]): item for item in report["reasons"]}
    assert reasons[("detail", "truncated_too_long")]["examples"][0]["line"] == 1
    assert reasons[("detail", "dropped_nested_object")]["examples"][0]["key"] == "cart"
    assert reasons[("skipped", "device_mode_only")]["events"] == 1
    assert report["events"] == {"pending": 0, "delivered": 2, "skipped": 1, "dead": 0}


# --- what else went wrong -------------------------------------------------------------------------


def test_an_unreachable_target_stops_the_run_and_leaves_the_events_pending(tmp_path: Path) -> None:
    _write(tmp_path, [_track(f"down-{n}", n) for n in range(30)])
    done = run_translator(
        ["send", "events.jsonl", "--base-url", "http://127.0.0.1:9", "--token", "x", "--json"],
        tmp_path,
        timeout=120,
    )
    assert done.returncode == 3
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["unreachable"] is True
    assert summary["totals"]["pending"] == 30 and summary["dead_lettered"] == {}
    # A one-letter token redacts only itself, not the letter inside other words.
    assert "[token]" not in summary["stopped"] and "Max" in done.stdout + summary["stopped"]


def test_an_api_version_intercom_does_not_have_is_refused_before_any_call(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_track("v-1", 0)])
    done = run_translator(
        ["send", "events.jsonl", "--base-url", server.url, "--api-version", "2.99"],
        tmp_path,
        env={"INTERCOM_TOKEN": token},
    )
    assert done.returncode == 2 and "2.99" in done.stderr
    assert _journal(server, token) == []


def test_dead_letters_count_every_try_and_retries_count_only_tries_followed_by_another(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify("try-1"), _track("try-1", 0)])
    _admin(server, token, "POST", "faults", {"path": "/events", "status": 500, "times": 3})
    status, summary = _send(server, token, tmp_path, "--max-attempts", "3")
    assert status == 1
    assert summary["retries"] == {"5xx": 2}
    (letter,) = _letters(tmp_path)
    assert letter["attempts"] == 3 and letter["reason"] == "retries_exhausted"


def test_send_dates_untimed_events_with_received_at(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify("rx-1"), {"type": "track", "userId": "rx-1", "event": "Untimed"}])
    moment = NOW - 3600
    assert _send(server, token, tmp_path, "--received-at", iso(moment))[0] == 0
    assert IntercomReader(server.url, token).events("rx-1") == {("untimed", moment): 1}


# --- fewer calls per event ----------------------------------------------------------------------


def test_a_remembered_contact_needs_no_search_and_a_gone_one_is_searched_again(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    _write(tmp_path, [_identify("mem-1", plan="pro"), _identify("mem-1", plan="pro")])
    _write(tmp_path, [_identify("mem-1", plan="team")])
    assert _send(server, token, tmp_path)[0] == 0
    calls = [(e["method"], e["path"].split("/")[1]) for e in _journal(server, token)]
    contact_calls = [call for call in calls if call[1] == "contacts"]
    # search + create, then nothing for the identical identify, then one update
    assert contact_calls == [("POST", "contacts"), ("POST", "contacts"), ("PUT", "contacts")]
    with sqlite3.connect(tmp_path / "events.state.db") as db:
        ((remembered,),) = db.execute("SELECT contact_id FROM contacts").fetchall()
    auth = {"Authorization": f"Bearer {token}"}
    requests.delete(f"{server.url}/contacts/{remembered}", headers=auth).raise_for_status()
    _write(tmp_path, [_identify("mem-1", plan="free")])
    before = len(_journal(server, token))
    assert _send(server, token, tmp_path)[0] == 0
    later = [(e["method"], e["path"], e["status"]) for e in _journal(server, token)[before:]]
    assert [(m, s) for m, _, s in later] == [("PUT", 404), ("POST", 200), ("POST", 200)]
    assert later[1][1] == "/contacts/search"
    (contact,) = IntercomReader(server.url, token).contacts()
    assert contact["custom_attributes"]["plan"] == "free"


def test_a_mixed_stream_is_accounted_for_at_under_1_2_calls_per_delivered_event(
    server: EmulatorProcess, token: str, tmp_path: Path
) -> None:
    lines = list(mixed_stream(1000))
    _write(tmp_path, lines)
    status, summary = _send(server, token, tmp_path)
    assert status == 1  # the malformed lines
    totals = summary["totals"]
    assert totals["pending"] == 0
    assert totals["delivered"] + totals["skipped"] + totals["dead"] == len(lines)
    assert set(summary["dead_lettered"]) <= {
        "invalid_json",
        "invalid_utf8",
        "nested_too_deep",
        "event_name_limit",
    }
    assert summary["calls"] == len(_journal_all(server, token))
    assert summary["calls"] / summary["delivered"] <= 1.2, summary
    tracks = Counter()
    for line in lines:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(event, dict) and event["type"] == "track":
            tracks[event["userId"]] += 1
    reader = IntercomReader(server.url, token)
    for user in sorted(tracks)[:5]:
        assert sum(reader.events(user).values()) == tracks[user]


def _journal_all(server: EmulatorProcess, token: str) -> list[dict]:
    auth = {"Authorization": f"Bearer {token}"}
    params = {"limit": 100_000}
    return requests.get(f"{server.url}/_emulator/journal", params=params, headers=auth).json()[
        "data"
    ]
