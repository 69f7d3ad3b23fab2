"""Notes about a contact: `POST /contacts/{id}/notes`, `GET /contacts/{id}/notes` and
`GET /notes/{id}` [S2.11 createNote, listNotes, retrieveNote].

A note's id is a number sent as text, its `author` the admin who wrote it (the workspace's one
admin: an `admin_id` naming any other is 404 "Resource Not Found", as Intercom's "Admin not
found" example answers), and its `body` HTML: plain text sent as `Hello` comes back as
`<p>Hello</p>` [S2.11 createNote examples]. Notes are listed newest first (Intercom's listNotes
example) in numbered pages of 15 unless `per_page` says otherwise ("Defaults to 15").
"""

from __future__ import annotations

import html
from typing import Any

from emulator.errors import NotFound, ParameterInvalid
from emulator.store import admins, validation
from emulator.store.companies.listing import pages
from emulator.store.contacts.records import require as require_contact
from emulator.store.context import Context

PER_PAGE_DEFAULT = 15  # listNotes: "How many results to display per page. Defaults to 15"
PER_PAGE_MAX = 150  # the emulator's cap, as for contacts (Intercom states none for notes)
_SQLITE_INT_MAX = 2**63 - 1


def _html(body: str) -> str:
    """The note's body as Intercom keeps it: text already in HTML stays as sent; plain text is
    escaped and becomes one paragraph."""
    if body.lstrip().startswith("<"):
        return body
    return f"<p>{html.escape(body, quote=False)}</p>"


def _shape(ctx: Context, row: tuple[Any, ...]) -> dict[str, Any]:
    note_id, contact_id, _admin_id, body, created_at = row
    return {
        "type": "note",
        "id": str(note_id),
        "created_at": created_at,
        "contact": {"type": "contact", "id": contact_id},
        "author": admins.retrieve(ctx, ctx.workspace.admin_id),
        "body": body,
    }


_COLUMNS = "id, contact_id, admin_id, body, created_at"


def create(ctx: Context, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /contacts/{id}/notes` with `{"body", "admin_id"?}`; the author is the token's
    admin unless `admin_id` names one."""
    require_contact(ctx, contact_id)  # 404 "User Not Found" [S2.11 createNote]
    validation.known_keys(body, ("body", "admin_id"))
    text = validation.required(body, "body")
    if not isinstance(text, str):
        raise ParameterInvalid("body must be a string", field="body")
    admin_id = body.get("admin_id")
    if admin_id is not None and str(admin_id) != ctx.workspace.admin_id:
        raise NotFound()  # "Admin not found" example: not_found "Resource Not Found" [S2.11]
    cursor = ctx.db.execute(
        "INSERT INTO notes (workspace_id, contact_id, admin_id, body, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [ctx.workspace.id, contact_id, ctx.workspace.admin_id, _html(text), ctx.now],
    )
    return retrieve(ctx, str(cursor.lastrowid))


def retrieve(ctx: Context, note_id: str) -> dict[str, Any]:
    """`GET /notes/{id}`; 404 `not_found` "Resource Not Found" for an unknown id [S2.11]."""
    if not (note_id.isascii() and note_id.isdigit()) or int(note_id) > _SQLITE_INT_MAX:
        raise NotFound()
    row = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM notes WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, int(note_id)],
    ).fetchone()
    if row is None:
        raise NotFound()
    return _shape(ctx, row)


def _page(args: dict[str, str]) -> tuple[int, int]:
    per_page = validation.per_page(args.get("per_page"), PER_PAGE_DEFAULT, PER_PAGE_MAX)
    raw = args.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= _SQLITE_INT_MAX // per_page:
        raise ParameterInvalid("page must be a positive integer", field="page")
    return int(raw), per_page


def list_for_contact(ctx: Context, contact_id: str, args: dict[str, str]) -> dict[str, Any]:
    """`GET /contacts/{id}/notes`: the contact's notes, newest first, a page at a time."""
    require_contact(ctx, contact_id)  # 404 "User Not Found" [S2.11 listNotes]
    page, per_page = _page(args)
    (total,) = ctx.db.execute(
        "SELECT count(*) FROM notes WHERE contact_id = ?", [contact_id]
    ).fetchone()
    rows = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM notes WHERE contact_id = ?"
        " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        [contact_id, per_page, (page - 1) * per_page],
    ).fetchall()
    return {
        "type": "list",
        "data": [_shape(ctx, row) for row in rows],
        "total_count": total,
        "pages": pages(page, per_page, total),
    }
