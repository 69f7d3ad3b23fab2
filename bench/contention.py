"""Does the emulator scale with gunicorn workers? The same load against 1, 2 and 4 workers.

Every emulator request, reads included, holds SQLite's write lock from `BEGIN IMMEDIATE` (before
the route) to `COMMIT` (after the journal entry): if throughput does not grow with workers, the
requests are serialised on that lock, and a worker waiting for it sleeps in SQLite's busy
handler (1, 2, 5, 10 ms ...) instead of being woken when the lock is free.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench import loadgen, servers, throughput

WORKER_COUNTS = (1, 2, 4)
ROUTES = ("get_contact", "events")


class EmulatorWith(servers.Emulator):
    workers = 2

    def command(self, port: int) -> list[str]:
        command = super().command(port)
        command[command.index("--workers") + 1] = str(self.workers)
        return command


def _variants(workdir: Path) -> list[servers.Server]:
    started: list[servers.Server] = []
    try:
        for count in WORKER_COUNTS:
            kind = type(
                f"EmulatorWith{count}",
                (EmulatorWith,),
                {
                    "workers": count,
                    "name": f"emulator-{count}w",
                    "label": f"emulator serve --workers {count}",
                },
            )
            started.append(kind(workdir).start())
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started


def measure(seconds: float, repeats: int) -> dict[str, Any]:
    workdir = servers.scratch_dir()
    running = _variants(workdir)
    counter = [10_000]  # keeps this section's event times apart from the throughput section's
    runs: dict[str, dict[str, list[float]]] = {s.name: {r: [] for r in ROUTES} for s in running}
    try:
        datafiles = {s.name: throughput._prepare(s, workdir) for s in running}
        for _ in range(repeats):
            for route in ROUTES:
                for server in running:
                    result = loadgen.run(
                        server.url,
                        route,
                        datafiles[server.name],
                        throughput._base(counter),
                        server.token,
                        seconds,
                    )
                    runs[server.name][route].append(result["rps"])
    finally:
        for server in running:
            server.stop()
    summary = {
        name: {route: statistics.median(v) for route, v in by_route.items()}
        for name, by_route in runs.items()
    }
    for name, by_route in summary.items():
        print(
            f"  {name}: "
            + ", ".join(
                f"{loadgen.ROUTE_LABELS[r]} {rps:,.0f} req/s" for r, rps in by_route.items()
            ),
            flush=True,
        )
    return {
        "seconds_per_run": seconds,
        "repeats": repeats,
        "workers": list(WORKER_COUNTS),
        "runs": runs,
        "summary": summary,
    }
