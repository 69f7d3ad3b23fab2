"""The one helper for asserting Intercom's error body: `{"type": "error.list", "request_id",
"errors": [{"code", "message", "field"?}]}` (tests/emulator/test_error_shape.py pins the shape
on every path)."""

from __future__ import annotations

from typing import Any


def _body(response: Any) -> Any:
    # A Flask test response has get_json(); a requests response has json().
    return response.get_json() if hasattr(response, "get_json") else response.json()


def first_error(
    response: Any,
    status: int | None = None,
    code: str | None = None,
    message: str | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """The first error of an `error.list` response, after checking the status, code, message
    and field that are given."""
    body = _body(response)
    if status is not None:
        assert response.status_code == status, body
    assert isinstance(body, dict) and body.get("type") == "error.list", body
    assert body["errors"], body
    error: dict[str, Any] = body["errors"][0]
    if code is not None:
        assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message, error
    if field is not None:
        assert error.get("field") == field, error
    return error


def only_error(response: Any, status: int | None = None, **expected: str) -> dict[str, Any]:
    """Like `first_error`, for a response that must carry exactly one error."""
    error = first_error(response, status, **expected)
    assert len(_body(response)["errors"]) == 1, _body(response)
    return error
