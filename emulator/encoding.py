"""The JSON every answer is written in: orjson, about ten times faster than the standard library
at the emulator's shapes (docs/benchmarks.md), with the standard library's output where orjson
refuses a value (an integer beyond 64 bits, a key that is not a string)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider


def dumps_bytes(obj: Any) -> bytes:
    """Compact JSON, keys in their order."""
    try:
        return orjson.dumps(obj)
    except TypeError:  # orjson.JSONEncodeError: what only the standard library writes
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class FastJSON(DefaultJSONProvider):
    """Flask's JSON provider, its answers (`jsonify`) on orjson. `app.json.dumps` stays the
    standard library's: Flask's test client writes request bodies with it, and a test sending
    NaN must send NaN (orjson writes null)."""

    sort_keys = False  # Intercom's field order
    compact = True

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = dumps_bytes(obj) + b"\n"  # a newline at the end, as Flask's own provider
        return self._app.response_class(body, mimetype=self.mimetype)


def init_app(app: Flask) -> None:
    app.json = FastJSON(app)
