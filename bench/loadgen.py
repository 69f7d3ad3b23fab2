"""The load generator: Debian's `wrk` on loopback, driven by bench/lua/routes.lua."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("lua") / "routes.lua"
ROUTES = ("events", "create_contact", "get_contact", "search")
ROUTE_LABELS = {
    "events": "POST /events",
    "create_contact": "POST /contacts",
    "get_contact": "GET /contacts/{id}",
    "search": "POST /contacts/search",
}
# Connections held open by wrk: more than the servers' workers, so none of them ever waits.
CONNECTIONS = 16
# The single client (a test suite, the translator): one connection, requests one after another.
SINGLE_CLIENT_ROUTES = ("events", "get_contact")


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when it is missing (the script runs as
    root on the project's machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


def write_datafile(path: Path, contacts: list[dict[str, str]]) -> Path:
    """The contacts the Lua script picks from: id, email and external_id, tab separated."""
    lines = [f"{c['id']}\t{c['email']}\t{c['external_id']}" for c in contacts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(
    url: str,
    route: str,
    datafile: Path,
    base: int,
    token: str,
    seconds: float,
    connections: int = CONNECTIONS,
) -> dict[str, Any]:
    """One wrk run of `route` against `url`: requests/s and latency percentiles in ms."""
    command = [
        ensure_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        route,
        str(datafile),
        str(base),
        token,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    marker = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if done.returncode != 0 or not marker:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(marker[-1].removeprefix("WRK_RESULT "))
    seconds_taken = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_taken, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["status_errors"],
        "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"],
        "timeouts": raw["timeouts"],
    }
