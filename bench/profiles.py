"""Where a request's time goes: cProfile and the SQL statements of one route, in process.

The app runs on a file database through Flask's test client (no server, no sockets), so the
profile shows the emulator's own work: the pipeline in emulator/app.py, the store and SQLite.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from emulator import create_app
from emulator import db as database

NO_RATE_LIMITS = {"rate_limit_app": 10**9, "rate_limit_workspace": 10**9}


def _client(workdir: Path) -> tuple[Any, dict[str, str], list[dict[str, str]]]:
    app = create_app({"DATABASE": str(workdir / "profile.db"), "SETTINGS": NO_RATE_LIMITS})
    client = app.test_client()
    headers = {"Authorization": f"Bearer profile-{uuid.uuid4().hex}", "Accept": "application/json"}
    contacts = []
    for n in range(50):
        body = {"role": "user", "email": f"p{n}@profile.example.com", "external_id": f"p{n}"}
        response = client.post("/contacts", json=body, headers=headers)
        contacts.append({**body, "id": response.get_json()["id"]})
    return client, headers, contacts


def _request(
    client: Any, headers: dict[str, str], contacts: list[dict[str, str]], route: str, n: int
) -> Any:
    contact = contacts[n % len(contacts)]
    if route == "events":
        body = {
            "event_name": "profiled",
            "created_at": 1_600_000_000 + n,
            "user_id": contact["external_id"],
            "metadata": {"n": n},
        }
        return client.post("/events", json=body, headers=headers)
    if route == "create_contact":
        body = {"role": "user", "email": f"new{n}-{uuid.uuid4().hex[:6]}@profile.example.com"}
        return client.post("/contacts", json=body, headers=headers)
    if route == "get_contact":
        return client.get(f"/contacts/{contact['id']}", headers=headers)
    body = {"query": {"field": "email", "operator": "=", "value": contact["email"]}}
    return client.post("/contacts/search", json=body, headers=headers)


def _statements(
    client: Any, headers: dict[str, str], contacts: list[dict[str, str]], route: str
) -> list[str]:
    """The SQL one request of `route` runs, in order (values shown as ?)."""
    seen: list[str] = []
    for db in database._local.dbs.values():  # this thread's connections
        db.conn.set_trace_callback(seen.append)
    try:
        _request(client, headers, contacts, route, 10**6)
    finally:
        for db in database._local.dbs.values():
            db.conn.set_trace_callback(None)
    return [re.sub(r"\s+", " ", statement).strip()[:160] for statement in seen]


def _top(profile: cProfile.Profile, count: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():
        where = filename.split("/site-packages/")[-1].split(f"{Path.cwd()}/")[-1]
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda row: row["tottime_s"], reverse=True)
    return rows[:count]


# Functions whose cumulative time splits a request into the pipeline's parts.
COMPONENTS = {
    "pipeline before the route (auth, workspace, faults, rate limit, BEGIN)": "lifecycle.py(begin)",
    "  workspace lookup": "workspaces.py(find)",
    "  fault rules lookup": "faults.py(take)",
    "  rate limit counters": "ratelimit.py(admit)",
    "  request checked against the description": "request_validation.py(check)",
    "pipeline after the route (journal, COMMIT)": "lifecycle.py(finish)",
    "  journal entry and insert": "journal.py(record)",
    "JSON body parsing": "parsing.py(json_body)",
    "response JSON encoding": "parsing.py(ok)",
    "contact shape (tags, companies)": "shape.py(shape)",
}


def _components(profile: cProfile.Profile, requests: int) -> dict[str, float]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    found: dict[str, float] = {}
    for (filename, _, function), (_, _, _, cumtime, _) in stats.stats.items():
        key = f"{filename.rsplit('/', 1)[-1]}({function})"
        for label, wanted in COMPONENTS.items():
            if key == wanted:
                found[label] = round(found.get(label, 0) + cumtime / requests * 1000, 3)
    return {label: found[label] for label in COMPONENTS if label in found}


def _ceiling_ms(workdir: Path, route: str, requests: int) -> float:
    """The bare Flask + SQLite app's time per request for the same route, in process."""
    import os

    os.environ["CEILING_DB"] = str(workdir / "ceiling.db")
    from bench import ceiling_app

    ceiling_app._connection = None
    client = ceiling_app.app.test_client()
    people = []
    for n in range(50):
        body = {"email": f"p{n}@profile.example.com", "external_id": f"p{n}"}
        people.append({**body, "id": client.post("/contacts", json=body).get_json()["id"]})
    for n in range(100):
        _request(client, {}, people, route, n)
    started = time.perf_counter()
    for n in range(100, 100 + requests):
        _request(client, {}, people, route, n)
    return (time.perf_counter() - started) / requests * 1000


def profile_route(route: str, requests: int = 1500) -> dict[str, Any]:
    """One route in process: time per request (emulator and ceiling, unprofiled), the SQL it
    runs, and where cProfile sees its time go."""
    with tempfile.TemporaryDirectory(prefix="intercom-profile-") as workdir:
        client, headers, contacts = _client(Path(workdir))
        for n in range(100):  # warm caches
            _request(client, headers, contacts, route, n)
        statements = _statements(client, headers, contacts, route)
        started = time.perf_counter()
        for n in range(100, 100 + requests):
            _request(client, headers, contacts, route, n)
        plain_ms = (time.perf_counter() - started) / requests * 1000
        profile = cProfile.Profile()
        profile.enable()
        for n in range(100 + requests, 100 + 2 * requests):
            _request(client, headers, contacts, route, n)
        profile.disable()
        ceiling_ms = _ceiling_ms(Path(workdir), route, requests)
        kinds = Counter(statement.split(" ")[0].upper() for statement in statements)
        return {
            "route": route,
            "requests": requests,
            "emulator_ms_per_request": round(plain_ms, 3),
            "ceiling_ms_per_request": round(ceiling_ms, 3),
            "sql_statements_per_request": len(statements),
            "sql_by_kind": dict(kinds),
            "sql": statements,
            "components_ms_profiled": _components(profile, requests),
            "top_by_own_time": _top(profile, 12),
        }
