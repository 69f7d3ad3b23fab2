"""The workspace's event names: Intercom's cap on active names, archiving and unarchiving.

"You can track up to 120 active events. After that limit is exceeded any new events you try to
track will not be stored and will return an error. You can archive any unused events" [HC-EV].
The cap is the workspace setting `event_name_limit`. The table of names is consulted by primary
key for every event and counted only when a name would become active (a new name, or an
archived one coming back): counting distinct names in `events` per request is too slow
(DESIGN.md, performance notes).
"""

from __future__ import annotations

from typing import Any

from emulator.errors import NotFound, ParameterInvalid, Unprocessable
from emulator.limits import EVENT_NAME_MAX_LENGTH
from emulator.store.context import Context


def normalise(name: str) -> str:
    """The name Intercom stores: "Names are treated as case insensitive. Periods (.) and dollars
    ($) in event names are replaced with hyphens" [SEG-ACT], [DOC-1.0 event model]."""
    return name.lower().replace(".", "-").replace("$", "-")


def checked(name: str, field: str = "event_name") -> str:
    """The stored form of a name a client sends, or 400 `parameter_invalid`: at most
    EVENT_NAME_MAX_LENGTH characters (Intercom documents no limit; emulator.limits says why
    this one)."""
    if len(name) > EVENT_NAME_MAX_LENGTH:
        raise ParameterInvalid(
            f"{field} is {len(name)} characters long; the limit is {EVENT_NAME_MAX_LENGTH}",
            field=field,
        )
    return normalise(name)


class TooManyEventNames(Unprocessable):
    """422 once the workspace's active event names are all in use.

    The message is the one Intercom's Messenger endpoint answers with (facts §7). The REST
    endpoint's status and code are UNCONFIRMED: the emulator answers 422, as the Messenger does,
    with the documented REST code `unprocessable_entity` rather than the Messenger's bare "422".
    """

    def __init__(self, limit: int) -> None:
        super().__init__(f"Cannot have more than {limit} active event names")


def _archived(ctx: Context, name: str) -> bool | None:
    """Whether `name` is archived; None when the workspace has never seen it."""
    row = ctx.db.execute(
        "SELECT archived FROM event_names WHERE workspace_id = ? AND name = ?",
        [ctx.workspace.id, name],
    ).fetchone()
    return None if row is None else bool(row[0])


def active_count(ctx: Context) -> int:
    (count,) = ctx.db.execute(
        "SELECT count(*) FROM event_names WHERE workspace_id = ? AND archived = 0",
        [ctx.workspace.id],
    ).fetchone()
    return int(count)


def _check_room(ctx: Context) -> None:
    limit = ctx.setting("event_name_limit")
    if active_count(ctx) >= limit:
        raise TooManyEventNames(limit)


def admit(ctx: Context, name: str) -> None:
    """Make sure `name` (normalised) is an active event name, or refuse the event with 422.

    An event with an archived name unarchives it when a slot is free (the emulator's choice:
    Intercom does not say; sending an archived event again is taken to mean it is in use again).
    """
    archived = _archived(ctx, name)
    if archived is False:
        return
    _check_room(ctx)
    if archived is None:
        ctx.db.execute(
            "INSERT INTO event_names (workspace_id, name, archived, created_at)"
            " VALUES (?, ?, 0, ?)",
            [ctx.workspace.id, name, ctx.now],
        )
    else:
        _set_archived(ctx, name, False)


def _set_archived(ctx: Context, name: str, archived: bool) -> None:
    ctx.db.execute(
        "UPDATE event_names SET archived = ? WHERE workspace_id = ? AND name = ?",
        [int(archived), ctx.workspace.id, name],
    )


# Counts and first/last times from the recorded events and from POST /events/summaries.
_WITH_COUNTS = (
    "SELECT n.name, n.archived, e.total + ifnull(s.total, 0),"
    " min(ifnull(e.first, s.first), ifnull(s.first, e.first)),"
    " max(ifnull(e.last, s.last), ifnull(s.last, e.last))"
    " FROM event_names n"
    " JOIN (SELECT count(*) AS total, min(created_at) AS first, max(created_at) AS last"
    "  FROM events WHERE workspace_id = ?1 AND event_name = ?2) e"
    " JOIN (SELECT sum(count) AS total, min(first) AS first, max(last) AS last"
    "  FROM event_summaries WHERE workspace_id = ?1 AND event_name = ?2) s"
    " WHERE n.workspace_id = ?1 AND n.name = ?2"
)


def _shape(row: tuple[Any, ...]) -> dict[str, Any]:
    name, archived, count, first, last = row
    return {"name": name, "archived": bool(archived), "count": count, "first": first, "last": last}


def list_all(ctx: Context) -> dict[str, Any]:
    """Every event name with how often it was sent, for the control API."""
    names = ctx.db.execute(
        "SELECT name FROM event_names WHERE workspace_id = ? ORDER BY rowid", [ctx.workspace.id]
    ).fetchall()
    return {
        "type": "list",
        "data": [_one(ctx, name) for (name,) in names],
        "active": active_count(ctx),
        "limit": ctx.setting("event_name_limit"),
    }


def _one(ctx: Context, name: str) -> dict[str, Any]:
    row = ctx.db.execute(_WITH_COUNTS, [ctx.workspace.id, name]).fetchone()
    return _shape(row)


def archive(ctx: Context, raw_name: str) -> dict[str, Any]:
    """Archive a name, freeing its slot; its events stay."""
    name = normalise(raw_name)
    if _archived(ctx, name) is None:
        raise NotFound(f"Event name '{name}' not found", field="name")
    _set_archived(ctx, name, True)
    return _one(ctx, name)


def unarchive(ctx: Context, raw_name: str) -> dict[str, Any]:
    """Make an archived name active again; 422 when every slot is in use."""
    name = normalise(raw_name)
    archived = _archived(ctx, name)
    if archived is None:
        raise NotFound(f"Event name '{name}' not found", field="name")
    if archived:
        _check_room(ctx)
        _set_archived(ctx, name, False)
    return _one(ctx, name)
