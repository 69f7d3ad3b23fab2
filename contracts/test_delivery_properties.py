"""Property: any stream of identify, track and group events, delivered by the translator to an
emulator enforcing Intercom's limits strictly (``metadata_overflow = "reject"``), gets every
request accepted, or refused only where the translator said in advance it would be:

- an event the translator rejects is never sent (it reports the reason and dead-letters it);
- the answers the plans expect: a lookup that finds no company (404), a contact created twice
  (409, then an update), a data attribute that exists already (400 on ``POST /data_attributes``);
- an event about a user no delivered identify has created yet (404 "User Not Found").

Every request body is also checked against the description the emulator serves at
``/openapi.json`` when it serves one (``RequestSchemas``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.delivery_support import RequestSchemas
from emulator.testing import EmulatorProcess
from translator.core.calls import Call, Reply
from translator.core.settings import settings_for
from translator.delivery import DeadLetterFile, Delivery, RetryPolicy, StateStore, Target

NOW = int(time.time())
USERS = ("p-1", "p-2", "p-3")
# Attribute names as analytics code writes them. Intercom's data-attribute names allow letters,
# digits, spaces, underscores, hyphens and currency symbols; the translator renames '.' and '$'.
TRAIT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "plan": st.text(max_size=300),
    "seats": st.integers(-(10**12), 10**12),
    "score": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "vip": st.booleans(),
    "trial_ends_at": st.integers(0, 2 * 10**9),
    "address": st.dictionaries(st.sampled_from(["city", "zip"]), st.text(max_size=8), max_size=2),
    "roles": st.lists(st.text(max_size=5), max_size=3),
    "Favourite Colour": st.sampled_from(["red", "", "  blue  "]),
    "odd.key$": st.text(max_size=10),
    "name": st.text(max_size=300),
    "phone": st.text(alphabet="+0123456789 ", max_size=20),
    "createdAt": st.sampled_from(["2024-01-02T03:04:05Z", "not a date", 1_700_000_000_000]),
}
METADATA = st.one_of(
    st.text(max_size=300),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["identify", "identify", "track", "track", "track", "group"]))
    user = draw(st.sampled_from(USERS))
    stamp = datetime.fromtimestamp(NOW - draw(st.integers(0, 86_400)), UTC).isoformat()
    event: dict[str, Any] = {"type": kind, "userId": user, "timestamp": stamp}
    if kind == "identify":
        traits = draw(st.fixed_dictionaries({}, optional=TRAIT_VALUES))
        if draw(st.booleans()):
            traits["email"] = f"{user}@example.com"
        if draw(st.booleans()):
            traits["company"] = {"id": draw(st.sampled_from(["c-1", "c-2"])), "name": "Co"}
        event["traits"] = traits
    elif kind == "track":
        event["event"] = draw(st.sampled_from(["Signed Up", "order.completed", "a$b", "Clicked"]))
        keys = st.sampled_from([f"k{n}" for n in range(8)] + ["revenue", "currency", "x.y"])
        event["properties"] = draw(st.dictionaries(keys, METADATA, max_size=9))
    else:
        event["groupId"] = draw(st.sampled_from(["c-1", "c-2", 42]))
        event["traits"] = {"name": draw(st.text(max_size=20)), "plan": "gold", "employees": 12}
    return event


@pytest.fixture(scope="module")
def strict_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path_factory.mktemp("strict") / "emulator.db") as server:
        yield server


@pytest.fixture(scope="module")
def schemas(strict_emulator: EmulatorProcess) -> RequestSchemas | None:
    return RequestSchemas.load(strict_emulator.url)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=st.lists(events(), min_size=1, max_size=12))
def test_every_request_is_accepted_or_refused_as_announced(
    strict_emulator: EmulatorProcess,
    schemas: RequestSchemas | None,
    tmp_path_factory: pytest.TempPathFactory,
    stream: list[dict[str, Any]],
) -> None:
    token = f"prop-{uuid.uuid4().hex}"
    auth = {"Authorization": f"Bearer {token}"}
    strict = {"metadata_overflow": "reject"}
    patched = requests.patch(f"{strict_emulator.url}/_emulator/settings", json=strict, headers=auth)
    assert patched.status_code == 200
    exchanges: list[tuple[Call, Reply]] = []
    folder = tmp_path_factory.mktemp("run")
    delivery = _delivery(strict_emulator.url, token, folder, exchanges)
    delivery.enqueue([json.dumps(event) for event in stream], NOW)
    delivery.input_finished()
    delivery.start()
    assert delivery.wait(60)
    delivery.stop()

    problems = []
    for call, reply in exchanges:
        if schemas is not None:
            problems += schemas.problems(call.method, call.path, call.content_type, call.body)
        if not reply.ok and not _announced(call, reply):
            problems.append(f"{call.method} {call.path} {call.body} -> {reply.status} {reply.body}")
    assert not problems, "\n".join(problems)
    _check_dead_letters(folder / "dead.jsonl", stream)


def _delivery(url: str, token: str, folder: Path, exchanges: list) -> Delivery:
    return Delivery(
        StateStore(folder / "state.db"),
        Target(url, token),
        settings_for("segment", unknown_attribute_policy="create"),
        DeadLetterFile(folder / "dead.jsonl"),
        workers=2,
        policy=RetryPolicy(max_attempts=3, base_delay=0.01, not_found_attempts=1),
        observer=lambda call, reply: exchanges.append((call, reply)),
    )


def _announced(call: Call, reply: Reply) -> bool:
    """A refusal the plans expect and handle."""
    text = json.dumps(reply.body)
    return (
        (call.method == "GET" and call.path == "/companies" and reply.status == 404)
        or (call.path == "/contacts" and reply.status == 409)
        or (call.path == "/data_attributes" and reply.status == 400 and "already" in text)
        or (call.path == "/events" and reply.status == 404 and "User Not Found" in text)
    )


def _check_dead_letters(path: Path, stream: list[dict[str, Any]]) -> None:
    """Dead letters: the translator's own rejections, or events about users not created yet (a
    track: `user_not_found`; a group, which attaches nobody then: `contact_not_found`)."""
    letters = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    identified: set[str] = set()
    for letter in letters:
        assert letter["stage"] == "translator" or letter["reason"] in (
            "user_not_found",
            "contact_not_found",
        ), letter
    dead = {letter["seq"] for letter in letters}
    for seq, event in enumerate(stream, start=1):
        if event["type"] == "identify" and seq not in dead:
            identified.add(event["userId"])
        if seq in dead and event["type"] in ("track", "group"):
            assert event["userId"] not in identified, f"{event} refused after its identify"
