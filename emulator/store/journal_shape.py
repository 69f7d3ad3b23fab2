"""A stored journal row as the control API and the inspector show it."""

from __future__ import annotations

import json
from typing import Any

from emulator import json_input
from emulator.errors import IntercomError


def shape(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        seq,
        request_id,
        at,
        method,
        path,
        query,
        status,
        request_body,
        response_body,
        code,
        message,
        warnings,
        fault_id,
        latency_ms,
    ) = row
    return {
        "id": seq,
        "request_id": request_id,
        "at": at,
        "method": method,
        "path": path,
        "query": query,
        "status": status,
        "verdict": "accepted" if status < 400 else "refused",
        "error": {"code": code, "message": message} if code else None,
        "warnings": json.loads(warnings),
        "fault_id": fault_id,
        "latency_ms": latency_ms,
        "request_body": parse(request_body),
        "response_body": parse(response_body),
    }


def parse(text: str | None) -> Any:
    """A stored body as JSON, or as the text it is when that is not JSON the pages and the API
    can show (a refused body may hold a lone surrogate, or nest past the edge's limit)."""
    if not text:
        return None
    try:
        value = json.loads(text)
        if "\\u" in text or text.count("{") + text.count("[") > json_input.MAX_DEPTH:
            json_input.check(value)
    except (ValueError, RecursionError, IntercomError):
        return text
    return value
