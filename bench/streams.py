"""A first real migration as a stream of JSON lines, generated from a fixed seed.

``mixed_stream(10_000)`` is the stream of issue 16: 400 users, 152 event names (more than the 120
active names Intercom keeps, so the last ones are refused for good), identify traits that repeat
(identical or changed), custom attributes Intercom does not have yet (one, ``seq``, on both people
and companies), nested properties, strings longer than 255 characters, more than 5 metadata keys,
pages (skipped server side) and 52 lines that are no event (not JSON, not UTF-8, 2,000 deep).
Smaller sizes keep the proportions. Each user starts with an identify, so every track finds its
user; timestamps are distinct per user and name, so Intercom keeps each event once.

``python -m bench.streams 10000 > stream.jsonl`` writes it.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator

SEED = 16
START = 1_790_000_000  # 2026-09-21: recent enough for GET /events (90 days) in late 2026
PLANS = ("free", "pro", "team", "enterprise")
SOURCES = ("ads", "search", "referral", "direct")
INDUSTRIES = ("software", "retail", "health", "finance")


def mixed_stream(events: int = 10_000, seed: int = SEED, start: int = START) -> Iterator[bytes]:
    """``events`` lines (bytes, newline-terminated) of the mixed stream."""
    rng = random.Random(seed)
    users = max(events // 25, 4)
    names = [f"Feature {n} Used" for n in range(max(events * 152 // 10_000, 8))]
    bad_every = max(events // 52, 10)
    seen: set[int] = set()
    identified: dict[int, dict] = {}
    for n in range(events):
        if n % bad_every == bad_every - 1:
            yield _bad_line(n // bad_every)
            continue
        user = n % users if n < users else _pick_user(rng, users)
        if user not in seen:
            seen.add(user)
            record = _identify(rng, user, start + n, identified)
        else:
            record = _next_event(rng, user, names, start + n, identified)
        yield (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def _pick_user(rng: random.Random, users: int) -> int:
    return (
        min(int(rng.paretovariate(1.2)) - 1, users - 1)
        if rng.random() < 0.3
        else rng.randrange(users)
    )


def _next_event(
    rng: random.Random, user: int, names: list[str], moment: int, identified: dict
) -> dict:
    roll = rng.random()
    if roll < 0.18:
        return _identify(rng, user, moment, identified)
    if roll < 0.26:
        return _group(rng, user, moment)
    if roll < 0.31:
        return {"type": "page", "userId": f"u-{user}", "name": "Docs", "timestamp": _iso(moment)}
    return _track(rng, user, names, moment)


def _identify(rng: random.Random, user: int, moment: int, identified: dict) -> dict:
    previous = identified.get(user)
    if previous is not None and rng.random() < 0.5:
        traits = dict(previous)  # the same traits again: nothing to change
    else:
        traits = {
            "email": f"u-{user}@example.com",
            "name": f"User {user}",
            "plan": rng.choice(PLANS),
            "seq": rng.randrange(1000),
            "logins": rng.randrange(200),
            "beta": rng.random() < 0.2,
            "signup_source": rng.choice(SOURCES),
            "address": {"city": "Lyon", "geo": {"lat": 45.7, "lon": 4.8}},
        }
        if rng.random() < 0.1:
            traits["bio"] = "x" * 300  # longer than Intercom's 255
        identified[user] = traits
    return {"type": "identify", "userId": f"u-{user}", "traits": traits}


def _group(rng: random.Random, user: int, moment: int) -> dict:
    company = user % 40
    traits = {"name": f"Company {company}", "employees": 10 + company, "seq": company}
    traits["industry"] = INDUSTRIES[company % len(INDUSTRIES)]
    return {"type": "group", "userId": f"u-{user}", "groupId": f"co-{company}", "traits": traits}


def _track(rng: random.Random, user: int, names: list[str], moment: int) -> dict:
    # Most events use a few names; the rare ones beyond Intercom's 120 come late and seldom.
    index = min(int(rng.expovariate(1 / 25)), len(names) - 1)
    if rng.random() < 0.02:
        index = rng.randrange(len(names))
    properties = {
        "amount": rng.randrange(500),
        "currency": "EUR",
        "sku": f"sku-{rng.randrange(90)}",
    }
    if rng.random() < 0.2:
        properties["cart"] = {"items": rng.randrange(9), "coupon": {"code": "X"}}
    if rng.random() < 0.1:
        properties.update({"a": 1, "b": 2, "c": 3, "d": 4})  # more than 5 metadata keys
    if rng.random() < 0.05:
        properties["note"] = "y" * 400
    return {
        "type": "track",
        "userId": f"u-{user}",
        "event": names[index],
        "properties": properties,
        "timestamp": _iso(moment),
        "messageId": f"m-{moment}",
    }


def _bad_line(k: int) -> bytes:
    kind = k % 3
    if kind == 0:
        return b'{"type": "track", "userId": "u-1", "event": \n'
    if kind == 1:
        return b'{"type": "track", "userId": "u-1", "event": "caf\xe9"}\n'
    return b"[" * 2000 + b"]" * 2000 + b"\n"


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for line in mixed_stream(count):
        sys.stdout.buffer.write(line)
