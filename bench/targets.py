"""The issue's targets, each computed as a ratio between figures measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench import loadgen
from bench.throughput import paired_ratio


@dataclass(frozen=True)
class Verdict:
    key: str
    target: str
    measured: str
    ratio: float | None
    met: bool | None  # None: not measured in this run
    ceiling: str = ""  # what the bare Flask + SQLite app reached against the same yardstick


def _at_least(ratio: float, bound: float) -> bool:
    return ratio >= bound


def _throughput(results: dict[str, Any]) -> list[Verdict]:
    runs = results["runs"]
    verdicts = []
    for route in ("events", "get_contact"):
        ratio = paired_ratio(runs, route, "emulator", "ceiling", "rps")
        verdicts.append(
            Verdict(
                f"ceiling_{route}",
                f"{loadgen.ROUTE_LABELS[route]}: at least 70% of the bare Flask + SQLite ceiling",
                f"{ratio:.0%} of the ceiling",
                ratio,
                _at_least(ratio, 0.70),
            )
        )
    for route in loadgen.ROUTES:
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
            ),
            Verdict(
                f"prism_p99_{route}",
                f"{label}: p99 at most a quarter of Prism's",
                f"{p99:.2f} of Prism's p99",
                p99,
                p99 <= 0.25,
                f"{p99_c:.2f}",
            ),
            Verdict(
                f"wiremock_rps_{route}",
                f"{label}: at least half of WireMock's throughput",
                f"{wiremock:.2f}x",
                wiremock,
                _at_least(wiremock, 0.5),
                f"{wiremock_c:.2f}x",
            ),
        ]
    return verdicts


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
    if "scale" in results:
        verdicts += _scale(results["scale"])
    if "translator" in results and "memory" in results["translator"]:
        verdicts += _memory(results["translator"]["memory"])
    return verdicts
