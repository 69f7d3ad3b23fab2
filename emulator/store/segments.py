"""Segments: `GET /segments`, `GET /segments/{id}` and `GET /contacts/{id}/segments`
[S2.11 listSegments, retrieveSegment, listSegmentsForAContact].

Intercom's segments are defined in its web app by rules; the emulator's are defined in the seed
document (emulator.store.seed, list `segments`) by a name and a query in the language of
`POST /contacts/search`, and are evaluated as that search is, when they are read: a segment holds
the listed contacts its query matches once the search index has them (`search_lag_seconds`).
`person_type` is Intercom's: `user` (the default) holds users, `contact` holds leads.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import IntercomError, NotFound, ParameterInvalid
from emulator.store import ids, validation
from emulator.store.contacts import records, searching
from emulator.store.contacts.reading import LISTED
from emulator.store.context import Context
from emulator.store.search import Expr, compile_query

PERSON_TYPES = {"user": "user", "contact": "lead"}  # person_type -> the role of its members
_COLUMNS = "id, name, person_type, query, created_at, updated_at"


def _condition(ctx: Context, query: Any) -> Expr:
    return compile_query(query, lambda name: searching.resolve(ctx, name))


def create(ctx: Context, item: dict[str, Any]) -> str:
    """A seed's segment `{"name", "query", "person_type"?}`; its query must be one
    `POST /contacts/search` accepts (the same 400s)."""
    validation.known_keys(item, ("name", "query", "person_type"))
    name = validation.required(item, "name")
    if not isinstance(name, str) or not name.strip(" \t\n\r\f\v"):  # blank
        raise ParameterInvalid("name must be a non-empty string", field="name")
    query = validation.required(item, "query")
    person_type = item.get("person_type", "user")
    if not isinstance(person_type, str) or person_type not in PERSON_TYPES:
        raise ParameterInvalid("person_type must be user or contact", field="person_type")
    _condition(ctx, query)
    segment_id = ids.object_id()
    ctx.db.execute(
        "INSERT INTO segments (id, workspace_id, name, person_type, query, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [segment_id, ctx.workspace.id, name, person_type, json.dumps(query), ctx.now, ctx.now],
    )
    return segment_id


def _members(ctx: Context, person_type: str, query_json: str) -> Expr | None:
    """The condition on `contacts` of this segment's members; None when its query no longer
    compiles (a custom attribute it names was removed): the segment then holds nobody."""
    try:
        condition = _condition(ctx, json.loads(query_json))
    except IntercomError:
        return None
    return Expr(
        f"{LISTED} AND searchable_at <= ? AND role = ? AND {condition.sql}",
        (ctx.workspace.id, ctx.now, PERSON_TYPES[person_type], *condition.params),
    )


def _count(ctx: Context, person_type: str, query_json: str) -> int:
    members = _members(ctx, person_type, query_json)
    if members is None:
        return 0
    sql = f"SELECT count(*) FROM contacts WHERE {members.sql}"
    return int(ctx.db.execute(sql, list(members.params)).fetchone()[0])


def _shape(row: tuple[Any, ...]) -> dict[str, Any]:
    segment_id, name, person_type, _query, created_at, updated_at = row
    return {
        "type": "segment",
        "id": segment_id,
        "name": name,
        "created_at": created_at,
        "updated_at": updated_at,
        "person_type": person_type,
    }


def _rows(ctx: Context) -> list[tuple[Any, ...]]:
    return ctx.db.execute(
        f"SELECT {_COLUMNS} FROM segments WHERE workspace_id = ? ORDER BY seq",
        [ctx.workspace.id],
    ).fetchall()


def list_all(ctx: Context, include_count: bool) -> dict[str, Any]:
    """`GET /segments`; `include_count=true` adds each segment's `count` of contacts."""
    listed = []
    for row in _rows(ctx):
        shaped = _shape(row)
        if include_count:
            shaped["count"] = _count(ctx, row[2], row[3])
        listed.append(shaped)
    return {"type": "segment.list", "segments": listed}


def retrieve(ctx: Context, segment_id: str) -> dict[str, Any]:
    """`GET /segments/{id}`; 404 `not_found` "Resource Not Found" for an unknown id [S2.11]."""
    row = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM segments WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, segment_id],
    ).fetchone()
    if row is None:
        raise NotFound()
    return _shape(row)


def list_for_contact(ctx: Context, contact_id: str) -> dict[str, Any]:
    """`GET /contacts/{id}/segments`: the segments whose query the contact meets."""
    records.require(ctx, contact_id)  # 404 "User Not Found" [S2.11 listSegmentsForAContact]
    found = []
    for row in _rows(ctx):
        members = _members(ctx, row[2], row[3])
        if members is None:
            continue
        sql = f"SELECT 1 FROM contacts WHERE id = ? AND {members.sql}"
        if ctx.db.execute(sql, [contact_id, *members.params]).fetchone():
            found.append(_shape(row))
    return {"type": "list", "data": found}
