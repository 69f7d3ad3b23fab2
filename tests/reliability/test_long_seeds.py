"""A long seed holds neither other workspaces' writes nor its own promise: all of it, or nothing.

Issue 13 found a 1 MiB seed holding the global write lock for 9.1 s. A seed now commits in
chunks of about 0.1 s (emulator.store.seed_chunks), so other workspaces' writes take their turn
between chunks, while the seeded workspace's own other requests are answered 503 until the seed
is whole (or wholly undone).

Conditions, not timings: the other workspace's writes are all answered while the seed request
is still in flight (the seed is the largest body the server accepts, thousands of items, so it
outlasts them by far), each within the issue's 1 s (its request timeout).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from emulator.limits import MAX_BODY_BYTES
from emulator.testing import EmulatorProcess

VICTIM_TIMEOUT = 1  # the "answered within 1 s", as the request's own timeout
VICTIM_WRITES = 5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path / "seeds.db") as running:
        yield running


def _body(count: int, failing: bool) -> bytes:
    """A seed of `count` contacts, each with an event; a refused event at the very end when
    `failing` (no contact has that user_id)."""
    contacts = [{"external_id": f"u{i}", "email": f"user{i}@example.com"} for i in range(count)]
    events = [
        {"event_name": "seeded", "user_id": f"u{i}", "created_at": 1_700_000_000}
        for i in range(count)
    ]
    if failing:
        events.append({"event_name": "seeded", "user_id": "nobody", "created_at": 1_700_000_000})
    return json.dumps({"contacts": contacts, "events": events}).encode()


def _document(failing: bool) -> tuple[bytes, int]:
    """The largest such seed the server accepts, and how many contacts it holds."""
    low, high = 1, 2
    while len(_body(high, failing)) <= MAX_BODY_BYTES:
        low, high = high, high * 2
    while high - low > 1:  # the body of `low` fits, that of `high` does not
        middle = (low + high) // 2
        low, high = (
            (middle, high) if len(_body(middle, failing)) <= MAX_BODY_BYTES else (low, middle)
        )
    return _body(low, failing), low


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


class _Seeding:
    """A seed posted from a thread; `answer` once the server answered it."""

    def __init__(self, server: EmulatorProcess, token: str, body: bytes) -> None:
        self.answer: requests.Response | None = None
        session = server.session(token)
        url = f"{server.url}/_emulator/seed"
        headers = {"Content-Type": "application/json"}

        def post() -> None:
            self.answer = session.post(url, data=body, headers=headers, timeout=600)

        self.thread = threading.Thread(target=post)
        self.thread.start()

    def in_flight(self) -> bool:
        return self.thread.is_alive()


def _under_way(server: EmulatorProcess, token: str, seeding: _Seeding) -> Callable[[], bool]:
    """True once the seed's first chunk is committed: its workspace answers 503, being seeded.
    A seed answered before that fails the test with its answer."""
    session = server.session(token)

    def check() -> bool:
        answer = session.get(f"{server.url}/contacts", timeout=30)
        if answer.status_code == 503 and "being seeded" in answer.text:
            return True
        if not seeding.in_flight():
            done = seeding.answer
            pytest.fail(
                "the seed was answered before it was seen under way: "
                + (f"{done.status_code} {done.text[:300]}" if done is not None else "no answer")
                + f"; its workspace answered {answer.status_code} {answer.text[:200]}"
            )
        return False

    return check


def _victim_writes(server: EmulatorProcess, token: str) -> None:
    victim = server.session(token)
    for index in range(VICTIM_WRITES):
        created = victim.post(
            f"{server.url}/contacts",
            json={"email": f"victim{index}@example.com"},
            timeout=VICTIM_TIMEOUT,
        )
        assert created.status_code == 200


def _own_request_refused(server: EmulatorProcess, token: str) -> None:
    """The seeded workspace's other requests see none of a seed in progress: 503, never part."""
    answer = server.session(token).get(f"{server.url}/contacts", timeout=30)
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["code"] == "server_error"


def test_a_long_seed_leaves_other_workspaces_writes_answered(server: EmulatorProcess) -> None:
    body, count = _document(failing=False)
    seeding = _Seeding(server, "seed-a", body)
    _wait_until(_under_way(server, "seed-a", seeding))
    _victim_writes(server, "seed-b")
    _own_request_refused(server, "seed-a")
    assert seeding.in_flight()  # all of that while the seed was still being applied
    seeding.thread.join()
    assert seeding.answer is not None and seeding.answer.status_code == 200
    assert seeding.answer.json()["created"] == {"contacts": count, "events": count}
    seeded = server.session("seed-a").get(f"{server.url}/contacts", timeout=30).json()
    assert seeded["total_count"] == count
    victim = server.session("seed-b").get(f"{server.url}/contacts", timeout=30).json()
    assert victim["total_count"] == VICTIM_WRITES


def test_a_long_seed_refused_at_its_last_item_leaves_nothing(server: EmulatorProcess) -> None:
    body, count = _document(failing=True)
    before = server.session("seed-c").get(f"{server.url}/_emulator/event_names", timeout=30)
    assert before.json()["data"] == []
    seeding = _Seeding(server, "seed-c", body)
    _wait_until(_under_way(server, "seed-c", seeding))
    _victim_writes(server, "seed-d")
    assert seeding.in_flight()
    seeding.thread.join()
    assert seeding.answer is not None and seeding.answer.status_code == 400
    error = seeding.answer.json()["errors"][0]
    assert error["field"].startswith(f"events[{count}]")
    # Every committed chunk was undone: the workspace is as it was, and answers again.
    seeded = server.session("seed-c")
    assert seeded.get(f"{server.url}/contacts", timeout=30).json()["total_count"] == 0
    after = seeded.get(f"{server.url}/_emulator/event_names", timeout=30).json()
    assert after["data"] == []
    found = seeded.post(
        f"{server.url}/contacts/search",
        json={"query": {"field": "email", "operator": "=", "value": "user0@example.com"}},
        timeout=30,
    )
    assert found.json()["total_count"] == 0
    victim = server.session("seed-d").get(f"{server.url}/contacts", timeout=30).json()
    assert victim["total_count"] == VICTIM_WRITES
