"""The issues' targets: ratios between figures measured in the same run, and issue 18's
absolute bounds for a single client, the in-process times and the start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench import loadgen
from bench.throughput import paired_ratio, paired_ratios


@dataclass(frozen=True)
class Verdict:
    key: str
    target: str
    measured: str
    ratio: float | None
    met: bool | None  # None: not measured in this run
    ceiling: str = ""  # what the bare Flask + SQLite app reached against the same yardstick
    goal: bool = True  # False: a reference figure (WireMock), reported but not judged
    spread: str = ""  # the lowest and highest of the repeats, when there were several


def spread(values: list[float], unit: str = "x", digits: int = 2) -> str:
    """`lowest-highest` of the repeats' figures ("" for fewer than two)."""
    if len(values) < 2:
        return ""
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}{unit}"


def _at_least(ratio: float, bound: float) -> bool:
    return ratio >= bound


# Issue 18's single-client bounds, in ms: what a test suite or the translator sees.
SINGLE_CLIENT_P50_MS = 0.5
SINGLE_CLIENT_P99_MS = 2.0
# Issue 18's in-process bounds, in ms a request (the app's own work, Flask's test client).
IN_PROCESS_MS = {"get_contact": 0.2, "events": 0.3}
# The in-process mode (emulator.inprocess): ms a call through the requests adapter or httpx.
IN_PROCESS_CALL_MS = 0.3
STARTUP_S = 0.3
CEILING_GRANIAN = "ceiling-granian"


def _throughput(results: dict[str, Any]) -> list[Verdict]:
    runs = results["runs"]
    verdicts = []
    for route in loadgen.ROUTES:
        label = loadgen.ROUTE_LABELS[route]
        ratio = paired_ratio(runs, route, "emulator", "ceiling", "rps")
        verdicts.append(
            Verdict(
                f"ceiling_{route}",
                f"{label}: at least 1.0x the bare app on gunicorn sync workers",
                f"{ratio:.2f}x",
                ratio,
                _at_least(ratio, 1.0),
                spread=spread(paired_ratios(runs, route, "emulator", "ceiling", "rps")),
            )
        )
        if CEILING_GRANIAN in runs:
            ratio = paired_ratio(runs, route, "emulator", CEILING_GRANIAN, "rps")
            verdicts.append(
                Verdict(
                    f"ceiling_granian_{route}",
                    f"{label}: at least 0.7x the bare app on the emulator's server (granian)",
                    f"{ratio:.2f}x",
                    ratio,
                    _at_least(ratio, 0.7),
                    spread=spread(paired_ratios(runs, route, "emulator", CEILING_GRANIAN, "rps")),
                )
            )
    for route in loadgen.ROUTES if "prism" in runs and "wiremock" in runs else ():
        label = loadgen.ROUTE_LABELS[route]

        def ratios(other: str, metric: str, route: str = route) -> tuple[float, float]:
            return (
                paired_ratio(runs, route, "emulator", other, metric),
                paired_ratio(runs, route, "ceiling", other, metric),
            )

        (rps, rps_c), (p99, p99_c) = ratios("prism", "rps"), ratios("prism", "p99_ms")
        wiremock, wiremock_c = ratios("wiremock", "rps")
        verdicts += [
            Verdict(
                f"prism_rps_{route}",
                f"{label}: at least 3x Prism's throughput",
                f"{rps:.2f}x",
                rps,
                _at_least(rps, 3.0),
                f"{rps_c:.2f}x",
                spread=spread(paired_ratios(runs, route, "emulator", "prism", "rps")),
            ),
            Verdict(
                f"prism_p99_{route}",
                f"{label}: p99 at most a quarter of Prism's",
                f"{p99:.2f} of Prism's p99",
                p99,
                p99 <= 0.25,
                f"{p99_c:.2f}",
                spread=spread(paired_ratios(runs, route, "emulator", "prism", "p99_ms"), ""),
            ),
            Verdict(
                f"wiremock_rps_{route}",
                f"{label}: WireMock's throughput (canned bytes from the JVM; not a goal)",
                f"{wiremock:.2f}x",
                wiremock,
                None,
                f"{wiremock_c:.2f}x",
                goal=False,
                spread=spread(paired_ratios(runs, route, "emulator", "wiremock", "rps")),
            ),
        ]
    return verdicts + _single_client(results)


def _single_client(results: dict[str, Any]) -> list[Verdict]:
    single = results.get("single_client", {})
    emulator = single.get("emulator")
    if not emulator:
        return []
    verdicts = []
    repeats = results.get("single_client_runs", {}).get("emulator", {})
    for route, summary in emulator.items():
        label = loadgen.ROUTE_LABELS[route]
        ceiling = single.get("ceiling", {}).get(route)
        for metric, bound in (("p50_ms", SINGLE_CLIENT_P50_MS), ("p99_ms", SINGLE_CLIENT_P99_MS)):
            value = summary[metric]
            runs = [run[metric] for run in repeats.get(route, [])]
            verdicts.append(
                Verdict(
                    f"single_{metric.removesuffix('_ms')}_{route}",
                    f"{label}, one client: {metric.removesuffix('_ms')} at most {bound} ms",
                    f"{value:.2f} ms",
                    value / bound,
                    value <= bound,
                    f"{ceiling[metric]:.2f} ms" if ceiling else "",
                    spread=spread(runs, " ms"),
                )
            )
    return verdicts


def _profiles(results: dict[str, Any]) -> list[Verdict]:
    verdicts = []
    for route, bound in IN_PROCESS_MS.items():
        profile = results.get(route)
        if not profile:
            continue
        value = profile["emulator_ms_per_request"]
        verdicts.append(
            Verdict(
                f"in_process_{route}",
                f"{loadgen.ROUTE_LABELS[route]} in process (the app's own work):"
                f" at most {bound} ms",
                f"{value:.2f} ms",
                value / bound,
                value <= bound,
                f"{profile['ceiling_ms_per_request']:.2f} ms",
            )
        )
    return verdicts


def _inprocess(results: dict[str, Any]) -> list[Verdict]:
    verdicts = []
    repeats = results.get("ms_per_call_runs", {})
    for client in ("requests adapter", "httpx transport"):
        for route, value in results["ms_per_call"].get(client, {}).items():
            runs = repeats.get(client, {}).get(route, [])
            verdicts.append(
                Verdict(
                    f"in_process_mode_{client.split()[0]}_{route}",
                    f"In-process mode, {loadgen.ROUTE_LABELS[route]} through the {client}:"
                    f" at most {IN_PROCESS_CALL_MS} ms a call",
                    f"{value:.2f} ms",
                    value / IN_PROCESS_CALL_MS,
                    value <= IN_PROCESS_CALL_MS,
                    spread=spread(runs, " ms", 3),
                )
            )
    return verdicts


def _startup(results: dict[str, Any]) -> list[Verdict]:
    emulator = results.get("servers", {}).get("emulator")
    if not emulator:
        return []
    value = emulator["median_s"]
    ceiling = results["servers"].get("ceiling", {}).get("median_s")
    return [
        Verdict(
            "startup",
            f"`emulator serve` start-up to first answer: at most {STARTUP_S} s",
            f"{value:.2f} s",
            value / STARTUP_S,
            value <= STARTUP_S,
            f"{ceiling:.2f} s" if ceiling else "",
            spread=spread(emulator.get("runs_s", []), " s"),
        )
    ]


def _scale(results: dict[str, Any]) -> list[Verdict]:
    sizes = [str(size) for size in results["sizes"]]
    small, large = sizes[0], sizes[-1]
    verdicts = []
    labels = {
        "search_email": "search by email",
        "search_custom_attribute": "search by a custom attribute",
        "retrieve": "GET /contacts/{id}",
    }
    for case, label in labels.items():
        ratio = (
            results["by_size"][large][case]["median_ms"]
            / results["by_size"][small][case]["median_ms"]
        )
        verdicts.append(
            Verdict(
                f"scale_{case}",
                f"{label}: time at {int(large):,} contacts within 3x of the time at {int(small):,}",
                f"{ratio:.2f}x",
                ratio,
                ratio <= 3.0,
            )
        )
    return verdicts


def _memory(results: dict[str, Any]) -> list[Verdict]:
    sizes = sorted(results, key=int)
    small, large = results[sizes[0]], results[sizes[-1]]
    ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
    return [
        Verdict(
            "translator_memory",
            f"translator plan: peak memory at {int(sizes[-1]):,} events within 1.2x of"
            f" {int(sizes[0]):,}",
            f"{ratio:.2f}x ({small['peak_rss_mib']:.0f} -> {large['peak_rss_mib']:.0f} MiB)",
            ratio,
            ratio <= 1.2,
        )
    ]


def evaluate(results: dict[str, dict[str, Any]]) -> list[Verdict]:
    """Every target the results allow to judge, in the issue's order."""
    verdicts: list[Verdict] = []
    if "throughput" in results:
        verdicts += _throughput(results["throughput"])
    if "profiles" in results:
        verdicts += _profiles(results["profiles"])
    if "inprocess" in results:
        verdicts += _inprocess(results["inprocess"])
    if "startup" in results:
        verdicts += _startup(results["startup"])
    if "scale" in results:
        verdicts += _scale(results["scale"])
    if "translator" in results and "memory" in results["translator"]:
        verdicts += _memory(results["translator"]["memory"])
    return verdicts
