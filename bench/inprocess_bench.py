"""The in-process mode (`emulator.inprocess`): time per call through the requests adapter and the
httpx transport (no socket), against Flask's own test client on the same app, and the start-up
of a process that builds the app and gets its first answer."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import servers
from emulator import inprocess

NO_RATE_LIMITS = {"rate_limit_app": 10**9, "rate_limit_workspace": 10**9}
ROUTES = ("get_contact", "events")
_STARTUP = """
import time
started = time.perf_counter()
from bench import servers
from emulator import inprocess
session = inprocess.requests_session(inprocess.create_app(":memory:"), "startup")
assert session.get("https://api.intercom.io/me").status_code == 200
print(time.perf_counter() - started)
"""


def _canned(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A WSGI app that answers the same bytes to anything: through the adapters, what a call
    costs the client library and the adapter alone."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def _callers(app: Any, token: str) -> dict[str, Callable[[str, str, Any], Any]]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session = inprocess.requests_session(app, token)
    client = inprocess.httpx_client(app)
    base = inprocess.DEFAULT_BASE_URL
    callers: dict[str, Callable[[str, str, Any], Any]] = {
        "requests adapter": lambda method, path, body: session.request(
            method, base + path, json=body
        ),
        "httpx transport": lambda method, path, body: client.request(
            method, path, json=body, headers=headers
        ),
    }
    if hasattr(app, "test_client"):  # the app's own work, without a client library
        flask = app.test_client()
        callers["Flask test client"] = lambda method, path, body: flask.open(
            path, method=method, json=body, headers=headers
        )
    return callers


def _per_call_ms(call: Callable[[str, str, Any], Any], route: str, ids: list[str], n: int) -> float:
    def one(i: int) -> Any:
        if route == "events":
            body = {"event_name": "bench", "created_at": 1_600_000_000 + i, "user_id": "u0"}
            return call("POST", "/events", body)
        return call("GET", f"/contacts/{ids[i % len(ids)]}", None)

    for i in range(50):  # warm
        one(i)
    started = time.perf_counter()
    for i in range(50, 50 + n):
        one(i)
    return (time.perf_counter() - started) / n * 1000


def measure(calls: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="intercom-inprocess-") as workdir:
        app = inprocess.create_app(Path(workdir) / "inprocess.db", settings=NO_RATE_LIMITS)
        token = f"bench-{uuid.uuid4().hex}"
        session = inprocess.requests_session(app, token)
        ids = [
            session.post(
                f"{inprocess.DEFAULT_BASE_URL}/contacts",
                json={"role": "user", "email": f"u{n}@bench.example.com", "external_id": f"u{n}"},
            ).json()["id"]
            for n in range(50)
        ]
        per_call: dict[str, dict[str, float]] = {}
        runs: dict[str, dict[str, list[float]]] = {}
        for name, call in _callers(app, token).items():
            runs[name] = {
                route: [_per_call_ms(call, route, ids, calls) for _ in range(repeats)]
                for route in ROUTES
            }
            per_call[name] = {route: statistics.median(ms) for route, ms in runs[name].items()}
            print(
                f"  {name:20} "
                + "  ".join(f"{route} {ms:.3f} ms" for route, ms in per_call[name].items()),
                flush=True,
            )
        # The clients alone: the same calls to an app that does no work.
        floor = {
            name: {
                route: statistics.median(
                    _per_call_ms(call, route, ids, calls) for _ in range(repeats)
                )
                for route in ROUTES
            }
            for name, call in _callers(_canned, token).items()
        }
        print(
            "  the clients alone (an app answering canned bytes): "
            + "; ".join(
                f"{name} " + " ".join(f"{route} {ms:.3f} ms" for route, ms in by_route.items())
                for name, by_route in floor.items()
            ),
            flush=True,
        )
    _startup_seconds()  # writes the bytecode an installed package ships with
    startups = [_startup_seconds() for _ in range(repeats)]
    print(f"  in-process start-up to first answer {statistics.median(startups):.2f} s", flush=True)
    return {
        "calls": calls,
        "repeats": repeats,
        "ms_per_call": per_call,
        "ms_per_call_runs": runs,
        "ms_per_call_clients_alone": floor,
        "startup_s": statistics.median(startups),
        "startup_runs_s": startups,
    }


def _startup_seconds() -> float:
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=servers.without_bytecode_ban(os.environ),
    )
    return float(done.stdout.strip().splitlines()[-1])
