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
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
    }


def measure(seconds: float, repeats: int, warmup: float) -> dict[str, Any]:
    workdir = servers.scratch_dir()
    running = _start(servers.all_servers(), workdir)
    counter = [0]
    try:
        datafiles = {server.name: _prepare(server, workdir) for server in running}
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            s.name: {route: [] for route in loadgen.ROUTES} for s in running
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
    }


def paired_ratio(
    runs: dict[str, Any], route: str, numerator: str, denominator: str, metric: str
) -> float:
    """Median over repeats of numerator/denominator, each pair measured in the same repeat."""
    ratios = [
        a[metric] / b[metric]
        for a, b in zip(runs[numerator][route], runs[denominator][route], strict=True)
        if b[metric]
    ]
    return statistics.median(ratios)
