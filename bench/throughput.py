"""Throughput and latency of four routes on four servers, measured side by side in one run.

All servers run at once; each repeat goes through every route on every server in turn, so a
noisy minute of the shared machine falls on all of them alike. Ratios are taken between the
runs of one repeat, then their median is reported.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench import loadgen, servers

SEED_CONTACTS = 200
# The servers the single-client runs measure (the table: the emulator and the ceiling).
SINGLE_CLIENT_SERVERS = ("emulator", "emulator-gunicorn", "ceiling", "ceiling-granian")


def _base(counter: list[int]) -> int:
    """A distinct value per wrk run: it keeps emails and event times unique across runs."""
    counter[0] += 1
    return 1_500_000_000 + counter[0] * 10_000_000


def _start(kinds: list[type[servers.Server]], workdir: Path) -> list[servers.Server]:
    started = []
    try:
        for kind in kinds:
            print(f"  starting {kind.label} ...", flush=True)
            started.append(kind(workdir).start())
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started


def _prepare(server: servers.Server, workdir: Path) -> Path:
    contacts = servers.create_contacts(server, SEED_CONTACTS, f"seed-{server.name}")
    return loadgen.write_datafile(workdir / f"{server.name}.tsv", contacts)


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rps = [r["rps"] for r in runs]
    return {
        "rps": statistics.median(rps),
        # How far the repeats lay apart: (highest - lowest) / median of req/s.
        "rps_spread": (max(rps) - min(rps)) / statistics.median(rps) if min(rps) else None,
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
    }


def measure(
    seconds: float, repeats: int, warmup: float, single_seconds: float | None = None
) -> dict[str, Any]:
    """16 connections on every route and server; then one connection (a single client, as a
    test suite or the translator is) on events and reads against the Python servers."""
    workdir = servers.scratch_dir()
    running = _start(servers.all_servers(), workdir)
    counter = [0]
    single_seconds = single_seconds or seconds
    try:
        datafiles = {server.name: _prepare(server, workdir) for server in running}
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            s.name: {route: [] for route in loadgen.ROUTES} for s in running
        }
        single = [s for s in running if s.name in SINGLE_CLIENT_SERVERS]
        single_runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            s.name: {route: [] for route in loadgen.SINGLE_CLIENT_ROUTES} for s in single
        }
        for repeat in range(repeats):
            for route in loadgen.ROUTES:
                for server in running:
                    args = (server.url, route, datafiles[server.name])
                    if repeat == 0 and warmup:  # JIT, caches and connections warm
                        loadgen.run(*args, _base(counter), server.token, warmup)
                    result = loadgen.run(*args, _base(counter), server.token, seconds)
                    runs[server.name][route].append(result)
                    print(
                        f"  [{repeat + 1}/{repeats}] {loadgen.ROUTE_LABELS[route]:22}"
                        f" {server.label:30} {result['rps']:8.0f} req/s"
                        f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:7.2f} ms"
                        f"  non-2xx {result['non_2xx']}",
                        flush=True,
                    )
                    time.sleep(0.5)
            for route in loadgen.SINGLE_CLIENT_ROUTES:
                for server in single:
                    args = (server.url, route, datafiles[server.name], _base(counter))
                    result = loadgen.run(*args, server.token, single_seconds, connections=1)
                    single_runs[server.name][route].append(result)
                    print(
                        f"  [{repeat + 1}/{repeats}] 1 client {loadgen.ROUTE_LABELS[route]:22}"
                        f" {server.label:30} p50 {result['p50_ms']:6.2f} ms"
                        f"  p99 {result['p99_ms']:7.2f} ms",
                        flush=True,
                    )
    finally:
        for server in running:
            server.stop()
    return {
        "seconds_per_run": seconds,
        "repeats": repeats,
        "connections": loadgen.CONNECTIONS,
        "workers": servers.default_workers(),
        "servers": {
            s.name: {"label": s.label, "startup_seconds": s.startup_seconds} for s in running
        },
        "runs": runs,
        "summary": {
            name: {route: _summary(results) for route, results in by_route.items()}
            for name, by_route in runs.items()
        },
        "single_client_seconds": single_seconds,
        "single_client_runs": single_runs,
        "single_client": {
            name: {route: _summary(results) for route, results in by_route.items()}
            for name, by_route in single_runs.items()
        },
    }


def paired_ratios(
    runs: dict[str, Any], route: str, numerator: str, denominator: str, metric: str
) -> list[float]:
    """numerator/denominator of each repeat, each pair measured in the same repeat."""
    return [
        a[metric] / b[metric]
        for a, b in zip(runs[numerator][route], runs[denominator][route], strict=True)
        if b[metric]
    ]


def paired_ratio(
    runs: dict[str, Any], route: str, numerator: str, denominator: str, metric: str
) -> float:
    """Median over repeats of numerator/denominator, each pair measured in the same repeat."""
    return statistics.median(paired_ratios(runs, route, numerator, denominator, metric))
