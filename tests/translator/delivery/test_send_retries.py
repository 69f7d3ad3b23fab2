"""The sender against a small scripted server of this test's own: retries, rate limits, the 409
race, a user not found yet, dead letters, a refused token, and the token kept out of everything."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from translator.core.settings import settings_for
from translator.delivery import DeadLetterFile, Delivery, RetryPolicy, StateStore, Target

TOKEN = "tok-very-secret-1234"
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, not_found_delay=0.05)
NOW = int(time.time())


@dataclass
class Scripted:
    """Answers queued per (method, path); anything unscripted answers like Intercom's success."""

    answers: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict, Any]] = field(default_factory=list)
    rate: tuple[int, int] | None = None  # (limit per 1 s window, used)
    window: int = 0
    refused_429: int = 0

    def script(self, method: str, path: str, *answers: Any) -> None:
        self.answers.setdefault((method, path), []).extend(answers)


def _default(method: str, path: str) -> tuple[Any, int]:
    if path == "/contacts/search":
        return {"type": "list", "data": [], "total_count": 0}, 200
    if path == "/events":
        return None, 202
    if method in ("POST", "PUT") and path.startswith("/contacts"):
        return {"type": "contact", "id": path.split("/")[2] if method == "PUT" else "c-new"}, 200
    return {"type": "company", "id": "co-1"}, 200


def _app(state: Scripted) -> Flask:
    app = Flask(__name__)

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def answer(path: str) -> Any:
        path = "/" + path
        state.seen.append(
            (request.method, path, dict(request.headers), request.get_json(True, True))
        )
        headers = _rate_headers(state)
        if headers.pop("refuse", None):
            state.refused_429 += 1
            return jsonify({"type": "error.list", "errors": []}), 429, headers
        queued = state.answers.get((request.method, path))
        answer = queued.pop(0) if queued else _default(request.method, path)
        if isinstance(answer, float):  # a delay, then the default answer
            time.sleep(answer)
            answer = _default(request.method, path)
        if callable(answer):  # computed when asked: (body, status, headers)
            body, status, extra = answer()
            return ("" if body is None else jsonify(body)), status, {**headers, **extra}
        body, status = answer
        if body is None:
            return "", status, headers
        return jsonify(body), status, headers

    return app


def _rate_headers(state: Scripted) -> dict[str, str]:
    """One-second windows of ``rate[0]`` requests, reported as Intercom does."""
    if state.rate is None:
        return {}
    now = time.time()
    window = int(now)
    limit, used = state.rate
    if window != state.window:
        state.window, used = window, 0
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": str(window + 1)}
    if used >= limit:
        return {**headers, "X-RateLimit-Remaining": "0", "refuse": "yes"}
    state.rate = (limit, used + 1)
    return {**headers, "X-RateLimit-Remaining": str(limit - used - 1)}


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    state = Scripted()
    http = make_server("127.0.0.1", 0, _app(state), threaded=True)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", state
    finally:
        http.shutdown()
        thread.join(5)


def _error(status: int, message: str, code: str = "parameter_invalid") -> tuple[dict, int]:
    return {"type": "error.list", "errors": [{"code": code, "message": message}]}, status


def _run(
    url: str, tmp_path: Path, events: list[dict], workers: int = 2, timeout: float = 5.0
) -> Delivery:
    tmp_path.mkdir(exist_ok=True)
    delivery = Delivery(
        StateStore(tmp_path / "state.db"),
        Target(url, TOKEN, timeout=timeout),
        settings_for("segment"),
        DeadLetterFile(tmp_path / "dead.jsonl"),
        workers=workers,
        policy=FAST,
        seed=7,
    )
    delivery.enqueue([json.dumps(event) for event in events], NOW)
    delivery.input_finished()
    delivery.start()
    assert delivery.wait(30), "the run did not finish"
    delivery.stop()
    return delivery


def _track(user: str = "u-1", n: int = 0) -> dict:
    moment = datetime.fromtimestamp(NOW - 100 + n, UTC).isoformat()
    return {"type": "track", "userId": user, "event": "Clicked", "timestamp": moment}


def _dead(tmp_path: Path) -> list[dict]:
    path = tmp_path / "dead.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("answers", "cause"),
    [
        ([_error(503, "busy", "service_unavailable"), _error(500, "oops", "server_error")], "5xx"),
        ([_error(408, "slow", "request_timeout")], "408"),
        ([_error(429, "overloaded", "rate_limit_exceeded")], "429"),  # no reset named: back off
    ],
)
def test_transient_answers_are_retried_until_accepted(
    server: tuple[str, Scripted], tmp_path: Path, answers: list, cause: str
) -> None:
    url, state = server
    state.script("POST", "/events", *answers)
    delivery = _run(url, tmp_path, [_track()])
    summary = delivery.summary()
    assert summary.delivered == 1
    assert summary.retries == {cause: len(answers)}
    assert [path for _, path, _, _ in state.seen] == ["/events"] * (len(answers) + 1)


def test_a_timeout_is_retried(server: tuple[str, Scripted], tmp_path: Path) -> None:
    url, state = server
    state.script("POST", "/events", 1.0)  # answers after the client gave up
    summary = _run(url, tmp_path, [_track()], timeout=0.3).summary()
    assert summary.delivered == 1
    assert summary.retries == {"timeout": 1}


def test_a_call_failing_every_try_is_dead_lettered_with_its_last_answer(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.script("POST", "/events", *[_error(502, "bad gateway", "server_error")] * 4)
    summary = _run(url, tmp_path, [_track()]).summary()
    assert summary.dead == {"retries_exhausted": 1}
    (letter,) = _dead(tmp_path)
    assert letter["status"] == 502
    assert letter["attempts"] == 4
    assert letter["error"]["errors"][0]["message"] == "bad gateway"


def test_no_server_at_all_stops_the_run_and_leaves_the_events_pending(tmp_path: Path) -> None:
    summary = _run("http://127.0.0.1:9", tmp_path, [_track(n=n) for n in range(5)]).summary()
    assert summary.unreachable and "unreachable" in (summary.stopped or "")
    assert summary.dead == {}
    assert summary.totals["pending"] == 5
    assert not (tmp_path / "dead.jsonl").exists() or _dead(tmp_path) == []


def test_a_429_that_names_its_reset_pauses_until_then(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server

    resets: list[int] = []
    arrivals: list[float] = []

    def window_spent() -> tuple[dict, int, dict[str, str]]:
        resets.append(int(time.time()) + 1)
        body, _ = _error(429, "Exceeded rate limit of 1 in 10_seconds", "rate_limit_exceeded")
        return body, 429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(resets[0])}

    def accepted() -> tuple[None, int, dict[str, str]]:
        arrivals.append(time.time())
        return None, 202, {}

    state.script("POST", "/events", window_spent, accepted)
    summary = _run(url, tmp_path, [_track()]).summary()
    assert summary.delivered == 1
    assert summary.retries == {"429": 1}
    assert summary.rate_limit_pauses == 1
    # The retry came once the window the 429 named had reset (the server's own clock).
    assert arrivals and arrivals[0] >= resets[0]


def test_the_gate_paces_before_the_limit_is_hit(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.rate = (4, 0)
    state.window = int(time.time())
    events = [_track(f"u-{n % 3}", n) for n in range(12)]
    summary = _run(url, tmp_path, events, workers=3).summary()
    assert summary.delivered == 12
    assert state.refused_429 == 0
    assert summary.rate_limit_wait_seconds > 0
    assert summary.rate_limit_pauses >= 2


def test_one_users_events_go_in_order_and_different_users_in_parallel(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    events = []
    for n in range(6):
        for user in ("a", "b", "c"):
            events.append({**_track(user, n), "properties": {"n": n}})
    _run(url, tmp_path, events, workers=3)
    for user in ("a", "b", "c"):
        sent = [body["metadata"]["n"] for _, _, _, body in state.seen if body["user_id"] == user]
        assert sent == list(range(6))


def test_a_409_after_the_search_becomes_an_update(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.script(
        "POST",
        "/contacts",
        _error(409, "A contact matching those details already exists with id=c-77", "conflict"),
    )
    identify = {"type": "identify", "userId": "u-1", "traits": {"email": "a@b.io"}}
    summary = _run(url, tmp_path, [identify]).summary()
    assert summary.delivered == 1
    assert [(m, p) for m, p, _, _ in state.seen] == [
        ("POST", "/contacts/search"),
        ("POST", "/contacts"),
        ("PUT", "/contacts/c-77"),
    ]


def test_an_event_whose_user_is_not_found_yet_is_retried_briefly(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.script("POST", "/events", _error(404, "User Not Found", "not_found"))
    summary = _run(url, tmp_path, [_track()]).summary()
    assert summary.delivered == 1
    assert summary.retries == {"user_not_found": 1}


def test_a_user_never_found_is_dead_lettered_and_their_next_events_do_not_wait(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.script("POST", "/events", *[_error(404, "User Not Found", "not_found")] * 5)
    summary = _run(url, tmp_path, [_track(n=0), _track(n=1), _track(n=2)]).summary()
    assert summary.dead == {"user_not_found": 3}
    assert summary.retries == {"user_not_found": FAST.not_found_attempts - 1}


@pytest.mark.parametrize(
    ("path", "answer", "event", "reason"),
    [
        (
            "/events",
            _error(422, "Cannot have more than 120 active event names", "unprocessable_entity"),
            _track(),
            "event_name_limit",
        ),
        (
            "/contacts",
            _error(400, "Custom attribute 'plan' does not exist"),
            {"type": "identify", "userId": "u-1", "traits": {"plan": "pro"}},
            "unknown_custom_attribute",
        ),
    ],
)
def test_what_intercom_refuses_for_good_is_dead_lettered_with_the_call_and_the_error(
    server: tuple[str, Scripted], tmp_path: Path, path: str, answer: Any, event: dict, reason: str
) -> None:
    url, state = server
    state.script("POST", path, answer)
    summary = _run(url, tmp_path, [event]).summary()
    assert summary.dead == {reason: 1}
    (letter,) = _dead(tmp_path)
    assert letter["reason"] == reason
    assert letter["event"] == event
    assert letter["call"]["path"] == path
    assert letter["status"] == answer[1]
    assert letter["error"] == answer[0]
    assert letter["line"] is None and letter["seq"] == 1


def test_a_refused_token_stops_the_run_and_leaves_events_pending(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    state.script("POST", "/events", _error(401, "Access Token Invalid", "unauthorized"))
    delivery = _run(url, tmp_path, [_track(n=n) for n in range(3)], workers=1)
    summary = delivery.summary()
    assert summary.stopped and "401" in summary.stopped
    assert summary.totals["pending"] == 3
    assert summary.dead == {}


def test_requests_carry_the_token_version_and_json(
    server: tuple[str, Scripted], tmp_path: Path
) -> None:
    url, state = server
    _run(url, tmp_path, [_track()])
    (_, _, headers, body) = state.seen[0]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Intercom-Version"] == "2.11"
    assert headers["Accept"] == "application/json"
    assert body["event_name"] == "Clicked"


def test_the_token_appears_in_no_file_and_no_log(
    server: tuple[str, Scripted], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="translator")
    url, state = server
    state.script("POST", "/events", _error(500, "oops", "server_error"), _error(400, "no", "x"))
    _run(url, tmp_path / "refused", [_track()])
    _run("http://127.0.0.1:9", tmp_path / "unreachable", [_track()])
    assert "retrying" in caplog.text and "dead letter" in caplog.text
    assert TOKEN not in caplog.text
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(files) >= 4
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path
