"""The CI recipes in examples/ci/ work (issue 17, item 3): each GitHub Actions workflow is parsed
and its `run:` steps run here, in order, as the runner would run them (`shell: bash`: `bash
--noprofile --norc -eo pipefail`, one process per step, GITHUB_ENV carried between steps, `if:`
honoured), in a temporary project that stands in for the one the workflow would check out.

What stands in for what, and the one substitution:

- `uses:` steps are not run: `actions/checkout` is the temporary project (a test file and a
  requirements-dev.txt), `actions/setup-python` a clean virtual environment (made once for the
  module; Python 3.11 or later, as the workflows ask), `actions/upload-artifact` is checked
  for the files it names.
- EMULATOR_PACKAGE, the workflows' knob for where pip finds the emulator (a clone's path, a
  git URL or a wheel), is set to a wheel built from this checkout: the install step installs
  this checkout rather than a second clone. EMULATOR_PORT and INTERCOM_BASE_URL name a free
  port instead of 8000, which another program on this machine may hold.
- RUNNER_TEMP, GITHUB_ENV and GITHUB_WORKSPACE are temporary; the servers the steps start bind
  127.0.0.1 and are stopped with their process group when the job ends, as the runner does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "examples" / "ci"
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "emulator", "translator")

SERVICE_TEST = """\
import os

import requests

BASE, TOKEN = os.environ["INTERCOM_BASE_URL"], os.environ["INTERCOM_TOKEN"]


def test_signup_creates_the_contact():
    answer = requests.post(
        f"{BASE}/contacts",
        json={"email": EMAIL},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
"""

PLUGIN_TEST = """\
def test_signup_creates_the_contact(intercom_workspace, intercom_journal):
    answer = intercom_workspace.post("/contacts", json={"email": EMAIL})
    intercom_journal.assert_no_refusals()
    assert answer.status_code == 200
"""


@dataclass
class Job:
    """What a run of a workflow's job did: each step's name, whether it ran, its output."""

    steps: list[tuple[str, str, str]] = field(default_factory=list)  # name, outcome, output
    failed: bool = False

    def output(self, name: str) -> str:
        return next(out for step, _, out in self.steps if step == name)

    def outcomes(self) -> dict[str, str]:
        return {name: outcome for name, outcome, _ in self.steps}


def _load(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((RECIPES / name).read_text(encoding="utf-8"))
    assert workflow["defaults"]["run"]["shell"] == "bash"
    assert list(workflow["jobs"]) == ["test"]
    return dict(workflow)


def _should_run(condition: str | None, failed: bool) -> bool:
    table = {None: not failed, "success()": not failed, "failure()": failed, "always()": True}
    assert condition in table, f"the test does not evaluate `if: {condition}`"
    return table[condition]


def _read_github_env(path: Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if "=" in line]
    return {name: value for name, value in pairs}


class Runner:
    """The runner's side: a process group for the job, a step at a time."""

    def __init__(self, workspace: Path, python_bin: Path, wheel: Path) -> None:
        self.workspace = workspace
        temp = workspace.parent / "runner-temp"
        temp.mkdir()
        self.github_env = temp.parent / "github-env"
        self.github_env.touch()
        self.env = {
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(workspace.parent),
            "LANG": "C.UTF-8",
            "CI": "true",
            "RUNNER_TEMP": str(temp),
            "GITHUB_ENV": str(self.github_env),
            "GITHUB_WORKSPACE": str(workspace),
        }
        port = _free_port()
        self.substitutions = {
            "EMULATOR_PACKAGE": str(wheel),
            "EMULATOR_PORT": str(port),
            "INTERCOM_BASE_URL": f"http://127.0.0.1:{port}",
        }
        # The job's process group; it stops the group if the test process disappears.
        watch = f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; kill -TERM -- -$$"
        self.leader = subprocess.Popen(["bash", "-c", watch], process_group=0)

    def run(self, workflow: dict[str, Any]) -> Job:
        job, failed = Job(), False
        env = {**self.env, **_strings(workflow.get("env", {}))}
        env.update(_strings(workflow["jobs"]["test"].get("env", {})))
        env.update(self.substitutions)  # see the module's docstring
        try:
            for step in workflow["jobs"]["test"]["steps"]:
                name = step.get("name") or step.get("uses")
                if "uses" in step or not _should_run(step.get("if"), failed):
                    job.steps.append((name, "uses" if "uses" in step else "skipped", ""))
                    continue
                assert "${{" not in step["run"], f"{name}: expressions are not evaluated here"
                result = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                    cwd=self.workspace,
                    env={**env, **_strings(step.get("env", {}))},
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=900,
                    process_group=self.leader.pid,
                )
                failed = failed or result.returncode != 0
                outcome = "failed" if result.returncode else "passed"
                job.steps.append((name, outcome, result.stdout + result.stderr))
                env.update(_read_github_env(self.github_env))
        finally:
            job.failed = failed
        return job

    def stop(self) -> None:
        """End of job: everything the steps left running gets SIGTERM, then SIGKILL."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.leader.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                self.leader.poll()  # reaped, or the group lives on as a zombie
                try:
                    os.killpg(self.leader.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _strings(mapping: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in mapping.items()}


@pytest.fixture(scope="module")
def python_and_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """setup-python's stand-in (a clean venv with pip, nothing else) and this checkout's wheel."""
    work = tmp_path_factory.mktemp("ci-recipes")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    subprocess.run([*pip, "wheel", "-qq", "--no-deps", "-w", work / "dist", source], check=True)
    (wheel,) = (work / "dist").glob("intercom_emulator-*.whl")
    # Without ensurepip (slow), then the repository's pip puts pip in it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", work / "venv"], check=True)
    target = work / "venv" / "bin" / "python"
    subprocess.run([*pip, "--python", target, "install", "-qq", "pip"], check=True)
    return work / "venv" / "bin", wheel


@pytest.fixture
def runner(tmp_path: Path, python_and_wheel: tuple[Path, Path]) -> Iterator[Runner]:
    workspace = tmp_path / "project"
    (workspace / "tests").mkdir(parents=True)
    (workspace / "requirements-dev.txt").write_text("pytest\nrequests\n")
    runner = Runner(workspace, *python_and_wheel)
    try:
        yield runner
    finally:
        runner.stop()


def _project_test(runner: Runner, template: str, email: object) -> None:
    text = template.replace("EMAIL", repr(email))
    (runner.workspace / "tests" / "test_signup.py").write_text(text)


def test_the_service_recipe_serves_the_tests_and_stops_the_emulator(runner: Runner) -> None:
    _project_test(runner, SERVICE_TEST, "ada@example.com")
    job = runner.run(_load("github-actions-service.yml"))
    assert not job.failed, job.steps
    assert job.outcomes()["Run the tests"] == "passed"
    assert "1 passed" in job.output("Run the tests")
    assert job.outcomes()["Show what reached the emulator"] == "skipped"
    assert job.outcomes()["Stop the emulator"] == "passed"  # the server was still running
    assert '{"status":"ok"}' in job.output("Wait until it answers")


def test_the_service_recipe_prints_and_keeps_the_journal_when_tests_fail(runner: Runner) -> None:
    _project_test(runner, SERVICE_TEST, 42)
    workflow = _load("github-actions-service.yml")
    job = runner.run(workflow)
    assert job.failed and job.outcomes()["Run the tests"] == "failed"
    journal = job.output("Show what reached the emulator")
    assert job.outcomes()["Show what reached the emulator"] == "passed", journal
    refusal = "POST    /contacts  400     refused  parameter_invalid: email must be a string"
    assert refusal in journal
    assert f"ready on {runner.substitutions['INTERCOM_BASE_URL']}" in journal  # the server's log
    steps = workflow["jobs"]["test"]["steps"]
    (upload,) = [step for step in steps if "upload-artifact" in step.get("uses", "")]
    temp = Path(runner.env["RUNNER_TEMP"])
    for line in upload["with"]["path"].splitlines():
        kept = temp / line.replace("${{ runner.temp }}/", "")
        assert kept.stat().st_size > 0, line
    assert job.outcomes()["Stop the emulator"] == "passed"


def test_the_pytest_plugin_recipe_runs_the_projects_tests(runner: Runner) -> None:
    _project_test(runner, PLUGIN_TEST, "ada@example.com")
    job = runner.run(_load("github-actions-pytest.yml"))
    assert not job.failed, job.steps
    assert "1 passed" in job.output("Run the tests")


def test_the_pytest_plugin_recipe_fails_with_the_requests_listed(runner: Runner) -> None:
    _project_test(runner, PLUGIN_TEST, 42)
    job = runner.run(_load("github-actions-pytest.yml"))
    assert job.failed
    assert "POST /contacts -> 400 parameter_invalid: email must be a string" in job.output(
        "Run the tests"
    )
