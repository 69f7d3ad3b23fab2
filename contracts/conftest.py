"""pytest hooks for the contract suites: the schemathesis run prints what it covered."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After `make contracts` (or `make test`): operations, requests, scenarios and checks."""
    import sys

    support = sys.modules.get("contracts.schemathesis_support")
    if support is None or not support.COVERAGE.cases:
        return
    from emulator import openapi

    served = openapi.without_planned(openapi.load())
    described = [f"{method} {path}" for method, path, _ in openapi.operations(served)]
    terminalreporter.section("schemathesis coverage")
    for line in support.COVERAGE.lines(described):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"fresh workspaces (tokens) used: {support.SUPPLY.used}")
