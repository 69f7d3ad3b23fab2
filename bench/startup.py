"""Start-up: each server to its first answer, and what the pytest fixtures cost a test suite.

The pytest figures come from throwaway test files run in a subprocess: one test that needs no
emulator (pytest's own cost), one test with `intercom_workspace` (plus the session's server),
and many such tests (the cost per test is the slope between the last two).
"""

from __future__ import annotations

import json
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
# A start's parts in one fresh process, as `emulator serve` goes through them before granian
# forks its workers (each worker then builds its own app), and the same for the bare app.
_PARTS = """
import json, os, sys, tempfile, time
marks = [time.perf_counter()]
if sys.argv[1] == "emulator":
    import emulator.app, emulator.server
    marks.append(time.perf_counter())
    app = emulator.app.create_app({"DATABASE": os.path.join(tempfile.mkdtemp(), "e.db")})
else:
    os.environ["CEILING_DB"] = os.path.join(tempfile.mkdtemp(), "c.db")
    import granian.server.mp
    import bench.ceiling_app
    marks.append(time.perf_counter())
    app = bench.ceiling_app.app
marks.append(time.perf_counter())
# The emulator's first 200 on GET /me, as server_startups waits for; the bare app's first answer
# (a contact it does not have).
answer = app.test_client().get("/me" if sys.argv[1] == "emulator" else "/contacts/none",
                                headers={"Authorization": "Bearer startup"})
marks.append(time.perf_counter())
print(json.dumps({"import_s": marks[1] - marks[0], "build_s": marks[2] - marks[1],
                  "first_answer_s": marks[3] - marks[2], "status": answer.status_code}))
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


def startup_parts(repeats: int) -> dict[str, Any]:
    """Where a start goes, per app: importing its modules (the server's included), building the
    app, and its first answer in process (medians of fresh processes, bytecode written first)."""
    results: dict[str, Any] = {}
    for name in ("emulator", "ceiling"):
        runs = [_parts(name) for _ in range(repeats + 1)][1:]
        results[name] = {
            part: statistics.median(run[part] for run in runs)
            for part in ("import_s", "build_s", "first_answer_s")
        }
        print(
            f"  {name} start-up parts: "
            + ", ".join(f"{part} {seconds:.3f}" for part, seconds in results[name].items()),
            flush=True,
        )
    return results


def _parts(name: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _PARTS, name],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=servers.ROOT,
        env=servers.without_bytecode_ban(os.environ),
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the start-up parts of {name} failed:\n{done.stdout}\n{done.stderr}")
    parts = json.loads(lines[-1])
    expected = 200 if name == "emulator" else 404
    if parts.pop("status") != expected:
        raise RuntimeError(f"{name} did not answer {expected} on its first request: {parts}")
    return parts


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
