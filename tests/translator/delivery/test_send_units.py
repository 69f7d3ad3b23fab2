"""Delivery's parts without a network: ordering, the rate gate, retries, reasons, state, files."""

from __future__ import annotations

import io
import json
import random
import threading
import time
from pathlib import Path

import pytest

from translator.core.calls import Call, Reply
from translator.core.settings import settings_for
from translator.delivery import (
    DeadLetterFile,
    Delivery,
    Ingestor,
    RetryPolicy,
    StateMismatch,
    StateStore,
    Target,
    TargetError,
)
from translator.delivery.lines import MAX_DEPTH, read_line
from translator.delivery.ordering import KeyedQueue
from translator.delivery.rate_limit import LONGEST_WAIT, RateGate
from translator.delivery.reasons import refusal_reason
from translator.delivery.retry import FINAL, RATE_LIMITED, RETRY, is_user_not_found, verdict
from translator.delivery.state import NewEvent
from translator.delivery.target import REGION_HOSTS, base_url_for
from translator.delivery.transport import malformed

SEGMENT = settings_for("segment")


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- ordering ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "key"),
    [
        ({"type": "track", "userId": "u-1", "event": "x"}, "user:u-1"),
        ({"type": "identify", "userId": 42, "traits": {"email": "A@B.io"}}, "user:42"),
        ({"type": "identify", "traits": {"email": " A@B.io "}}, "email:a@b.io"),
        ({"type": "identify", "traits": {"userId": "t-1"}}, "user:t-1"),
        (
            {"type": "group", "userId": "u-1", "groupId": "g", "traits": {"email": "c@d.io"}},
            "user:u-1",
        ),
        (
            {"type": "group", "groupId": "g", "context": {"traits": {"email": "c@d.io"}}},
            "email:c@d.io",
        ),
        ({"type": "page", "anonymousId": "anon-7"}, "anonymous:anon-7"),
        ({"type": "track", "event": "x"}, None),
        ({"type": "nonsense"}, None),
    ],
)
def test_ordering_key_names_the_user_as_the_translator_does(event: dict, key: str | None) -> None:
    assert read_line(json.dumps(event), SEGMENT).user_key == key


@pytest.mark.parametrize(
    ("data", "code", "raw"),
    [
        (b"{not json\n", "invalid_json", "{not json"),
        (b'{"event": "caf\xe9"}\n', "invalid_utf8", '{"event": "caf\\xe9"}'),
        (b"[" * 2000 + b"]" * 2000, "nested_too_deep", "[" * 1000),
        (b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "nested_too_deep", '{"a": '),
    ],
)  # fmt: skip
def test_a_line_that_is_no_event_says_why_and_keeps_its_bytes_escaped(
    data: bytes, code: str, raw: str
) -> None:
    line = read_line(data, SEGMENT, 7)
    assert line.problem is not None and line.problem.code == code
    assert "line 7" in line.problem.message
    assert line.raw is not None and line.raw.startswith(raw)
    assert line.user_key is None


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(202, None), None),
        (Reply(200, {"type": "contact"}), None),
        (Reply(404, "<html>no</html>"), None),  # not a success: the retry rules judge it
        (Reply(200, "<html>proxy</html>"), "a 200 whose body is not a JSON object"),
        (Reply(200, None), "a 200 whose body is not a JSON object"),
        (Reply(202, {"type": "event"}), "a 202 with a body"),
    ],
)
def test_a_success_that_is_not_intercoms_answer_is_malformed(
    reply: Reply, problem: str | None
) -> None:
    assert malformed(reply) == problem


def test_keyed_queue_never_hands_out_two_items_of_one_key_at_once() -> None:
    queue: KeyedQueue[str] = KeyedQueue()
    for item in ("a1", "b1", "a2", "a3", "b2"):
        queue.put(item[0], item)
    first, second = queue.take(0), queue.take(0)
    assert {first, second} == {("a", "a1"), ("b", "b1")}
    assert queue.take(0) is None  # both keys busy
    queue.done("a")
    assert queue.take(0) == ("a", "a2")
    assert queue.outstanding == 4


def test_keyed_queue_keeps_each_keys_order_under_many_workers() -> None:
    queue: KeyedQueue[tuple[str, int]] = KeyedQueue()
    for n in range(300):
        key = f"k{n % 7}"
        queue.put(key, (key, n))
    seen: dict[str, list[int]] = {}
    busy: set[str] = set()
    lock = threading.Lock()

    def work() -> None:
        while (taken := queue.take(0.05)) is not None:
            key, (_, n) = taken
            with lock:
                assert key not in busy
                busy.add(key)
                seen.setdefault(key, []).append(n)
            time.sleep(random.random() / 5000)
            with lock:
                busy.discard(key)
            queue.done(key)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(ns) for ns in seen.values()) == 300
    assert all(ns == sorted(ns) for ns in seen.values())


# --- rate gate -----------------------------------------------------------------------------------


def _observe(gate: RateGate, headers: dict[str, str]) -> None:
    gate.acquire()
    gate.release(headers)


def test_gate_waits_for_the_reset_once_the_window_is_spent() -> None:
    clock = FakeClock()
    gate = RateGate(clock=clock)
    _observe(gate, {"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": str(int(clock.now) + 3)})
    gate.acquire()
    gate.acquire()
    waiter = threading.Thread(target=gate.acquire)
    waiter.start()
    time.sleep(0.1)
    assert waiter.is_alive()  # the third request waits for the window's end
    assert gate.waited == pytest.approx(3.25)
    clock.now += 3.3
    waiter.join(2)
    assert not waiter.is_alive()


def _blocks(gate: RateGate) -> threading.Thread:
    """Start an acquire in a thread; it is still waiting a moment later."""
    waiter = threading.Thread(target=gate.acquire, daemon=True)
    waiter.start()
    time.sleep(0.1)
    assert waiter.is_alive()
    return waiter


def test_gate_counts_the_requests_still_in_flight_when_a_reply_reports() -> None:
    clock = FakeClock()
    gate = RateGate(clock=clock)
    reset = str(int(clock.now) + 5)
    for _ in range(3):
        gate.acquire()
    # Three left when the first reply was counted; the two others may not have been yet.
    gate.release({"x-ratelimit-remaining": "3", "x-ratelimit-reset": reset})
    gate.acquire()
    waiter = _blocks(gate)
    clock.now += 5.5
    waiter.join(2)
    assert not waiter.is_alive()


def test_gate_keeps_the_lowest_remaining_a_window_reported() -> None:
    clock = FakeClock()
    gate = RateGate(clock=clock)
    reset = str(int(clock.now) + 5)
    gate.acquire()
    gate.acquire()
    gate.release({"x-ratelimit-remaining": "1", "x-ratelimit-reset": reset})
    gate.release({"x-ratelimit-remaining": "7", "x-ratelimit-reset": reset})  # an older reply
    waiter = _blocks(gate)
    clock.now += 5.5
    waiter.join(2)
    assert gate.pauses == 1


@pytest.mark.parametrize(
    ("headers", "pauses", "waited"),
    [
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1004"}, True, 4.25),
        ({"Retry-After": "2"}, True, 2.0),
        # A 429 that leaves quota is overload: the worker backs off, the gate stays open.
        ({"X-RateLimit-Remaining": "50", "X-RateLimit-Reset": "1004"}, False, 0.0),
        ({}, False, 0.0),
        # A reset far away is clock skew: never wait longer than a window.
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999"}, True, LONGEST_WAIT),
    ],
)
def test_gate_on_429(headers: dict, pauses: bool, waited: float) -> None:
    gate = RateGate(clock=FakeClock())
    assert gate.pause_for_429(headers) is pauses
    assert gate.waited == pytest.approx(waited)


def test_overlapping_pauses_count_once() -> None:
    gate = RateGate(clock=FakeClock())
    gate.pause_for_429({"Retry-After": "3"})
    gate.pause_for_429({"Retry-After": "2"})
    gate.pause_for_429({"Retry-After": "5"})
    assert gate.waited == pytest.approx(5)


# --- retries and reasons -------------------------------------------------------------------------

EVENT = Call("POST", "/events", body={})
CONTACT = Call("POST", "/contacts", body={})
PING = Call("POST", "/messenger/web/ping", body={})


@pytest.mark.parametrize(
    ("status", "expected"),
    [(202, FINAL), (400, FINAL), (404, FINAL), (409, FINAL), (408, RETRY), (500, RETRY),
     (502, RETRY), (503, RETRY), (429, RATE_LIMITED)],
)  # fmt: skip
def test_verdicts(status: int, expected: str) -> None:
    assert verdict(CONTACT, Reply(status)) == expected


def test_only_an_events_404_waits_for_its_user() -> None:
    assert is_user_not_found(EVENT, Reply(404))
    assert not is_user_not_found(CONTACT, Reply(404))
    assert not is_user_not_found(EVENT, Reply(400))


def test_backoff_grows_with_jitter_and_stays_under_the_cap() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8)
    rng = random.Random(3)
    for attempt, step in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        delays = [policy.backoff(attempt, rng) for _ in range(50)]
        assert all(step / 2 <= delay <= step for delay in delays)
        assert len(set(delays)) > 1


def _error(status: int, message: str, code: str = "parameter_invalid") -> Reply:
    return Reply(status, {"type": "error.list", "errors": [{"code": code, "message": message}]})


@pytest.mark.parametrize(
    ("call", "reply", "reason"),
    [
        (EVENT, _error(422, "Cannot have more than 120 active event names"), "event_name_limit"),
        (CONTACT, _error(400, "Custom attribute 'x' does not exist"), "unknown_custom_attribute"),
        (PING, _error(403, "Missing user_hash"), "identity_verification"),
        (CONTACT, _error(403, "Active subscription needed."), "forbidden"),
        (EVENT, _error(404, "User Not Found", "not_found"), "user_not_found"),
        (Call("POST", "/contacts/x/companies"), _error(404, "Company Not Found"), "not_found"),
        (CONTACT, _error(409, "conflict"), "conflict"),
        (CONTACT, _error(400, "bad 'foo' parameter", "bad_request"), "validation_error"),
        (CONTACT, Reply(503, "<html>busy</html>"), "retries_exhausted"),
        (CONTACT, Reply(200, {}), "intercom_error"),
    ],
)  # fmt: skip
def test_refusal_reasons(call: Call, reply: Reply, reason: str) -> None:
    assert refusal_reason(call, reply) == reason


# --- target --------------------------------------------------------------------------------------


def test_target_keeps_its_token_out_of_repr_and_redacts_it() -> None:
    target = Target("http://127.0.0.1:9/", "s3cret-token")
    assert target.base_url == "http://127.0.0.1:9"
    assert "s3cret-token" not in repr(target)
    assert target.redact("boom s3cret-token boom") == "boom [token] boom"


def test_a_short_token_is_redacted_only_where_it_stands_whole() -> None:
    target = Target("http://127.0.0.1:9/", "x")
    text = "Max retries exceeded with url: /events?token=x (Bearer x)"
    assert (
        target.redact(text)
        == "Max retries exceeded with url: /events?token=[token] (Bearer [token])"
    )


@pytest.mark.parametrize("version", ["2.99", "3.0", "1.3", "2.11 "])
def test_a_version_intercom_does_not_have_is_refused_up_front(version: str) -> None:
    with pytest.raises(TargetError, match="no API version"):
        Target("http://127.0.0.1:9/", "token", api_version=version)


@pytest.mark.parametrize(
    ("url", "token"),
    [("ftp://x", "t"), ("127.0.0.1:8000", "t"), ("http://x", ""), ("http://x", " ")],
)
def test_target_refuses_what_it_cannot_use(url: str, token: str) -> None:
    with pytest.raises(TargetError):
        Target(url, token)


@pytest.mark.parametrize(
    ("region", "url"), [*REGION_HOSTS.items(), (None, "http://127.0.0.1:8000")]
)
def test_regions_name_intercoms_hosts(region: str | None, url: str) -> None:
    assert base_url_for(region, None) == url


# --- state, ingestion, dead letters --------------------------------------------------------------


def test_state_counts_and_hands_out_pending_events_in_order(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "s.db")
    state.add([NewEvent(f"user:{n % 2}", f'{{"n": {n}}}', 100 + n, n) for n in range(5)])
    pending = state.pending_after(0, 10)
    assert [p.seq for p in pending] == [1, 2, 3, 4, 5]
    state.mark_started(1)
    state.finish(1, "delivered", None, None)
    state.finish(2, "dead", "validation_error", '{"seq": 2}')
    assert state.counts() == {"pending": 3, "delivered": 1, "skipped": 0, "dead": 1}
    assert [p.seq for p in state.pending_after(2, 10)] == [3, 4, 5]
    assert list(state.dead_letters()) == [(2, '{"seq": 2}')]
    reopened = StateStore(tmp_path / "s.db")
    assert reopened.id == state.id
    assert reopened.counts() == state.counts()


def test_state_refuses_another_target(tmp_path: Path) -> None:
    StateStore(tmp_path / "s.db").bind_target("http://a")
    state = StateStore(tmp_path / "s.db")
    state.bind_target("http://a")
    with pytest.raises(StateMismatch, match="http://a"):
        state.bind_target("http://b")


def _delivery(tmp_path: Path) -> Delivery:
    target = Target("http://127.0.0.1:9", "token")
    return Delivery(
        StateStore(tmp_path / "s.db"), target, SEGMENT, DeadLetterFile(tmp_path / "dead.jsonl")
    )


def _ingest(delivery: Delivery, text: str) -> Ingestor:
    ingestor = Ingestor(io.BytesIO(text.encode()), delivery, clock=lambda: 1234.0)
    ingestor.verify_prefix()
    ingestor.run()
    return ingestor


def test_ingestion_resumes_after_the_lines_taken_in_and_refuses_another_input(
    tmp_path: Path,
) -> None:
    lines = [json.dumps({"type": "track", "userId": f"u{n}", "event": "e"}) for n in range(4)]
    _ingest(_delivery(tmp_path), "\n".join(lines[:2]) + "\n\n")
    grown = _ingest(_delivery(tmp_path), "\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]))
    assert grown.queued == 2
    state = StateStore(tmp_path / "s.db")
    assert [(p.line, p.user_key, p.received_at) for p in state.pending_after(0, 10)] == [
        (1, "user:u0", 1234),
        (2, "user:u1", 1234),
        (4, "user:u2", 1234),
        (5, "user:u3", 1234),
    ]
    with pytest.raises(StateMismatch, match="differ"):
        Ingestor(
            io.StringIO("\n".join(reversed(lines)) + "\n\n"), _delivery(tmp_path)
        ).verify_prefix()
    with pytest.raises(StateMismatch, match="shorter"):
        Ingestor(io.StringIO(lines[0]), _delivery(tmp_path)).verify_prefix()


def test_dead_letter_file_gets_each_record_once_even_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "dead.jsonl"
    letters = DeadLetterFile(path)
    letters.append(json.dumps({"delivery": "d1", "seq": 1}))
    with path.open("a") as handle:
        handle.write('{"delivery": "d1", "se')  # torn by a crash
    records = [
        (1, json.dumps({"delivery": "d1", "seq": 1})),
        (2, json.dumps({"delivery": "d1", "seq": 2})),
    ]
    assert letters.sync("d1", records) == 1
    assert letters.sync("d1", records) == 0
    parsed = []
    for line in path.read_text().splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            continue
    assert [record["seq"] for record in parsed] == [1, 2]
