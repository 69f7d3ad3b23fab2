"""``translator serve``: Segment's tracking API in front of delivery, driven by Segment's own
Python SDK and by hand, against a running emulator."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from segment.analytics.client import Client

from contracts.delivery_support import IntercomReader, translator_command
from translator.core.settings import settings_for
from translator.delivery import DeadLetterFile, Delivery, RetryPolicy, StateStore, Target
from translator.delivery.endpoint import TranslatorServer

FAST = RetryPolicy(max_attempts=50, base_delay=0.05, max_delay=0.2)


@pytest.fixture
def token() -> str:
    return f"serve-{uuid.uuid4().hex}"


def _server(
    emulator_url: str, token: str, tmp_path: Path, write_keys: frozenset[str] | None = None
) -> TranslatorServer:
    delivery = Delivery(
        StateStore(tmp_path / "serve.db"),
        Target(emulator_url, token),
        settings_for("segment"),
        DeadLetterFile(tmp_path / "dead.jsonl"),
        workers=3,
        policy=FAST,
    )
    return TranslatorServer(delivery, write_keys=write_keys)


@pytest.fixture
def served(emulator_server: Any, token: str, tmp_path: Path) -> Iterator[TranslatorServer]:
    # The translator's group right after its identify finds no contact while search lags, and
    # then attaches nobody (as at Intercom): these tests are about serving, so no search lag.
    lagless = requests.patch(
        f"{emulator_server.url}/_emulator/settings",
        json={"search_lag_seconds": 0},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert lagless.status_code == 200, lagless.text
    with _server(emulator_server.url, token, tmp_path) as server:
        yield server


def _drained(server: TranslatorServer, expected: int, timeout: float = 20) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = requests.get(f"{server.url}/health", timeout=5).json()["events"]
        if counts["pending"] == 0 and sum(counts.values()) >= expected:
            return counts
        time.sleep(0.05)
    raise AssertionError(f"not delivered in {timeout} s: {counts}")


def test_segments_python_sdk_sends_unchanged_and_intercom_gets_the_users_and_events(
    served: TranslatorServer, emulator_server: Any, token: str
) -> None:
    client = Client("any-write-key", host=served.url, sync_mode=True)
    client.identify("sdk-1", {"email": "sdk-1@example.com", "name": "Ada"})
    client.track("sdk-1", "Signed Up", {"plan": "pro"})
    client.group("sdk-1", "acme", {"name": "Acme"})
    client.page("sdk-1", "Docs", "Home")
    batching = Client("any-write-key", host=served.url, gzip=True, upload_interval=0.05)
    batching.identify("sdk-2", {"email": "sdk-2@example.com"})
    start = datetime.now(UTC) - timedelta(minutes=5)
    for n in range(5):
        # Seconds apart: Intercom keeps one event per contact, name and second (created_at).
        batching.track("sdk-2", "Clicked", {"n": n}, timestamp=start + timedelta(seconds=n))
    batching.flush()
    batching.join()
    counts = _drained(served, 10)
    assert counts == {"pending": 0, "delivered": 9, "skipped": 1, "dead": 0}
    reader = IntercomReader(emulator_server.url, token)
    contacts = {c["external_id"]: c for c in reader.contacts()}
    assert contacts["sdk-1"]["email"] == "sdk-1@example.com"
    assert contacts["sdk-1"]["name"] == "Ada"
    assert [name for name, _ in reader.events("sdk-1")] == ["signed up"]
    assert reader.company_ids_of(contacts["sdk-1"]["id"]) == {"acme"}
    clicks = reader.events("sdk-2")
    expected = {("clicked", int(start.timestamp()) + n) for n in range(5)}
    assert clicks == dict.fromkeys(expected, 1)


def test_a_batch_shares_its_context_and_keeps_the_write_key_out_of_the_queue(
    served: TranslatorServer, tmp_path: Path
) -> None:
    body = {
        "writeKey": "wk-secret",
        "context": {"ip": "10.0.0.1", "traits": {"email": "b@example.com"}},
        "batch": [
            {"type": "identify", "userId": "b-1", "traits": {"name": "B"}},
            {"type": "track", "userId": "b-1", "event": "X", "context": {"ip": "10.0.0.2"}},
        ],
    }
    response = requests.post(
        f"{served.url}/v1/batch",
        data=gzip.compress(json.dumps(body).encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json() == {"success": True}
    _drained(served, 2)
    rows = _state_bodies(tmp_path / "serve.db")
    assert [row["context"]["ip"] for row in rows] == ["10.0.0.1", "10.0.0.2"]
    assert rows[1]["context"]["traits"] == {"email": "b@example.com"}
    assert all("writeKey" not in row and row["receivedAt"] for row in rows)


def test_a_bad_message_is_reported_and_dead_lettered_and_the_good_ones_go_on(
    served: TranslatorServer, emulator_server: Any, token: str, tmp_path: Path
) -> None:
    # A lone surrogate is valid JSON text ("\\ud800") but no Unicode text: before, the whole
    # batch answered 500 and nothing of it was queued.
    moment = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    body = (
        '{"batch": ['
        '{"type": "identify", "userId": "ok-1", "traits": {"email": "ok-1@example.com"}},'
        '{"type": "track", "userId": "ok-1", "event": "bad \\ud800 name"},'
        "7,"
        + '{"type": "track", "userId": "ok-1", "event": "deep", "properties": '
        + '{"a": ' * 150
        + "1"
        + "}" * 151
        + ","
        f'{{"type": "track", "userId": "ok-1", "event": "Fine", "timestamp": "{moment}"}}'
        "]}"
    )
    response = requests.post(f"{served.url}/v1/batch", data=body.encode(), timeout=5)
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is True
    assert [(item["index"], item["code"]) for item in answer["rejected"]] == [
        (1, "invalid_utf8"),
        (2, "invalid_request"),
        (3, "nested_too_deep"),
    ]
    counts = _drained(served, 5)
    assert counts == {"pending": 0, "delivered": 2, "skipped": 0, "dead": 3}
    letters = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    reasons = sorted(letter["reason"] for letter in letters)
    assert reasons == ["invalid_request", "invalid_utf8", "nested_too_deep"]
    assert any("\\ud800" in (letter["raw"] or "") for letter in letters)
    reader = IntercomReader(emulator_server.url, token)
    assert [name for name, _ in reader.events("ok-1")] == ["fine"]


def _wait_until_finished(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if StateStore(path).counts()["pending"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("the event was not sent before the deadline")


def _state_bodies(path: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return [json.loads(body) for (body,) in db.execute("SELECT body FROM events ORDER BY seq")]


def _gzip_bomb() -> bytes:
    """Small on the wire, 5 MB once decompressed."""
    return gzip.compress(b'{"batch": [' + b" " * 5_000_000 + b"]}")


@pytest.mark.parametrize(
    ("path", "data", "headers", "status", "code"),
    [
        ("/v1/track", b"{nope", {}, 400, "invalid_json"),
        ("/v1/track", b"[1, 2]", {}, 400, "invalid_request"),
        ("/v1/batch", b'{"batch": 3}', {}, 400, "invalid_request"),
        ("/v1/nothing", b"{}", {}, 404, "not_found"),
        ("/v1/track", b"not gzip", {"Content-Encoding": "gzip"}, 400, "invalid_request"),
        ("/v1/track", b"{}" + b" " * 600_000, {}, 413, "payload_too_large"),
        ("/v1/batch", _gzip_bomb(), {"Content-Encoding": "gzip"}, 413, "payload_too_large"),
    ],
)
def test_bad_requests_are_refused_in_segments_error_shape(
    served: TranslatorServer, path: str, data: bytes, headers: dict, status: int, code: str
) -> None:
    response = requests.post(served.url + path, data=data, headers=headers, timeout=5)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["success"] is False
    assert served.delivery.state.counts()["pending"] == 0


def test_only_the_configured_write_keys_are_accepted(
    emulator_server: Any, token: str, tmp_path: Path
) -> None:
    with _server(emulator_server.url, token, tmp_path, frozenset({"good"})) as server:
        event = {"userId": "k-1", "event": "X"}
        refused = requests.post(f"{server.url}/v1/track", json=event, auth=("bad", ""), timeout=5)
        accepted = requests.post(f"{server.url}/v1/track", json=event, auth=("good", ""), timeout=5)
        in_body = requests.post(f"{server.url}/v1/track", json={**event, "writeKey": "good"})
        assert (refused.status_code, accepted.status_code, in_body.status_code) == (401, 200, 200)
        assert refused.json()["code"] == "unauthorized"


def test_acknowledged_events_survive_a_failing_intercom_and_a_restart(
    emulator_server: Any, token: str, tmp_path: Path
) -> None:
    faults = f"{emulator_server.url}/_emulator/faults"
    auth = {"Authorization": f"Bearer {token}"}
    requests.post(faults, json={"path": "/*", "status": 503}, headers=auth, timeout=5)
    server = _server(emulator_server.url, token, tmp_path).start()
    client = Client("wk", host=server.url, sync_mode=True)
    client.identify("r-1", {"email": "r-1@example.com"})
    client.track("r-1", "Retried")
    assert server.delivery.state.counts()["pending"] == 2  # acknowledged = in the state file
    server.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith(("delivery-", "translator-"))]
    assert StateStore(tmp_path / "serve.db").counts()["pending"] == 2
    requests.delete(faults, headers=auth, timeout=5)
    with _server(emulator_server.url, token, tmp_path) as restarted:
        assert _drained(restarted, 2)["delivered"] == 2
    assert [name for name, _ in IntercomReader(emulator_server.url, token).events("r-1")] == [
        "retried"
    ]


def test_the_serve_command_answers_and_stops_cleanly_on_sigterm(
    emulator_server: Any, token: str, tmp_path: Path
) -> None:
    command = translator_command(
        "serve", "--port", "0", "--base-url", emulator_server.url, "--state", "s.db"
    )
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"INTERCOM_TOKEN": token, "PATH": "/usr/bin:/bin"},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        url = line.split("ready on ")[1].split(",")[0]
        Client("wk", host=url, sync_mode=True).track("cli-1", "Hello")
        # The request is acknowledged once queued; wait until the event is sent, then stop.
        _wait_until_finished(tmp_path / "s.db")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "stopped by SIGTERM" in stderr
    assert token not in stderr + line
