"""A ``translator verify`` run: check the target answers, run every scenario in the run's
namespace, clean up, and say what passed, what failed and why, and what was left behind."""

from __future__ import annotations

import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from translator.verify.scenarios import SCENARIOS
from translator.verify.workspace import Workspace


class TargetProblem(Exception):
    """The target cannot be used: ``unreachable`` (exit 3) or it refused the token (exit 2)."""

    def __init__(self, message: str, unreachable: bool) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass
class Row:
    scenario: str
    passed: bool
    reason: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    deleted: int = 0
    left: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(row.passed for row in self.rows)


def check_target(url: str, token: str) -> bool:
    """Raise ``TargetProblem`` unless ``GET /me`` answers with the token; whether the target is
    an emulator (it answers ``GET /_emulator/health``)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        me = requests.get(f"{url}/me", headers=headers, timeout=30)
    except requests.RequestException as error:
        reason = type(error).__name__
        raise TargetProblem(f"cannot reach {url} ({reason})", unreachable=True) from None
    if me.status_code in (401, 403):
        raise TargetProblem(f"{url} refused the token ({me.status_code})", unreachable=False)
    if me.status_code != 200:
        raise TargetProblem(f"{url}/me answered {me.status_code}", unreachable=False)
    try:
        health = requests.get(f"{url}/_emulator/health", timeout=30)
        return health.status_code == 200 and health.json().get("status") == "ok"
    except (requests.RequestException, ValueError, AttributeError):
        return False


def run_all(workspace: Workspace) -> Report:
    """Every scenario, each in its own scratch directory; then the clean-up."""
    report = Report()
    with tempfile.TemporaryDirectory(prefix="intercom-translator-verify-") as scratch:
        try:
            for number, (name, scenario) in enumerate(SCENARIOS.items()):
                directory = Path(scratch) / str(number)
                directory.mkdir()
                report.rows.append(_run_one(name, scenario, workspace, directory))
        finally:
            _clean_up(workspace, report)
    return report


def _run_one(
    name: str, scenario: Callable[[Workspace, Path], str], workspace: Workspace, directory: Path
) -> Row:
    try:
        done = scenario(workspace, directory)
    except AssertionError as error:
        return Row(name, False, _one_line(str(error) or "assertion failed", workspace))
    except Exception as error:  # noqa: BLE001 - any failure is the row's reason
        where = traceback.extract_tb(error.__traceback__)[-1]
        text = f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})"
        return Row(name, False, _one_line(text, workspace))
    return Row(name, True, done)


def _clean_up(workspace: Workspace, report: Report) -> None:
    try:
        report.deleted, left = workspace.clean_up()
    except Exception as error:  # noqa: BLE001 - reported, never hides the rows
        left = [f"clean-up stopped: {_one_line(str(error), workspace)}"]
    report.left = left + sorted(workspace.kept)


def _one_line(text: str, workspace: Workspace, width: int = 200) -> str:
    line = " ".join(text.replace(workspace.token, "[token]").split())
    return line if len(line) <= width else line[: width - 1] + "…"
