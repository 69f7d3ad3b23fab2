"""Property: the requests ``translator send`` makes to a real ``emulator serve`` are the calls
``translator plan`` shows for the same events and options, in the same order, and the events
``plan`` says fail are the ones ``send`` dead-letters, for the same reason.

``plan`` drives a stream through the run memory ``send`` uses (contact ids, bodies already
written, data attributes read and created) against dry-run answers for a fresh workspace (a
fresh one per example): every user and company is new, a user's tracks follow its identify, and
a group names a user identified earlier, one never identified, or nobody. A group naming a user
never identified attaches nobody: on 2.x ``send`` searches again after its waits and then
dead-letters it ``contact_not_found`` (exit 1), and ``plan`` shows those searches and that
outcome; on 1.4 the attach is a user upsert that creates the user. Real ids in the emulator's
journal are mapped back to the plan's placeholders, which name their object
(``<contact_id:u1>``, ``<company_id:g1>``).
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from contracts.delivery_support import TRANSLATOR
from emulator.testing import EmulatorProcess

NOW = int(time.time())
TRAITS: dict[str, st.SearchStrategy[Any]] = {
    "plan": st.sampled_from(["pro", "free", ""]),
    "seats": st.integers(0, 500),
    "vip": st.booleans(),
    "address": st.fixed_dictionaries({"city": st.sampled_from(["Cork", "Lyon"])}),
    "firstName": st.sampled_from(["Ada", "Grace"]),
    "lastName": st.just("Lovelace"),
    "birthday": st.sampled_from(["1990-05-01", "2014", "2014-05"]),
    "ownerId": st.just("8"),
}
# One type per key, as a workspace's attributes and metadata have (a plan cannot know them).
# No key shared with TRAITS: on 1.4 a company attribute named like a people attribute is
# refused when made on the fly, which a plan cannot foresee (what Intercom 1.4 did is
# UNCONFIRMED); the 2.x rename of such a clash is tested in test_delivery_migration.py.
GROUP_TRAITS = {"tier": st.sampled_from(["gold", "silver"]), "licences": st.integers(1, 50)}
PROPERTIES = st.fixed_dictionaries(
    {},
    optional={
        "k1": st.integers(0, 1000),
        "k2": st.sampled_from(["x", "y"]),
        "revenue": st.integers(0, 1000),
        "currency": st.sampled_from(["EUR", "usd"]),
        "flag": st.booleans(),
        "shippedOn": st.just("2018-03-27"),
        "nested": st.fixed_dictionaries({"a": st.integers(0, 9)}),
    },
)


def _stamp(draw: st.DrawFn) -> str:
    return datetime.fromtimestamp(NOW - draw(st.integers(60, 86_400)), UTC).isoformat()


@st.composite
def user_events(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    """One user's events: an identify and its tracks (and maybe a group of that user), or a
    group naming a user Intercom lacks (``u<n>-stranger``) or nobody."""
    user = f"u{n}"
    if draw(st.integers(0, 3)) == 0:
        group = _group(draw, n)
        if draw(st.booleans()):
            group["userId"] = f"{user}-stranger"
        return [group]
    traits = draw(st.fixed_dictionaries({}, optional=TRAITS))
    traits["email"] = f"{user}@example.com"
    if draw(st.booleans()):
        company = {"id": f"c{n}", "name": f"Co {n}"}
        traits["company"] = {**company, "remove": True} if draw(st.booleans()) else company
    identify = {"type": "identify", "userId": user, "timestamp": _stamp(draw), "traits": traits}
    if draw(st.booleans()):
        identify["context"] = {"ip": "10.0.0.1", "active": draw(st.booleans())}
    tracks = [
        {
            "type": "track",
            "userId": user,
            "event": draw(st.sampled_from(["Signed Up", "order.completed", "Clicked"])),
            "timestamp": _stamp(draw),
            "properties": draw(PROPERTIES),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    skipped = {"type": "track", "userId": user, "event": "Noise", "integrations": {"All": False}}
    groups = [{**_group(draw, n), "userId": user}] if draw(st.booleans()) else []
    return [identify, *tracks, *groups, *([skipped] if draw(st.booleans()) else [])]


def _group(draw: st.DrawFn, n: int) -> dict[str, Any]:
    # A custom trait on every version: 2.x creates the company attribute first, 1.4 made it on
    # the fly (the emulator's 1.4 POST /companies does too).
    traits = {"name": f"Co {n}", "employees": draw(st.integers(1, 99))}
    return {
        "type": "group",
        "groupId": f"g{n}",
        "timestamp": _stamp(draw),
        "traits": {**traits, **draw(st.fixed_dictionaries({}, optional=GROUP_TRAITS))},
    }


def contact_not_found_expected(stream: list[dict[str, Any]], version: str) -> set[int]:
    """The events ``send`` must dead-letter ``contact_not_found``: on 2.x, the groups naming a
    user never identified (1.4 attaches by a user upsert, which creates the user)."""
    if version == "1.4":
        return set()
    return {
        index
        for index, event in enumerate(stream)
        if event["type"] == "group" and str(event.get("userId", "")).endswith("-stranger")
    }


@st.composite
def streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    users = draw(st.integers(1, 4))
    return [event for n in range(users) for event in draw(user_events(n))]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path_factory.mktemp("agree") / "emulator.db") as server:
        yield server


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    # No shrinking (minutes against real servers): a failure prints its whole stream.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stream=streams(),
    profile=st.sampled_from(["segment", "rudderstack"]),
    version=st.sampled_from(["2.11", "1.4"]),
)
def test_send_makes_the_calls_plan_shows_in_order(
    emulator: EmulatorProcess,
    tmp_path: Path,
    stream: list[dict[str, Any]],
    profile: str,
    version: str,
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    events = folder / "events.jsonl"
    events.write_text("".join(json.dumps(event) + "\n" for event in stream), encoding="utf-8")
    options = [
        f"--profile={profile}",
        f"--api-version={version}",
        "--unknown-attribute-policy=create",
    ]
    planned, failed = _planned(events, options)
    expected = contact_not_found_expected(stream, version)
    assert failed == dict.fromkeys(expected, "contact_not_found"), failed
    token = f"agree-{uuid.uuid4().hex}"
    dead = folder / "dead.jsonl"
    sent = subprocess.run(
        [
            *TRANSLATOR,
            "send",
            str(events),
            *options,
            f"--base-url={emulator.url}",
            f"--token={token}",
            "--workers=1",
            f"--state={folder / 'state.db'}",
            f"--dead-letter={dead}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sent.returncode == (1 if expected else 0), sent.stdout + sent.stderr
    letters = [json.loads(line) for line in dead.read_text().splitlines()] if expected else []
    assert {letter["line"] - 1: letter["reason"] for letter in letters} == failed
    _assert_same_calls(_journal(emulator.url, token), planned, stream)


def _assert_same_calls(journal: list[tuple], planned: dict[int, list[tuple]], stream) -> None:
    """The journal is the planned calls, event by event (one worker: an event's calls are
    consecutive), each user's events in the order given; different users may interleave."""
    remaining = dict(planned)
    order: list[int] = []
    position = 0
    while position < len(journal):
        index = next(
            (
                index
                for index, calls in sorted(remaining.items())
                if calls and journal[position : position + len(calls)] == calls
            ),
            None,
        )
        assert index is not None, (
            f"request {position} was planned for no event: {journal[position]}\n"
            f"stream: {json.dumps(stream)}\n"
            f"planned: {json.dumps(remaining, default=str, indent=1)}"
        )
        position += len(remaining.pop(index))
        order.append(index)
    assert all(not calls for calls in remaining.values()), f"never sent: {remaining}"
    for user in {event.get("userId") for event in stream}:
        mine = [index for index in order if stream[index].get("userId") == user]
        assert mine == sorted(mine), f"events of {user} delivered out of order: {mine}"


def _planned(events: Path, options: list[str]) -> tuple[dict[int, list[tuple]], dict[int, str]]:
    """The calls ``plan`` shows per event, and the events it says fail (with their reason)."""
    shown = subprocess.run(
        [*TRANSLATOR, "plan", str(events), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    calls: dict[int, list[tuple]] = {}
    failed: dict[int, str] = {}
    for line in shown.stdout.splitlines():
        record = json.loads(line)
        if "method" in record:
            call = (record["method"], record["path"], record["query"] or {}, record["body"])
            calls.setdefault(record["event_index"], []).append(call)
        elif record["outcome"] in ("failed", "rejected"):
            failed[record["event_index"]] = record["reason"]["code"]
    return calls, failed


def _journal(url: str, token: str) -> list[tuple]:
    """The workspace's requests, oldest first, real ids replaced by the plan's placeholders."""
    answer = requests.get(
        f"{url}/_emulator/journal",
        params={"limit": 10_000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    entries = sorted(answer.json()["data"], key=lambda entry: entry["id"])
    names = {}
    for entry in entries:
        body = entry["response_body"]
        if isinstance(body, dict) and body.get("type") in ("contact", "company", "user", "tag"):
            names[str(body.get("id"))] = f"<{body['type']}_id:{_named(body)}>"
    return [
        (
            entry["method"],
            "/".join(names.get(part, part) for part in entry["path"].split("/")),
            dict(parse_qsl(entry["query"] or "")),
            _renamed(entry["request_body"], names),
        )
        for entry in entries
    ]


def _named(body: dict[str, Any]) -> Any:
    """What ``translator plan``'s placeholder id names an object by."""
    if body["type"] == "company":
        return body.get("company_id")
    if body["type"] == "tag":
        return body.get("name")
    return body.get("external_id") or body.get("user_id") or body.get("email")


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _renamed(inner, names) for key, inner in value.items()}
    if isinstance(value, list):
        return [_renamed(inner, names) for inner in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value
