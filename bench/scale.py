"""Search and retrieval at 1k, 10k and 100k contacts: indexes, not scans, keep them flat.

Contacts are created in process through the store (emulator.store.contacts.create, in batches
of one transaction each), then measured through HTTP against `emulator serve` on that file. The
SQL each search runs is captured and explained (EXPLAIN QUERY PLAN) at every size: the email
search should use `contacts_ws_email`, the custom attribute search the side table's
`contact_attribute_values_lookup` (emulator/db.py, migration 2).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import requests

from emulator import db as database
from emulator import migrations
from emulator.store import contacts, data_attributes, workspaces
from emulator.store.context import Context
from emulator.testing import EmulatorProcess

TOKEN = "bench-scale"
ATTRIBUTE = "account_code"
BATCH = 5_000
# No rate limits, and no search lag: the contacts are measured as found, not as being indexed.
SETTINGS = {"rate_limit_app": 10**9, "rate_limit_workspace": 10**9, "search_lag_seconds": 0}


def _context(db: Any) -> Context:
    now = int(time.time())
    workspace = workspaces.find_or_create(db, TOKEN, now, SETTINGS)
    return Context(db=db, workspace=workspace, now=now, version="2.11")


def _contact(n: int) -> dict[str, Any]:
    return {
        "role": "user",
        "email": f"user{n}@scale.example.com",
        "external_id": f"user-{n}",
        "name": f"User {n}",
        "custom_attributes": {ATTRIBUTE: f"AC-{n:07d}"},
    }


def grow(path: Path, have: int, want: int) -> list[str]:
    """Add contacts `have`..`want` through the store; returns the new contacts' ids."""
    db = database.connect(str(path))
    migrations.migrate(db)
    created = []
    with database.write_transaction(db):
        ctx = _context(db)
        if have == 0:
            data_attributes.create(
                ctx, {"name": ATTRIBUTE, "model": "contact", "data_type": "string"}
            )
    for start in range(have, want, BATCH):
        with database.write_transaction(db):
            ctx = _context(db)
            for n in range(start, min(start + BATCH, want)):
                created.append(contacts.create(ctx, _contact(n))["id"])
    return created


def _queries(n: int) -> dict[str, dict[str, Any]]:
    return {
        "search_email": {
            "query": {"field": "email", "operator": "=", "value": f"user{n}@scale.example.com"}
        },
        "search_custom_attribute": {
            "query": {
                "field": f"custom_attributes.{ATTRIBUTE}",
                "operator": "=",
                "value": f"AC-{n:07d}",
            }
        },
    }


def explain(path: Path, n: int) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of every statement each search runs, in process on the same file."""
    db = database.connect(str(path))
    plans: dict[str, list[str]] = {}
    for name, body in _queries(n).items():
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        try:
            with database.write_transaction(db):
                contacts.search(_context(db), body)
        finally:
            db.conn.set_trace_callback(None)
        plans[name] = [
            " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
            for sql in statements
            if sql.lstrip().upper().startswith("SELECT") and "FROM contacts" in sql
        ]
    return plans


def _time_requests(session: requests.Session, calls: list[tuple[str, str, Any]]) -> float:
    """Median milliseconds of the calls, each checked to answer 200 with what was asked."""
    timings = []
    for method, url, body in calls:
        started = time.perf_counter()
        response = session.request(method, url, json=body, timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {url} answered {response.status_code}: {response.text}")
        if "search" in url and response.json()["total_count"] != 1:
            raise RuntimeError(f"search {body} found {response.json()['total_count']} contacts")
    return statistics.median(timings)


def measure_size(
    server: EmulatorProcess, size: int, ids: list[str], per_case: int
) -> dict[str, float]:
    session = server.session(TOKEN)
    picks = [(i * 7919) % size for i in range(per_case)]  # spread over the whole table
    cases: dict[str, list[tuple[str, str, Any]]] = {
        "retrieve": [("GET", f"{server.url}/contacts/{ids[n]}", None) for n in picks]
    }
    for name in _queries(0):
        cases[name] = [("POST", f"{server.url}/contacts/search", _queries(n)[name]) for n in picks]
    for calls in cases.values():  # warm the workers and SQLite's page cache
        _time_requests(session, calls[:5])
    return {name: _time_requests(session, calls) for name, calls in cases.items()}


def measure(workdir: Path, sizes: tuple[int, ...], repeats: int, per_case: int) -> dict[str, Any]:
    path = workdir / "scale.db"
    ids: list[str] = []
    results: dict[str, Any] = {
        "sizes": list(sizes),
        "repeats": repeats,
        "per_case": per_case,
        "by_size": {},
        "plans": {},
        "setup_seconds": {},
    }
    for size in sizes:
        started = time.perf_counter()
        ids += grow(path, len(ids), size)
        results["setup_seconds"][str(size)] = round(time.perf_counter() - started, 1)
        database.close_all()
        with EmulatorProcess(path) as server:
            runs = [measure_size(server, size, ids, per_case) for _ in range(repeats)]
        results["by_size"][str(size)] = {
            name: {
                "median_ms": statistics.median(r[name] for r in runs),
                "runs_ms": [r[name] for r in runs],
            }
            for name in runs[0]
        }
        results["plans"][str(size)] = explain(path, size // 2)
        database.close_all()
        print(
            f"  {size:>7} contacts: "
            + ", ".join(
                f"{name} {values['median_ms']:.2f} ms"
                for name, values in results["by_size"][str(size)].items()
            ),
            flush=True,
        )
    return results
