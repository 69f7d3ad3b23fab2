"""Schemathesis's negative data against the emulator's own description (`GET /openapi.json`):
requests that break the description get a 4xx `error.list` (or are harmless and accepted),
never a 5xx. Bounded: a few examples per operation, in process. The full contract suite with
both phases lives under contracts/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from emulator import create_app

EXAMPLES_PER_OPERATION = 6
# The inspector is an HTML page for people, not part of the API.
SKIPPED_PREFIXES = ("/_emulator/inspector", "/_emulator/ ")


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [
        op
        for op in operations
        if not (op.path + " ").startswith(SKIPPED_PREFIXES) and op.path != "/_emulator/"
    ]


def test_negative_data_never_gets_a_server_error(tmp_path: Path) -> None:
    app = create_app({"DATABASE": str(tmp_path / "fuzz.db")})
    operations = _operations(app)
    failures: list[str] = []
    fuzzed = sum(_fuzz(operation, failures) for operation in operations)
    assert fuzzed > 30
    assert failures == [], "\n".join(failures[:10])


def _fuzz(operation: Any, failures: list[str]) -> bool:
    """A few negative cases of one operation; what went wrong is added to `failures`. False
    when the operation has nothing to break (no parameters, no body)."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": "Bearer fuzz"}
        response = case.call()
        if response.status_code >= 500 or (
            response.status_code >= 400 and not _is_error_list(response.text)
        ):
            failures.append(f"{operation.label}: {response.status_code} {response.text[:200]}")

    try:
        check()
    except Unsatisfiable:
        return False
    return True


def _is_error_list(text: str) -> bool:
    try:
        return bool(json.loads(text).get("type") == "error.list")
    except (ValueError, AttributeError):
        return False
