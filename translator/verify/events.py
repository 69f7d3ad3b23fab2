"""Event files that say what they should leave behind, and the comparison of what a workspace
holds with what was expected (the delivery scenarios' data; see ``translator.verify``)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Scenario:
    """Events for many users, and what Intercom should hold once they are delivered."""

    events: list[dict[str, Any]] = field(default_factory=list)
    # user id -> Counter of (lower-cased event name, created_at)
    expected_events: dict[str, Counter] = field(default_factory=dict)
    expected_emails: dict[str, str] = field(default_factory=dict)
    expected_companies: dict[str, set[str]] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(event) + "\n" for event in self.events))
        return path


def build_scenario(
    users: int,
    tracks_per_user: int,
    prefix: str,
    start: int,
    names: tuple[str, ...] = ("Signed Up", "Viewed Page", "Bought"),
    companies: int = 0,
    untimed_every: int = 0,
) -> Scenario:
    """``users`` users: an identify, then ``tracks_per_user`` tracks (distinct timestamps, so
    each is its own event to Intercom), then a group when ``companies``; events of different
    users interleaved, as a real stream is. Every ``untimed_every``-th track has no timestamp
    (the time it was received dates it; each has a name of its own, since Intercom would keep
    one of two same-named events dated the same second)."""
    scenario = Scenario()
    per_user = [
        _user_events(scenario, f"{prefix}-{n}", tracks_per_user, start, names, untimed_every)
        for n in range(users)
    ]
    if companies:
        for n, own in enumerate(per_user):
            user, company = own[0]["userId"], f"{prefix}-co-{n % companies}"
            own.append({"type": "group", "userId": user, "groupId": company, "traits": {}})
            own[-1]["traits"]["name"] = company
            scenario.expected_companies[user] = {company}
    longest = max((len(own) for own in per_user), default=0)
    for index in range(longest):
        for own in per_user:
            if index < len(own):
                scenario.events.append(own[index])
    return scenario


def _user_events(
    scenario: Scenario,
    user: str,
    tracks: int,
    start: int,
    names: tuple[str, ...],
    untimed_every: int,
) -> list[dict[str, Any]]:
    email = f"{user}@example.com"
    scenario.expected_emails[user] = email
    expected = scenario.expected_events[user] = Counter()
    own: list[dict[str, Any]] = [
        {"type": "identify", "userId": user, "traits": {"email": email, "name": user}}
    ]
    own[0]["timestamp"] = iso(start)
    for k in range(tracks):
        name = names[k % len(names)]
        track = {
            "type": "track",
            "userId": user,
            "event": name,
            "properties": {"k": k},
            "messageId": f"{user}-t{k}",
        }
        if untimed_every and k % untimed_every == untimed_every - 1:
            # Dated by their arrival second: two of one name would be one to Intercom.
            name = track["event"] = untimed_name(names, k)
            expected[(name.lower(), None)] += 1
        else:
            track["timestamp"] = iso(start + 1 + k)
            expected[(name.lower(), start + 1 + k)] += 1
        own.append(track)
    return own


def untimed_name(names: tuple[str, ...], k: int) -> str:
    """The name of the ``k``-th track when it has no timestamp."""
    return f"{names[0]} untimed {k}"


def compare_events(expected: Counter, found: Counter, untimed_window: tuple[int, int]) -> None:
    """Every expected event exactly once. Events without a timestamp (created_at None in
    ``expected``) must each appear once with a created_at inside ``untimed_window``."""
    timed = Counter({key: n for key, n in expected.items() if key[1] is not None})
    untimed = Counter({key[0]: n for key, n in expected.items() if key[1] is None})
    low, high = untimed_window
    extra = found - timed
    leftover: Counter = Counter()
    for (name, created_at), count in extra.items():
        assert low <= created_at <= high, f"unexpected event {name!r} at {created_at}"
        leftover[name] += count
    assert found & timed == timed, f"missing: {dict(timed - found)}"
    assert leftover == untimed, f"events without a timestamp: {dict(leftover)} != {dict(untimed)}"
