"""Start-up: each server to its first answer, and what the pytest fixtures cost a test suite.

The pytest figures come from throwaway test files run in a subprocess: one test that needs no
emulator (pytest's own cost), one test with `intercom_workspace` (plus the session's server),
and many such tests (the cost per test is the slope between the last two).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import servers

MANY_TESTS = 50
_WORKSPACE_TEST = """
def test_{n}(intercom_workspace):
    assert intercom_workspace.get("/me").status_code == 200
"""
_PLAIN_TEST = """
def test_plain():
    assert True
"""


def server_startups(repeats: int) -> dict[str, Any]:
    """Seconds from launching each server to its first HTTP answer (`emulator serve`: its
    first 200 on GET /me, the first request of a new workspace)."""
    results: dict[str, Any] = {}
    for kind in servers.all_servers():
        timings = []
        for run in range(repeats + 1):
            server = kind(servers.scratch_dir())
            try:
                server.start()
                if run:  # the first start writes the bytecode an installed package ships with
                    timings.append(server.startup_seconds)
            finally:
                server.stop()
        results[kind.name] = {
            "label": kind.label,
            "median_s": statistics.median(timings),
            "runs_s": timings,
        }
        print(
            f"  {kind.label:30} first answer after {statistics.median(timings):.2f} s", flush=True
        )
    return results


def _pytest_seconds(workdir: Path, source: str) -> float:
    (workdir / "test_throwaway.py").write_text(source, encoding="utf-8")
    (workdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {
        k: v
        for k, v in servers.without_bytecode_ban(os.environ).items()
        if not k.startswith("PYTEST_")
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_throwaway.py"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the throwaway test file failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def pytest_fixture_costs(repeats: int) -> dict[str, Any]:
    """pytest's own start, the session server's start, and each test's own workspace."""
    many = "".join(_WORKSPACE_TEST.format(n=n) for n in range(MANY_TESTS))
    runs: dict[str, list[float]] = {"plain": [], "one": [], "many": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="intercom-pytest-") as workdir:
            runs["plain"].append(_pytest_seconds(Path(workdir), _PLAIN_TEST))
            runs["one"].append(_pytest_seconds(Path(workdir), _WORKSPACE_TEST.format(n=0)))
            runs["many"].append(_pytest_seconds(Path(workdir), many))
    plain, one, many_s = (statistics.median(runs[k]) for k in ("plain", "one", "many"))
    result = {
        "pytest_alone_s": plain,
        "session_server_s": one - plain,
        "per_test_ms": (many_s - one) / (MANY_TESTS - 1) * 1000,
        "tests_in_many": MANY_TESTS,
        "runs_s": runs,
    }
    print(
        f"  pytest alone {plain:.2f} s; intercom_emulator (session) +{one - plain:.2f} s;"
        f" intercom_workspace per test {result['per_test_ms']:.1f} ms",
        flush=True,
    )
    return result
