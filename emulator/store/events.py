"""Data events: `POST /events` stores what a user did, `GET /events` lists it or sums it up.

Intercom's rules [S2.11] `POST /events`: 202 with an empty body; 404 "User Not Found" for a user
it cannot find; an event is the same event when the contact, name and `created_at` repeat, and
a repeat is answered 202 and stored once. Names follow `event_names` (normalised, at most
`event_name_limit` active), metadata follows `metadata`.

The user is looked up by `id`/`intercom_user_id` (Intercom's id), then `user_id` (the contact's
`external_id`), then `email` (lower-cased), whichever comes first in that order; an event is
stored for a lead only when it names the lead by `id` [S2.11]. Archived and merged contacts are
not found (404): the emulator's choice, as Intercom does not say what an event about them does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from emulator.errors import ParameterInvalid, ParameterNotFound, UserNotFound
from emulator.limits import EVENT_LIST_MAX_AGE_SECONDS, EVENTS_PER_PAGE_DEFAULT, PER_PAGE_MAX
from emulator.store import event_names, metadata, validation
from emulator.store.context import Context

_BODY_KEYS = ("event_name", "created_at", "metadata")
_LOOKUP_COLUMN = {
    "id": "id",
    "intercom_user_id": "id",
    "user_id": "external_id",
    "email": "email",
}
# Seconds past the year 5138: a `created_at` this large was almost surely sent in milliseconds.
_MILLISECONDS_FROM = 10**11
# Which identifier wins when a request names the user more than one way.
_BODY_IDENTIFIERS = ("id", "intercom_user_id", "user_id", "email")
_QUERY_IDENTIFIERS = ("intercom_user_id", "user_id", "email")


@dataclass(frozen=True)
class User:
    id: str
    external_id: str | None
    email: str | None


def find_user(ctx: Context, by: str, value: str, *, leads: bool = True) -> User | None:
    """The contact an event is about, found by one of `_LOOKUP_COLUMN`'s identifiers (users
    only when `leads` is False)."""
    column = _LOOKUP_COLUMN[by]
    roles = "" if leads else " AND role = 'user'"
    row = ctx.db.execute(
        f"SELECT id, external_id, email FROM contacts WHERE workspace_id = ? AND {column} = ?"
        f" AND archived = 0 AND merged_into IS NULL{roles}"
        " ORDER BY role = 'user' DESC, seq LIMIT 1",
        [ctx.workspace.id, value.lower() if by == "email" else value],
    ).fetchone()
    return User(*row) if row else None


def _require_user(ctx: Context, by: str, value: str, *, leads: bool = True) -> User:
    user = find_user(ctx, by, value, leads=leads)
    if user is None:
        raise UserNotFound()
    return user


def _identifier(values: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, str]:
    """The first identifier present, checked to be a string."""
    for key in keys:
        value = validation.typed(values, key, str)
        if value:
            return key, value
    raise ParameterNotFound(f"{', '.join(keys[:-1])} or {keys[-1]} not specified", field=keys[0])


# --- POST /events ------------------------------------------------------------------------------


def create(ctx: Context, body: dict[str, Any]) -> None:
    """Store one event (once, however often it is sent), or raise what Intercom answers."""
    _note_unknown_keys(ctx, body)
    name = validation.typed(body, "event_name", str)
    validation.required(body, "event_name")
    created_at = _created_at(ctx, body)
    by, value = _identifier(body, _BODY_IDENTIFIERS)
    kept = metadata.check(ctx, body.get("metadata"))
    # "When submitting events for Leads, you will need to specify the Lead's `id`" [S2.11
    # `POST /events`]: by `user_id` or `email` only users are found; a lead so named is a user
    # that "cannot be found", 404 "User Not Found".
    user = _require_user(ctx, by, value, leads=by in ("id", "intercom_user_id"))
    normalised = event_names.checked(name)
    event_names.admit(ctx, normalised)
    cursor = ctx.db.execute(
        "INSERT OR IGNORE INTO events (workspace_id, contact_id, event_name, created_at, metadata)"
        " VALUES (?, ?, ?, ?, ?)",
        [ctx.workspace.id, user.id, normalised, created_at, _stored_json(kept)],
    )
    if cursor.rowcount == 0:
        ctx.warnings.append(f"duplicate event '{normalised}' at {created_at} ignored")


def _stored_json(value: dict[str, Any]) -> str:
    """The metadata as stored (read back with json.loads): orjson writes it 20x faster; the
    standard library where orjson refuses a value (an integer beyond 64 bits)."""
    if not value:
        return "{}"
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def _created_at(ctx: Context, body: dict[str, Any]) -> int:
    created_at: int = validation.typed(body, "created_at", int)
    validation.required(body, "created_at")
    if not 0 <= created_at < 2**53:  # beyond what SQLite and JSON clients hold exactly
        raise ParameterInvalid("created_at must be a unix timestamp in seconds", field="created_at")
    if created_at >= _MILLISECONDS_FROM:
        ctx.warnings.append("created_at looks like milliseconds; Intercom expects seconds")
    return created_at


def _note_unknown_keys(ctx: Context, body: dict[str, Any]) -> None:
    """Keys Intercom does not document are ignored, not refused: whether its events endpoint
    refuses them (as `POST /companies` does) is UNCONFIRMED, so the journal says so instead."""
    unknown = [key for key in body if key not in _BODY_KEYS and key not in _LOOKUP_COLUMN]
    if unknown:
        ctx.warnings.append(f"unknown event parameters ignored: {', '.join(unknown)}")


# --- GET /events -------------------------------------------------------------------------------


def list_for_user(ctx: Context, args: dict[str, str], base_url: str) -> dict[str, Any]:
    """A user's events newest first (`event.list`), or with `summary=true` one line per name."""
    kind = validation.required(args, "type")
    if kind != "user":
        raise ParameterInvalid("type must be user", field="type")
    by, value = _identifier(args, _QUERY_IDENTIFIERS)
    user = _require_user(ctx, by, value)
    if args.get("summary", "").lower() == "true":
        return _summary(ctx, user)
    per_page = validation.per_page(args.get("per_page"), EVENTS_PER_PAGE_DEFAULT, PER_PAGE_MAX)
    before_ms, before_seq = _before(args.get("before"))
    rows = ctx.db.execute(
        "SELECT seq, event_name, created_at, metadata FROM events WHERE contact_id = ?"
        " AND created_at >= ? AND (created_at * 1000 < ? OR (created_at * 1000 = ? AND seq < ?))"
        " ORDER BY created_at DESC, seq DESC LIMIT ?",
        [
            user.id,
            ctx.now - EVENT_LIST_MAX_AGE_SECONDS,
            before_ms,
            before_ms,
            before_seq,
            per_page + 1,
        ],
    ).fetchall()
    pages: dict[str, Any] = {}
    if len(rows) > per_page:
        last_seq, _, last_created, _ = rows[per_page - 1]
        cursor = f"{last_created * 1000}.{last_seq}"
        query = urlencode({"type": "user", by: value, "per_page": per_page, "before": cursor})
        pages["next"] = f"{base_url.rstrip('/')}/events?{query}"
    events = [_shape(user, row) for row in rows[:per_page]]
    return {"type": "event.list", "events": events, "pages": pages}


def _before(raw: str | None) -> tuple[int, int]:
    """The `before` cursor: milliseconds, as in Intercom's `next` links, optionally followed by
    `.<seq>` (the emulator's tie-breaker for events in the same second)."""
    if not raw:
        return 2**62, 0
    ms, _, seq = raw.partition(".")
    if not (ms.isascii() and ms.isdigit()) or (seq and not (seq.isascii() and seq.isdigit())):
        raise ParameterInvalid("before must be a timestamp in milliseconds", field="before")
    return int(ms), int(seq or 0)


def _shape(user: User, row: tuple[Any, ...]) -> dict[str, Any]:
    _, name, created_at, stored = row
    event: dict[str, Any] = {"type": "event", "event_name": name, "created_at": created_at}
    # Absent rather than null: Intercom's `data_event` has these as strings.
    if user.external_id is not None:
        event["user_id"] = user.external_id
    if user.email is not None:
        event["email"] = user.email
    event["intercom_user_id"] = user.id
    event["metadata"] = json.loads(stored)
    return event


def _summary(ctx: Context, user: User) -> dict[str, Any]:
    """Every event name the user sent, with counts; older than 90 days included [S2.11]. What
    `POST /events/summaries` added counts too: its counts add up, its first and last times
    widen the span (emulator/store/event_summaries.py)."""
    rows = ctx.db.execute(
        "SELECT event_name, min(first), max(last), sum(count) FROM ("
        " SELECT event_name, created_at AS first, created_at AS last, 1 AS count FROM events"
        " WHERE contact_id = ? UNION ALL"
        " SELECT event_name, first, last, count FROM event_summaries WHERE contact_id = ?"
        ") GROUP BY event_name ORDER BY event_name",
        [user.id, user.id],
    ).fetchall()
    return {
        "type": "event.summary",
        # Intercom's schema has these as non-null strings: a lead without them shows "".
        "email": user.email or "",
        "intercom_user_id": user.id,
        "user_id": user.external_id or "",
        "events": [
            # Intercom shows the description set in its UI; the emulator has none to show.
            {
                "name": name,
                "first": _iso(first),
                "last": _iso(last),
                "count": count,
                "description": "",
            }
            for name, first, last, count in rows
        ],
        "pages": {},
    }


# The Gregorian calendar repeats every 400 years (146,097 days).
_FOUR_CENTURIES = 146_097 * 24 * 60 * 60


def _iso(timestamp: int) -> str:
    """Intercom's summary times: "2014-01-16T23:12:21.000+00:00" [S2.11] example. Times past
    Python's year 9999 (up to 2**53 s are accepted) are written with their full year."""
    cycles = timestamp // _FOUR_CENTURIES
    moment = datetime.fromtimestamp(timestamp - cycles * _FOUR_CENTURIES, UTC)
    return f"{moment.year + 400 * cycles:04d}" + moment.strftime("-%m-%dT%H:%M:%S.000+00:00")
