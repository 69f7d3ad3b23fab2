"""`make bench`: every benchmark in one run, results in bench/results/*.json and a table in
docs/benchmarks.md. About 14 minutes on the project's 2-core machines; `--quick` is a smoke run
of a minute or two that writes to a scratch directory instead.

    python -m bench.run [--quick] [--only throughput,contention,scale,startup,translator,profiles,
                                          inprocess]
    python -m bench.run --report-only   # docs/benchmarks.md again from bench/results/*.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    contention,
    inprocess_bench,
    machine,
    profiles,
    report,
    scale,
    servers,
    startup,
    throughput,
    translator_bench,
)

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = servers.ROOT / "docs" / "benchmarks.md"
SECTIONS = (
    "throughput",
    "contention",
    "scale",
    "startup",
    "translator",
    "profiles",
    "inprocess",
)


def _plan(quick: bool) -> dict[str, Callable[[], dict[str, Any]]]:
    """What each section measures; `quick` shrinks every size and duration."""
    q = quick
    return {
        "throughput": lambda: throughput.measure(
            seconds=1 if q else 5,
            repeats=1 if q else 3,
            warmup=1 if q else 2,
            single_seconds=1 if q else 4,
        ),
        "contention": lambda: contention.measure(seconds=1 if q else 4, repeats=1 if q else 3),
        "scale": lambda: scale.measure(
            servers.scratch_dir(),
            (1_000, 10_000) if q else (1_000, 10_000, 100_000),
            repeats=1 if q else 3,
            per_case=20 if q else 60,
        ),
        "startup": lambda: {
            "servers": startup.server_startups(1 if q else 3),
            "pytest": startup.pytest_fixture_costs(1 if q else 3),
            "parts": startup.startup_parts(1 if q else 3),
        },
        "translator": lambda: _translator(q),
        "profiles": lambda: {
            route: profiles.profile_route(route, 300 if q else 2000)
            for route in ("events", "get_contact", "create_contact", "search")
        },
        "inprocess": lambda: inprocess_bench.measure(300 if q else 2000, 1 if q else 3),
    }


def _translator(quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {
        "planning": translator_bench.planning_throughput(
            5_000 if quick else 30_000, 1 if quick else 3
        ),
        "memory": translator_bench.plan_memory(
            (10_000, 100_000) if quick else (100_000, 1_000_000), 1 if quick else 3
        ),
    }
    results["migration"] = translator_bench.migration(1_000 if quick else 10_000)
    if translator_bench.send_available():
        results["delivery"] = translator_bench.delivery_throughput(
            300 if quick else 2_000, 50 if quick else 200, 1 if quick else 3
        )
    else:
        results["delivery"] = None
        print("  translator send does not exist yet: delivery not measured", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="A short smoke run.")
    parser.add_argument("--only", default=",".join(SECTIONS), help="Comma-separated sections.")
    parser.add_argument("--results", type=Path, help="Directory of the JSON results.")
    parser.add_argument("--docs", type=Path, help="Markdown file to write the tables to.")
    parser.add_argument(
        "--report-only", action="store_true", help="Only regenerate the Markdown from the JSON."
    )
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="intercom-bench-quick-")) if args.quick else None
    results_dir = args.results or scratch or RESULTS
    docs = args.docs or (scratch / "benchmarks.md" if scratch else DOCS)
    results_dir.mkdir(parents=True, exist_ok=True)
    described = machine.describe()
    print(f"Machine: {machine.one_line(described)}", flush=True)
    plan = _plan(args.quick)
    chosen = [] if args.report_only else [s.strip() for s in args.only.split(",") if s.strip()]
    for section in chosen:
        if section not in plan:
            parser.error(f"unknown section {section!r}; choose from {', '.join(SECTIONS)}")
        print(f"== {section}", flush=True)
        started = time.monotonic()
        data = plan[section]()
        record = {
            "section": section,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(time.monotonic() - started, 1),
            "quick": args.quick,
            "machine": described,
            "results": data,
        }
        (results_dir / f"{section}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"   {section} took {record['seconds']:.0f} s", flush=True)
    docs.write_text(report.render(results_dir), encoding="utf-8")
    print(f"Results in {results_dir}; table in {docs}", flush=True)


if __name__ == "__main__":
    main()
