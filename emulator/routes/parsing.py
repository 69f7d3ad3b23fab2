"""Reading a request: its store context, its JSON body and its query parameters."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from emulator import json_input, request_state
from emulator.errors import ParameterInvalid, UnsupportedMediaType
from emulator.store.context import Context


def context() -> Context:
    """The store context the front door built for this request (emulator.access)."""
    ctx = request_state.current().ctx
    if ctx is None:
        raise RuntimeError("no store context: the request never passed the front door")
    return ctx


def readable_body() -> bytes:
    """The raw body; a body the server cannot even read (gunicorn raises its own parse errors,
    such as InvalidChunkSize, for a malformed chunked body) is a 400, never a 500."""
    try:
        return request.get_data(cache=True)
    except HTTPException:
        raise  # werkzeug's own answers, such as 413 for a body over the limit
    except Exception as exc:
        raise ParameterInvalid("The request body could not be read: it is malformed") from exc


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; `{}` when there is none. Parsed once per request (the
    request validation reads it before the route does)."""
    state = request_state.current()
    if state.json_body is None:
        state.json_body = _parse_json_body()
    return state.json_body


def _parse_json_body() -> dict[str, Any]:
    raw = readable_body()
    if not raw:
        return {}  # no body; a body of whitespace alone is not JSON (400 below)
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType()
    body = json_input.loads(raw)  # valid UTF-8, JSON, Unicode, depth: 400 otherwise
    if not isinstance(body, dict):
        raise ParameterInvalid("The request body must be a JSON object")
    return body


def query() -> dict[str, str]:
    """Query parameters, one value each (the last when repeated)."""
    if not request.query_string:  # most requests: no parsing, no MultiDict
        return {}
    return {key: values[-1] for key, values in request.args.lists()}


def flag(args: dict[str, str], name: str) -> bool:
    """A `true`/`false` query parameter (false when absent, any case); anything else is 400."""
    value = args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise ParameterInvalid(f"{name} must be true or false", field=name)
    return value == "true"


def ok(body: Any, status: int = 200) -> tuple[Response, int]:
    return jsonify(body), status


def accepted() -> Response:
    """202 with an empty body, as Intercom answers a data event."""
    return Response(status=202)
