"""Golden cases: one JSON file per seed-document row, run for each API version it applies to.

A file holds ``covers`` (the seed and row), ``event``, optional ``settings`` (profile and
overrides) and ``received_at``, and under ``versions`` for each Intercom-Version: the scripted
``replies`` to the plan's calls (dry-run answers once they run out), the expected ``calls``
(method, path, query, body, purpose, content_type) and the expected ``outcome``.

``python -m tests.translator.core.golden`` rewrites every file's expectations from the current code:
review the diff before keeping it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from translator import Reply, plan_event, run_plan, scripted, settings_for

GOLDEN_DIR = Path(__file__).parent / "golden"


def load_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(file stem, api version, case) for every version of every golden file."""
    cases = []
    for path in sorted(GOLDEN_DIR.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        for version in case["versions"]:
            cases.append((path.stem, version, case))
    return cases


def run_case(case: dict[str, Any], version: str) -> dict[str, Any]:
    """What the translator does with the case's event under ``version``."""
    options = dict(case.get("settings") or {})
    profile = options.pop("profile", "segment")
    settings = settings_for(profile, api_version=version, **options)
    expected = case["versions"][version]
    replies = [
        Reply(r["status"], r.get("body"), r.get("headers") or {})
        for r in expected.get("replies", [])
    ]
    run = run_plan(plan_event(case["event"], settings, case.get("received_at")), scripted(replies))
    calls = []
    for call in run.calls:
        shown = {
            "method": call.method,
            "path": call.path,
            "query": call.query,
            "body": call.body,
            "purpose": call.purpose,
        }
        if call.is_form:
            shown["content_type"] = call.content_type
        calls.append(shown)
    return {"calls": calls, "outcome": run.outcome.to_dict()}


def update_all() -> None:
    for path in sorted(GOLDEN_DIR.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        for version, expected in case["versions"].items():
            expected.update(run_case(case, version))
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    update_all()
