"""`POST /events/summaries`: how often a user did an event elsewhere, and when first and last.

Intercom documents the body (`user_id` and one `event_summaries` object of `event_name`,
`count`, `first` and `last`) and a 200 [S2.11], [S2.16]. Everything else is UNCONFIRMED; the
emulator's choices follow `POST /events` (emulator/store/events.py):

- `user_id` is the contact's `external_id`, found as `POST /events` finds it (users before leads
  sharing it; archived and merged contacts are not found): otherwise 404 "User Not Found".
- The name is normalised and admitted as an event's name is: it takes one of the
  `event_name_limit` active names (422 past it) and unarchives an archived name.
- Intercom's schema requires none of the summary's fields; its prose says a summary "should
  contain the event name, the time the event occurred, and the number of times the event
  occurred" [S2.11 `create_data_event_summaries_request`]. So `event_name` and `count` are
  required, and a time: `first`, `last` or both (one alone stands for both). `count` is 1 to
  `EVENT_SUMMARY_COUNT_MAX` (a summary of nothing has no time), `first` and `last` are unix
  seconds with `first <= last`.
- A summary adds to the user's line for its name in `GET /events?summary=true`: counts add up,
  `first` is the earliest and `last` the latest of the events and summaries. The same summary
  sent again (same user, name, count, first and last) is stored once, as a repeated event is.
  Summaries are not events: the event list (without `summary=true`) does not show them.
- Unknown keys are ignored and noted in the journal, as on `POST /events`.
- `event_summaries` is one object, as both descriptions type it (their prose says "a list").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.errors import ParameterInvalid, ParameterNotFound, UserNotFound
from emulator.limits import EVENT_SUMMARY_COUNT_MAX
from emulator.store import event_names, events, validation
from emulator.store.context import Context

_BODY_KEYS = ("user_id", "event_summaries")
_SUMMARY = "event_summaries"
_SUMMARY_KEYS = ("event_name", "count", "first", "last")
_TIMESTAMP_MAX = 2**53 - 1  # beyond what SQLite and JSON clients hold exactly, as for events
# Seconds past the year 5138: a time this large was almost surely sent in milliseconds.
_MILLISECONDS_FROM = 10**11


@dataclass(frozen=True)
class Summary:
    event_name: str  # normalised
    count: int
    first: int
    last: int


def create(ctx: Context, body: dict[str, Any]) -> None:
    """Add one summary to a user's events (once, however often it is sent), or raise what
    Intercom answers."""
    _note_unknown_keys(ctx, body, _BODY_KEYS, "")
    user_id = validation.typed(body, "user_id", str)
    validation.required(body, "user_id")
    summary = _summary(ctx, body)
    user = events.find_user(ctx, "user_id", user_id)
    if user is None:
        raise UserNotFound()
    event_names.admit(ctx, summary.event_name)
    cursor = ctx.db.execute(
        "INSERT OR IGNORE INTO event_summaries"
        " (workspace_id, contact_id, event_name, count, first, last, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            ctx.workspace.id,
            user.id,
            summary.event_name,
            summary.count,
            summary.first,
            summary.last,
            ctx.now,
        ],
    )
    if cursor.rowcount == 0:
        ctx.warnings.append(f"duplicate summary of '{summary.event_name}' ignored")


def _summary(ctx: Context, body: dict[str, Any]) -> Summary:
    raw: dict[str, Any] = _field(body, _SUMMARY, dict, _SUMMARY)
    _note_unknown_keys(ctx, raw, _SUMMARY_KEYS, f"{_SUMMARY}.")
    name = _field(raw, "event_name", str)
    count = _bounded(raw, "count", 1, EVENT_SUMMARY_COUNT_MAX)
    if raw.get("first") is None and raw.get("last") is None:
        raise ParameterNotFound(
            f"{_SUMMARY}.first or {_SUMMARY}.last not specified", field=f"{_SUMMARY}.first"
        )
    first = _timestamp(ctx, raw, "first") if raw.get("first") is not None else None
    last = _timestamp(ctx, raw, "last") if raw.get("last") is not None else None
    first = first if first is not None else last
    last = last if last is not None else first
    assert first is not None and last is not None
    if first > last:
        raise ParameterInvalid(
            f"{_SUMMARY}.first must not be after {_SUMMARY}.last", field=f"{_SUMMARY}.first"
        )
    return Summary(event_names.normalise(name), count, first, last)


def _field(values: dict[str, Any], key: str, kind: type, name: str | None = None) -> Any:
    """`values[key]`, present, not empty and of its JSON type; errors name it `name` (by
    default `event_summaries.<key>`, as the request validation names a nested field)."""
    name = name or f"{_SUMMARY}.{key}"
    named = {name: values[key]} if key in values else {}
    value = validation.typed(named, name, kind, nullable=False)
    validation.required(named, name)
    return value


def _bounded(values: dict[str, Any], key: str, low: int, high: int) -> int:
    value: int = _field(values, key, int)
    if not low <= value <= high:
        name = f"{_SUMMARY}.{key}"
        raise ParameterInvalid(f"{name} must be between {low} and {high}", field=name)
    return value


def _timestamp(ctx: Context, values: dict[str, Any], key: str) -> int:
    value = _bounded(values, key, 0, _TIMESTAMP_MAX)
    if value >= _MILLISECONDS_FROM:
        ctx.warnings.append(f"{_SUMMARY}.{key} looks like milliseconds; Intercom expects seconds")
    return value


def _note_unknown_keys(
    ctx: Context, values: dict[str, Any], known: tuple[str, ...], prefix: str
) -> None:
    """Ignored, not refused, as `POST /events` ignores keys Intercom does not document."""
    unknown = [f"{prefix}{key}" for key in values if key not in known]
    if unknown:
        ctx.warnings.append(f"unknown event summary parameters ignored: {', '.join(unknown)}")
