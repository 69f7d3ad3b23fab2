"""JSON from outside, read once at the edge: request bodies, the control API's, a seed, and the
Messenger's `user_data` and `metadata` form fields all come through `loads` (a YAML seed through
`check`), so no route, store function or page ever sees text SQLite cannot store.

What is refused, with 400 `parameter_invalid` naming the field (`custom_attributes.plan`,
`contacts[2].email`):

- text that is not valid Unicode: a lone surrogate (`"\\ud800"`, valid JSON escape, invalid
  Unicode; SQLite and UTF-8 cannot hold it), in a value or a key;
- NUL is stored as sent, in values and keys: Intercom refuses it in metadata keys ("can't
  contain ... the NULL character" [HC-EVSET]), but its description allows any key there, and
  the contract suite holds the emulator to the description;
- nesting deeper than `MAX_DEPTH` (Intercom's bodies are flat: its deepest, a search with two
  nested groups [S2.11], is 6 levels; the limit is the emulator's choice);
- what is not a JSON value: NaN and Infinity (Python's reader takes them), numbers past a
  float's range, and the types YAML adds (dates, binary, keys that are not strings).

The check walks the value only when the text could hold one of these (a `\\u` escape of a
surrogate, more brackets than `MAX_DEPTH`, a float), so most bodies cost one scan.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from emulator.errors import ParameterInvalid

MAX_DEPTH = 32
_SUSPECT = re.compile(rb"\\u[dD][89a-fA-F]")
_LONG_DIGITS = re.compile(rb"[0-9]{19}")  # an integer orjson may not hold (past 64 bits)
_SLOW = object()  # what `_fast` returns for text it leaves to the standard library


def loads(raw: bytes | str, field: str | None = None, what: str = "The request body") -> Any:
    """The JSON value in `raw`, checked (see the module's description); 400 naming `field`
    (the form field holding the text, or none for a body) otherwise."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    value = _fast(data)
    if value is not _SLOW:
        if data.count(b"[") + data.count(b"{") > MAX_DEPTH or _SUSPECT.search(data):
            check(value, field or "", what)
        return value
    non_finite: list[str] = []  # NaN, Infinity, 1e400: refused by the walk, naming the field

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            non_finite.append(text)
        return value

    try:
        value = json.loads(data.decode("utf-8"), parse_float=number, parse_constant=number)
    except UnicodeDecodeError as exc:
        raise ParameterInvalid(f"{what} is not valid UTF-8", field=field) from exc
    except RecursionError as exc:
        raise _too_deep(what, field) from exc
    except ValueError as exc:
        raise ParameterInvalid(f"{what} is not valid JSON: {exc}", field=field) from exc
    deep = data.count(b"[") + data.count(b"{") > MAX_DEPTH
    if non_finite or deep or _SUSPECT.search(data):
        check(value, field or "", what)
    return value


def _fast(data: bytes) -> Any:
    """orjson's reading (several times the standard library's speed) where it is the same:
    text that may hold an integer beyond 64 bits (which orjson reads as a float) is left to the
    standard library, as is all orjson refuses (NaN, 1e400, a lone surrogate, invalid UTF-8 or
    JSON), so the value or the error is the one the standard library gives."""
    if _LONG_DIGITS.search(data):
        return _SLOW
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _SLOW


def _too_deep(what: str, field: str | None) -> ParameterInvalid:
    return ParameterInvalid(f"{what} is nested more than {MAX_DEPTH} levels deep", field=field)


def check(value: Any, root: str = "", what: str = "The request body") -> None:
    """Refuse what `loads` refuses in a value already parsed (a YAML seed's)."""
    stack: list[tuple[Any, str, int]] = [(value, root, 1)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise _too_deep(what, where or None)
        if isinstance(item, dict):
            for key, inner in item.items():
                stack.append((inner, _key_path(where, key, what), depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
        else:
            _check_scalar(item, where, what)


def _key_path(where: str, key: Any, what: str) -> str:
    if not isinstance(key, str):
        raise ParameterInvalid(f"{what} has a key that is not text: {key!r}", field=where or None)
    path = f"{where}.{_printable(key)}" if where else _printable(key)
    if not _is_unicode(key):
        raise ParameterInvalid(
            f"The key {path} is not valid Unicode (a lone surrogate)", field=path
        )
    return path


def _check_scalar(item: Any, where: str, what: str) -> None:
    field = where or None
    if isinstance(item, str):
        if not _is_unicode(item):
            raise ParameterInvalid(
                f"{where or what} is not valid Unicode (a lone surrogate)", field=field
            )
    elif isinstance(item, float):
        if not math.isfinite(item):
            raise ParameterInvalid(f"{where or what} is not a finite number", field=field)
    elif item is not None and not isinstance(item, bool | int):
        raise ParameterInvalid(
            f"{where or what} is not a JSON value ({type(item).__name__})", field=field
        )


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(key: str) -> str:
    """A key as a field name can show it: a lone surrogate or NUL as its escape."""
    if _is_unicode(key) and "\x00" not in key:
        return key
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
