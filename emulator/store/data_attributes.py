"""Custom data attributes: the registry every custom attribute of a contact, company or
conversation needs.

Conversation data attributes (`model: conversation`) are made in Intercom's settings, not by
`POST /data_attributes`, whose `model` is contact or company [S2.11], [S2.16]; the emulator's
seed declares them (emulator.store.seed). Until 2.16, `GET /data_attributes?model=conversation`
lists them [S2.11]; 2.16 refuses that model (422 `parameter_invalid`, Intercom's message) and
lists them under `GET /conversations/attributes` [S2.16], which the emulator does not serve.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulator import versions
from emulator.errors import IntercomError, NotFound, ParameterInvalid, ParameterNotFound
from emulator.limits import ATTRIBUTE_NAME_LENGTH
from emulator.store import builtin_attributes, legacy_lists, validation
from emulator.store.context import Context

MODELS = ("contact", "company")
CONVERSATION = "conversation"
# 2.16 moved conversation attributes to `GET /conversations/attributes` [S2.16 listDataAttributes].
CONVERSATION_LISTED_UNTIL = "2.16"
DATA_TYPES = ("string", "integer", "float", "boolean", "datetime", "date")
# 2.16's create request adds `options`: a list attribute, given at least two `{"value": …}`
# options [S2.16 `create_data_attribute_request`]; both SDKs type it. The attribute is a string
# one (Intercom's data_attribute object knows no `options` type) that lists its options.
LIST_TYPE = "options"
_MODEL_NOUN = {"contact": "people", "company": "company", CONVERSATION: "conversation"}
# Letters, digits, currency symbols and hyphens [S2.16]; spaces and underscores appear in
# Intercom's own examples ("Mithril Shirt", "paid_subscriber"). No '.' or '$' [DOC-1.4-USER].
_NAME = re.compile(r"^[\w \-\u00a2-\u00a5\u20a0-\u20cf]+$")
_COLUMNS = (
    "id, model, name, data_type, description, options, messenger_writable, archived,"
    " created_at, updated_at"
)


def shape(ctx: Context, row: tuple[Any, ...]) -> dict[str, Any]:
    """A data attribute as Intercom shows it."""
    (
        attr_id,
        model,
        name,
        data_type,
        description,
        options,
        writable,
        archived,
        created,
        updated,
    ) = row
    shaped: dict[str, Any] = {
        "type": "data_attribute",
        "id": attr_id,
        "name": name,
        "full_name": f"custom_attributes.{name}",
        "label": name,
        "description": description or "",
        "data_type": data_type,
        "api_writable": True,
        "ui_writable": False,
        "messenger_writable": bool(writable),
        "custom": True,
        "archived": bool(archived),
        "admin_id": ctx.workspace.admin_id,
        "created_at": created,
        "updated_at": updated,
        "model": model,
    }
    if options:
        shaped["options"] = json.loads(options)
    return shaped


def _row(ctx: Context, attr_id: int) -> tuple[Any, ...] | None:
    return ctx.db.execute(
        f"SELECT {_COLUMNS} FROM data_attributes WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, attr_id],
    ).fetchone()


def find(ctx: Context, model: str, name: str) -> dict[str, Any] | None:
    """The active attribute `name` of `model`, or None."""
    row = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM data_attributes WHERE workspace_id = ? AND model = ?"
        " AND name = ? AND archived = 0",
        [ctx.workspace.id, model, name],
    ).fetchone()
    return shape(ctx, row) if row else None


def types_by_name(ctx: Context, model: str) -> dict[str, str]:
    """Every active custom attribute of `model` with its data type."""
    rows = ctx.db.execute(
        "SELECT name, data_type FROM data_attributes WHERE workspace_id = ? AND model = ?"
        " AND archived = 0",
        [ctx.workspace.id, model],
    ).fetchall()
    return dict(rows)


def list_all(ctx: Context, raw_model: str | None, include_archived: bool) -> dict[str, Any]:
    """`GET /data_attributes?model=`, in the 1.x shape under a 1.x version (store.legacy_lists).
    Conversation attributes are listed from 2.0 to 2.15 only: 1.x knew none."""
    legacy = versions.is_legacy(ctx.version)
    listed_here = not legacy and not versions.at_least(ctx.version, CONVERSATION_LISTED_UNTIL)
    model = parse_model(raw_model, MODELS if legacy else (*MODELS, CONVERSATION))
    if model == CONVERSATION and not listed_here:
        # [S2.16 listDataAttributes 422 example]
        raise ParameterInvalid(
            "model=conversation is no longer supported. Use GET /conversations/attributes instead",
            field="model",
            status=422,
        )
    attributes = every(ctx, model, include_archived, conversations=listed_here)
    listed = {"type": "list", "data": attributes}
    return legacy_lists.data_attribute_list(listed) if legacy else listed


def every(
    ctx: Context, model: str | None, include_archived: bool, *, conversations: bool = True
) -> list[dict[str, Any]]:
    """The attributes of `model` (all models when None; conversation ones only if asked)."""
    sql = f"SELECT {_COLUMNS} FROM data_attributes WHERE workspace_id = ?"
    params: list[Any] = [ctx.workspace.id]
    if model:
        sql += " AND model = ?"
        params.append(model)
    elif not conversations:
        sql += " AND model != ?"
        params.append(CONVERSATION)
    if not include_archived:
        sql += " AND archived = 0"
    rows = ctx.db.execute(sql + " ORDER BY id", params).fetchall()
    # Intercom lists its own attributes too (`custom: false`) [S2.11 `GET /data_attributes`];
    # it publishes none of a conversation's.
    own = [] if model == CONVERSATION else builtin_attributes.listed(model)
    return own + [shape(ctx, row) for row in rows]


def parse_model(raw: str | None, models: tuple[str, ...] = MODELS) -> str | None:
    """The `model` asked for (None: all); `models` are those the caller takes."""
    if raw in (None, ""):
        return None
    if raw not in models:
        raise ParameterInvalid(
            "The Data Attribute model field must be either contact or company", field="model"
        )
    return raw


def create(
    ctx: Context, body: dict[str, Any], *, on_the_fly: bool = False, seeded: bool = False
) -> dict[str, Any]:
    """`POST /data_attributes`; a seed (`seeded`) may declare conversation attributes too."""
    validation.known_keys(
        body, ("name", "model", "data_type", "description", "options", "messenger_writable")
    )
    name = validation.typed(body, "name", str)
    model = validation.typed(body, "model", str)
    data_type = validation.typed(body, "data_type", str)
    validation.required(body, "name", "name not specified")
    validation.required(body, "model", "model not specified")
    validation.required(body, "data_type", "data_type not specified")
    parse_model(model, (*MODELS, CONVERSATION) if seeded else MODELS)
    if data_type not in (*DATA_TYPES, LIST_TYPE):
        raise ParameterInvalid("Data Type isn't an option", field="data_type")
    _check_name(ctx, name, model, builtins_taken=not on_the_fly)
    _check_room(ctx, name)
    options = _options(body.get("options"), data_type)
    if data_type == LIST_TYPE:
        if options is None:
            raise ParameterNotFound("options not specified", field="options")
        data_type = "string"
    description = validation.typed(body, "description", str)
    writable = validation.typed(body, "messenger_writable", bool)
    cursor = ctx.db.execute(
        "INSERT INTO data_attributes (workspace_id, model, name, data_type, description, options,"
        " messenger_writable, archived, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        [
            ctx.workspace.id,
            model,
            name,
            data_type,
            description,
            options,
            int(bool(writable)),
            ctx.now,
            ctx.now,
        ],
    )
    row = _row(ctx, cursor.lastrowid)
    assert row is not None
    return shape(ctx, row)


def _check_name(ctx: Context, name: str, model: str, builtins_taken: bool = True) -> None:
    if len(name) > ATTRIBUTE_NAME_LENGTH or not _NAME.fullmatch(name) or "$" in name:
        raise ParameterInvalid(
            "Your name for this attribute must only contain alphanumeric characters, currency"
            " symbols, and hyphens",
            field="name",
        )
    existing = ctx.db.execute(
        "SELECT model FROM data_attributes WHERE workspace_id = ? AND name = ? COLLATE NOCASE",
        [ctx.workspace.id, name],
    ).fetchone()
    # A built-in attribute of the same model takes its name: refused in the words Intercom
    # uses for a taken name (its answer for a built-in's name is UNCONFIRMED).
    # 1.4's on-the-fly creation took a custom attribute named like a built-in: Segment's classic
    # destination sent the user id as custom attribute `id` with every identify.
    if existing is None and builtins_taken and builtin_attributes.named(model, name):
        existing = (model,)
    if existing:
        raise ParameterInvalid(
            f"You already have '{name}' in your {_MODEL_NOUN[existing[0]]} data. To save this as"
            f" new {_MODEL_NOUN[model]} data, use a different name.",
            field="name",
        )


def _check_room(ctx: Context, name: str) -> None:
    limit = ctx.setting("custom_attribute_limit")
    (count,) = ctx.db.execute(
        "SELECT count(*) FROM data_attributes WHERE workspace_id = ? AND archived = 0",
        [ctx.workspace.id],
    ).fetchone()
    if count >= limit:
        # Code as Intercom's Ruby SDK knows it; status and message are the emulator's choice.
        raise IntercomError(
            f"Cannot create '{name}': you have reached the limit of {limit} custom data"
            " attributes. Archive unused attributes to make room.",
            status=400,
            code="custom_data_limit_reached",
            field="name",
        )


def _options(raw: Any, data_type: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ParameterInvalid("Options isn't an array", field="options")
    values = [item.get("value") if isinstance(item, dict) else item for item in raw]
    if (
        data_type not in ("string", LIST_TYPE)
        or len(values) < 2
        or not all(isinstance(v, str) for v in values)
    ):
        raise ParameterInvalid(
            "A list attribute needs at least two string options", field="options"
        )
    # Intercom's data_attribute object lists its options as plain strings [S2.11], [S2.16].
    return json.dumps(values)


def update(ctx: Context, attr_id: str, body: dict[str, Any]) -> dict[str, Any]:
    validation.known_keys(body, ("archived", "description", "options", "messenger_writable"))
    row = _row(ctx, int(attr_id)) if attr_id.isascii() and attr_id.isdigit() else None
    if row is None:
        raise NotFound("We couldn't find that data attribute to update", code="field_not_found")
    archived = validation.typed(body, "archived", bool)
    description = validation.typed(body, "description", str)
    writable = validation.typed(body, "messenger_writable", bool)
    options = _options(body["options"], row[3]) if "options" in body else None
    if archived is False and row[7]:
        _check_room(ctx, row[2])
    ctx.db.execute(
        "UPDATE data_attributes SET archived = coalesce(?, archived),"
        " description = coalesce(?, description), options = coalesce(?, options),"
        " messenger_writable = coalesce(?, messenger_writable), updated_at = ? WHERE id = ?",
        [
            None if archived is None else int(archived),
            description,
            options,
            None if writable is None else int(writable),
            ctx.now,
            row[0],
        ],
    )
    updated = _row(ctx, row[0])
    assert updated is not None
    return shape(ctx, updated)
