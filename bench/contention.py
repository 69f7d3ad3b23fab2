"""Does the emulator scale with gunicorn workers? The same load against 1, 2 and 4 worker
processes, and against 2 processes of 4 threads (gunicorn's gthread worker, which keeps
connections alive).

Reads run without SQLite's write lock and write nothing themselves; writers queue on a kernel
lock. Throughput that does not grow with workers means the requests are still serialised on the
write lock, or the cores are already busy.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench import loadgen, servers, throughput

WORKER_COUNTS = (1, 2, 4)
VARIANTS = ((1, 1), (2, 1), (4, 1), (2, 4))  # (processes, threads per process)
ROUTES = ("get_contact", "events")


class EmulatorWith(servers.Emulator):
    workers = 2
    threads = 1

    def command(self, port: int) -> list[str]:
        command = super().command(port)
        command[command.index("--workers") + 1] = str(self.workers)
        command[command.index("--db") + 1] = str(self.workdir / f"{self.name}.db")  # its own
        return [*command, "--threads", str(self.threads)]


def label(name: str) -> str:
    """ "emulator-2w4t" -> "2 workers x 4 threads"."""
    spec = name.removeprefix("emulator-")
    workers, _, threads = spec.removesuffix("t").partition("w")
    text = f"{workers} worker{'s' if workers != '1' else ''}"
    return text + (f" x {threads} threads" if threads else "")


def _variants(workdir: Path) -> list[servers.Server]:
    kinds: list[type[servers.Server]] = []
    for count, threads in VARIANTS:
        suffix = f"{count}w" + (f"{threads}t" if threads > 1 else "")
        kinds.append(
            type(
                f"EmulatorWith{suffix}",
                (EmulatorWith,),
                {
                    "workers": count,
                    "threads": threads,
                    "name": f"emulator-{suffix}",
                    "label": f"emulator serve --workers {count} --threads {threads}",
                },
            )
        )
    return throughput._start(kinds, workdir)


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
        "variants": [list(v) for v in VARIANTS],
        "runs": runs,
        "summary": summary,
    }
