"""Tags: the workspace's tags, `POST /tags` (create, rename, tag and untag companies and
users), and the tags of one contact.

Tag ids are numeric strings [S2.11]; names are case insensitive [S2.11], so "VIP" and "vip"
are one tag. The emulator's segments are search queries read when asked for (a segment naming
a tag does not hold it), so no tag ever has dependent objects and `DELETE /tags/{id}` never
answers `tag_has_dependent_objects`.
"""

from __future__ import annotations

from typing import Any

from emulator import versions
from emulator.errors import CompanyNotFound, NotFound, ParameterInvalid, ParameterNotFound
from emulator.store import companies, contacts, legacy_lists, webhooks
from emulator.store.context import Context

_INVALID = "invalid tag parameters"  # Intercom's one message for a body it cannot read [S2.11]


def shape(tag_id: int, name: str) -> dict[str, Any]:
    """A tag as `POST /tags` and `GET /tags/{id}` show it."""
    return {"type": "tag", "id": str(tag_id), "name": name}


def _applied(ctx: Context, tag_id: int, name: str, applied_at: int | None) -> dict[str, Any]:
    """A tag as a contact carries it: when and by whom it was applied. Every API call acts as
    the workspace's admin, so the admin applied every tag."""
    by = {"type": "admin", "id": ctx.workspace.admin_id} if applied_at is not None else None
    return {**shape(tag_id, name), "applied_at": applied_at, "applied_by": by}


# --- finding ----------------------------------------------------------------------------------


def find(ctx: Context, tag_id: Any) -> tuple[int, str] | None:
    """`(id, name)` of the workspace's tag with this id (a number or its text), or None."""
    text = str(tag_id) if isinstance(tag_id, int | str) and not isinstance(tag_id, bool) else ""
    if (
        not (text.isascii() and text.isdigit()) or len(text) > 18
    ):  # longer ones cannot be SQLite integers
        return None
    row = ctx.db.execute(
        "SELECT id, name FROM tags WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, int(text)],
    ).fetchone()
    return (row[0], row[1]) if row else None


def require(ctx: Context, tag_id: Any) -> tuple[int, str]:
    """The tag with this id; 404 `not_found` "Resource Not Found" otherwise [S2.11]."""
    found = find(ctx, tag_id)
    if found is None:
        raise NotFound()
    return found


def find_by_name(ctx: Context, name: str) -> tuple[int, str] | None:
    row = ctx.db.execute(
        "SELECT id, name FROM tags WHERE workspace_id = ? AND name = ? COLLATE NOCASE",
        [ctx.workspace.id, name],
    ).fetchone()
    return (row[0], row[1]) if row else None


def find_or_create(ctx: Context, name: str) -> tuple[int, str]:
    """The tag called `name` (any case), created when there is none."""
    found = find_by_name(ctx, name)
    if found is not None:
        return found
    cursor = ctx.db.execute(
        "INSERT INTO tags (workspace_id, name, created_at) VALUES (?, ?, ?)",
        [ctx.workspace.id, name, ctx.now],
    )
    return int(cursor.lastrowid or 0), name


# --- the workspace's tags ---------------------------------------------------------------------


def list_all(ctx: Context) -> dict[str, Any]:
    """`GET /tags`. The 2.11 `tag` schema requires `applied_at` and `applied_by` (nullable);
    a workspace's tag was applied to nothing in particular, so both are null."""
    rows = ctx.db.execute(
        "SELECT id, name FROM tags WHERE workspace_id = ? ORDER BY id", [ctx.workspace.id]
    ).fetchall()
    listed = {"type": "list", "data": [_applied(ctx, tag_id, name, None) for tag_id, name in rows]}
    return legacy_lists.tag_list(listed) if versions.is_legacy(ctx.version) else listed


def retrieve(ctx: Context, tag_id: str) -> dict[str, Any]:
    return shape(*require(ctx, tag_id))


def delete(ctx: Context, tag_id: str) -> None:
    """`DELETE /tags/{id}`: the tag goes, and with it every contact's and company's tagging."""
    found = require(ctx, tag_id)
    ctx.db.execute("DELETE FROM tags WHERE id = ?", [found[0]])


# --- POST /tags -------------------------------------------------------------------------------


def create_or_apply(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /tags`, whose body decides what it does [S2.11]: `{"name", "id"?}` creates or
    renames; with `companies` it tags (or, per company, `"untag": true` untags) companies;
    with `users` it tags contacts. A body that mixes them is refused (the emulator's choice)."""
    if set(body) - {"name", "id", "companies", "users"} or (
        "companies" in body and "users" in body
    ):
        raise ParameterInvalid(_INVALID)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip(" \t\n\r\f\v"):  # blank
        raise ParameterInvalid(_INVALID, field="name")
    if "companies" in body:
        return _tag_companies(ctx, name, _items(body["companies"]))
    if "users" in body:
        return _tag_users(ctx, name, _items(body["users"]))
    if body.get("id") is not None:
        return _rename(ctx, body["id"], name)
    return shape(*find_or_create(ctx, name))


def _items(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ParameterInvalid(_INVALID)
    return raw


def _rename(ctx: Context, tag_id: Any, name: str) -> dict[str, Any]:
    """Give tag `tag_id` a new name. Taking another tag's name is refused (UNCONFIRMED)."""
    found = require(ctx, tag_id)
    clash = find_by_name(ctx, name)
    if clash is not None and clash[0] != found[0]:
        raise ParameterInvalid(f"A tag named '{clash[1]}' already exists", field="name")
    ctx.db.execute("UPDATE tags SET name = ? WHERE id = ?", [name, found[0]])
    return shape(found[0], name)


def _tag_companies(ctx: Context, name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Tag companies named by Intercom `id` or by `company_id`; the tag is created if need be
    [S2.11]. Untagging with a tag name that does not exist is 404 (the emulator's choice)."""
    targets = [(_company(ctx, item), item.get("untag") is True) for item in items]
    if all(untag for _, untag in targets) and targets:
        tag = find_by_name(ctx, name)
        if tag is None:
            raise NotFound()
    else:
        tag = find_or_create(ctx, name)
    for company_id, untag in targets:
        if untag:
            sql = "DELETE FROM company_tags WHERE company_id = ? AND tag_id = ?"
            ctx.db.execute(sql, [company_id, tag[0]])
        else:
            ctx.db.execute(
                "INSERT OR IGNORE INTO company_tags (company_id, tag_id, applied_at)"
                " VALUES (?, ?, ?)",
                [company_id, tag[0], ctx.now],
            )
    return shape(*tag)


def _company(ctx: Context, item: dict[str, Any]) -> str:
    """The Intercom id of the company an item names; 404 `company_not_found` if none."""
    if item.get("id") not in (None, ""):
        row = companies.find(ctx, str(item["id"]))
    elif item.get("company_id") not in (None, ""):
        row = companies.find_by_company_id(ctx, str(item["company_id"]))
    else:
        raise ParameterInvalid(_INVALID, field="companies")
    if row is None:
        raise CompanyNotFound()
    return str(row["id"])


def _tag_users(ctx: Context, name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Tag contacts named by Intercom `id` (404 "User Not Found" for an unknown one) [S2.11];
    `"untag": true` on an item removes the tag instead, as it does for companies."""
    targets = []
    for item in items:
        if item.get("id") in (None, ""):
            raise ParameterInvalid(_INVALID, field="users")
        contact = contacts.require(ctx, str(item["id"]))
        targets.append((str(contact["id"]), item.get("untag") is True))
    tag = find_or_create(ctx, name)
    for contact_id, untag in targets:
        if untag:
            _untag_contact(ctx, contact_id, tag[0])
        else:
            _tag_contact(ctx, contact_id, tag)
    return shape(*tag)


# --- a contact's tags -------------------------------------------------------------------------


def _tag_contact(ctx: Context, contact_id: str, tag: tuple[int, str]) -> None:
    """Apply a tag; applying it again keeps the first `applied_at` (and notifies no one)."""
    added = ctx.db.execute(
        "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id, applied_at) VALUES (?, ?, ?)",
        [contact_id, tag[0], ctx.now],
    ).rowcount
    if not added:
        return
    row = contacts.require(ctx, contact_id)
    topic = webhooks.contact_topic(row["role"], "tag.created")
    if webhooks.subscribed(ctx, topic):
        item = {"type": "contact_tag", "created_at": ctx.now, "tag": shape(*tag)}
        item["contact"] = contacts.shape(ctx, row)  # a ContactTag's fields [WHM-2.5]
        webhooks.emit(ctx, topic, item)


def _untag_contact(ctx: Context, contact_id: str, tag_id: int) -> int | None:
    """Remove a tag; returns when it had been applied, None if it was not."""
    row = ctx.db.execute(
        "DELETE FROM contact_tags WHERE contact_id = ? AND tag_id = ? RETURNING applied_at",
        [contact_id, tag_id],
    ).fetchone()
    return row[0] if row else None


def _applied_at(ctx: Context, contact_id: str, tag_id: int) -> int | None:
    row = ctx.db.execute(
        "SELECT applied_at FROM contact_tags WHERE contact_id = ? AND tag_id = ?",
        [contact_id, tag_id],
    ).fetchone()
    return row[0] if row else None


def attach_to_contact(ctx: Context, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /contacts/{id}/tags` with `{"id": <tag id>}` (a number or its text)."""
    contacts.require(ctx, contact_id)
    if body.get("id") in (None, ""):
        raise ParameterNotFound("tag not specified", field="id")  # message: emulator's choice
    tag_id, name = require(ctx, body["id"])
    _tag_contact(ctx, contact_id, (tag_id, name))
    return _applied(ctx, tag_id, name, _applied_at(ctx, contact_id, tag_id))


def detach_from_contact(ctx: Context, contact_id: str, tag_id: str) -> dict[str, Any]:
    """`DELETE /contacts/{id}/tags/{tag id}`; 404 "Resource Not Found" also when the contact
    does not carry the tag (the emulator's choice)."""
    contacts.require(ctx, contact_id)
    found_id, name = require(ctx, tag_id)
    applied_at = _untag_contact(ctx, contact_id, found_id)
    if applied_at is None:
        raise NotFound()
    return _applied(ctx, found_id, name, applied_at)


def _contact_tags(ctx: Context, contact_id: str, limit: int = -1) -> list[tuple[int, str, int]]:
    return ctx.db.execute(
        "SELECT t.id, t.name, ct.applied_at FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id = ? ORDER BY ct.applied_at, t.id LIMIT ?",
        [contact_id, limit],
    ).fetchall()


def list_for_contact(ctx: Context, contact_id: str) -> dict[str, Any]:
    """`GET /contacts/{id}/tags`: every tag the contact carries."""
    contacts.require(ctx, contact_id)
    rows = _contact_tags(ctx, contact_id)
    return {"type": "list", "data": [_applied(ctx, *row) for row in rows]}
