"""One input line read once: its bytes decoded, its JSON parsed, its event and user found.

A line that is not UTF-8, not JSON, or nested deeper than ``MAX_DEPTH`` is not an event: it
becomes a ``Line`` with a ``problem`` (a reason code and a sentence) and the raw bytes escaped
(``\\xff`` for a byte that is not UTF-8), so that it can be dead-lettered with its line number
while every other line goes on. The parsed ``Event`` is kept for the sender: an event is parsed
once, whether its user is needed to order it or its plan to send it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from translator.core.calls import Reason
from translator.core.events import Event, parse_event
from translator.core.session import user_key
from translator.core.settings import Settings

# Deeper than any event Intercom could store (custom attributes and metadata are flat): a line
# nested this deep is refused on its own instead of exhausting the interpreter's recursion.
MAX_DEPTH = 100


@dataclass(frozen=True)
class Line:
    """What one line holds: ``text`` to queue, or a ``problem`` and the ``raw`` line escaped."""

    text: str
    number: int | None = None
    event: Event | Reason | None = None
    user_key: str | None = None
    problem: Reason | None = None
    raw: str | None = None


def read_line(data: bytes | str, settings: Settings, number: int | None = None) -> Line:
    """The line ``data`` (bytes from a file, or text from HTTP) read and parsed."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            where = f"byte {error.start + 1}"
            problem = Reason(
                "invalid_utf8", f"line {number} is not UTF-8 ({where}: {error.reason})"
            )
            return _bad(data, number, problem)
    else:
        text = data.strip()
    try:
        value = json.loads(text)
    except RecursionError:
        return _bad(data, number, _too_deep(number))
    except ValueError as error:
        return _bad(data, number, Reason("invalid_json", f"line {number} is not JSON: {error}"))
    return parsed_line(text, value, settings, number)


def parsed_line(text: str, value: Any, settings: Settings, number: int | None = None) -> Line:
    """The ``Line`` of an already decoded JSON value."""
    if _depth_exceeds(value, MAX_DEPTH):
        return _bad(text, number, _too_deep(number))
    event = parse_event(value)
    return Line(text, number, event, ordering_key(event, settings))


def ordering_key(event: Event | Reason | None, settings: Settings) -> str | None:
    """The user an event is about: ``user:<id>``, ``email:<lower-cased>``, ``anonymous:<id>``
    (the key ``translator plan`` remembers contact ids by, too)."""
    return user_key(event, settings)


def escaped(data: bytes | str) -> str:
    """A line as printable text: bytes that are not UTF-8 as ``\\xNN``, lone surrogates as
    ``\\udNNN``."""
    if isinstance(data, bytes):
        return data.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
    return data.rstrip("\r\n").encode("utf-8", "backslashreplace").decode("utf-8")


def _bad(data: bytes | str, number: int | None, problem: Reason) -> Line:
    return Line("", number, None, None, problem, escaped(data)[:2000])


def _too_deep(number: int | None) -> Reason:
    what = f"line {number}" if number is not None else "the message"
    return Reason("nested_too_deep", f"{what} is nested more than {MAX_DEPTH} levels deep")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests objects or arrays more than ``limit`` deep (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False
