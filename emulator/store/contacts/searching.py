"""`POST /contacts/search`: the contact fields Intercom lets a query name, sort and paginate.

Searched contacts are the listed ones (archived and merged contacts are left out, as Intercom
leaves merged ones out [S2.11]; leaving archived ones out too is the emulator's choice, which
is why a create can meet the 409's archived variant) and only once the search index has them:
a write becomes searchable `search_lag_seconds` after it happened (Intercom: "a few minutes").

Custom attributes are searched in `contact_attribute_values` (emulator/db.py, migration 2),
which triggers keep in step with each contact's `custom_attributes`: a filter becomes
`contacts.seq IN (SELECT contact_seq ... WHERE workspace_id = ? AND name = ? AND value ...)`,
answered from the table's `(workspace_id, name, value)` index rather than by reading the JSON
of every contact in the workspace; negations become `NOT contacts.seq IN (...)`.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.errors import ParameterInvalid, ParameterNotFound
from emulator.limits import PER_PAGE_DEFAULT, PER_PAGE_MAX
from emulator.store import data_attributes, validation
from emulator.store.contacts import pages, reading
from emulator.store.context import Context
from emulator.store.cursor_pages import Order
from emulator.store.search import Expr, Field, compile_query

SORT_ORDERS = ("ascending", "descending")
# Intercom's description states the default order (descending) but not the default field.
DEFAULT_SORT_FIELD = "created_at"
_NEVER_SET = Expr("NULL")  # fields Intercom fills from the Messenger, which the emulator lacks
_FIELDS: dict[str, Field] = {
    **{name: Field(Expr(name), "string") for name in ("name", "avatar", "phone", "external_id")},
    "id": Field(Expr("id"), "string", nullable=False),
    "role": Field(Expr("role"), "string", nullable=False),
    "language_override": Field(Expr("language_override"), "string"),
    "formatted_phone": Field(Expr("phone"), "string"),
    "email": Field(Expr("email"), "string", lower=True),
    "email_domain": Field(Expr("substr(email, instr(email, '@') + 1)"), "string", lower=True),
    "owner_id": Field(Expr("owner_id"), "integer"),
    "created_at": Field(Expr("created_at"), "date", nullable=False),
    "updated_at": Field(Expr("updated_at"), "date", nullable=False),
    "signed_up_at": Field(Expr("signed_up_at"), "date"),
    "last_seen_at": Field(Expr("last_seen_at"), "date"),
    "unsubscribed_from_emails": Field(Expr("unsubscribed_from_emails"), "boolean", False, False),
    **{
        name: Field(Expr("0"), "boolean", False, False)
        for name in ("marked_email_as_spam", "has_hard_bounced")
    },
    **{
        name: Field(_NEVER_SET, "date")
        for name in (
            "last_contacted_at",
            "last_replied_at",
            "last_email_opened_at",
            "last_email_clicked_at",
            "ios_last_seen_at",
            "android_last_seen_at",
        )
    },
    **{
        name: Field(_NEVER_SET, "string")
        for name in (
            "browser",
            "browser_language",
            "os",
            "location.country",
            "location.region",
            "location.city",
            "ios_app_version",
            "ios_device",
            "ios_app_device",
            "ios_os_version",
            "ios_app_name",
            "ios_sdk_version",
            "android_app_version",
            "android_device",
            "android_app_name",
            "android_sdk_version",
            "segment_id",  # segments are queries read on demand: searching by one is not emulated
        )
    },
    "tag_id": Field(
        Expr(
            "EXISTS (SELECT 1 FROM contact_tags WHERE contact_tags.contact_id = contacts.id"
            " AND contact_tags.tag_id = ?)"
        ),
        "relation",
    ),
}
_CUSTOM_KINDS = {
    "string": "string",
    "integer": "integer",
    "float": "integer",  # numbers compare as numbers; Intercom lists no separate float kind
    "boolean": "boolean",
    "date": "date",
    "datetime": "date",
}
_CUSTOM_PREFIX = "custom_attributes."
# A column of contact_attribute_values: the value as JSON had it (true/false as 1/0).
_VALUE = Expr("value")
# Dates may be stored as unix seconds or ISO 8601 text: compare both as unix seconds.
_DATE_OF = (
    "(CASE WHEN typeof({value}) = 'text' THEN CAST(strftime('%s', {value}) AS INTEGER)"
    " ELSE {value} END)"
)
_DATE_VALUE = Expr(_DATE_OF.format(value=_VALUE.sql))
# No `+`: the planner should start from this index, not from the contacts table's own.
_CONTACTS_WITH = (
    "contacts.seq IN (SELECT contact_seq FROM contact_attribute_values"
    " WHERE workspace_id = ? AND name = ? AND {condition})"
)


def _custom_field(ctx: Context, name: str) -> Field | None:
    data_type = data_attributes.types_by_name(ctx, "contact").get(name)
    if data_type is None:
        return None
    kind = _CUSTOM_KINDS[data_type]
    value = _DATE_VALUE if kind == "date" else _VALUE
    return Field(value, kind, rows_with=Expr(_CONTACTS_WITH, (ctx.workspace.id, name)))


def resolve(ctx: Context, name: str) -> Field | None:
    """The searchable field `name` (standard, or `custom_attributes.<name>`), or None."""
    if name.startswith(_CUSTOM_PREFIX):
        return _custom_field(ctx, name[len(_CUSTOM_PREFIX) :])
    return _FIELDS.get(name)


def _sort_value(name: str, field: Field) -> Expr:
    """The field's value on each contact, for ORDER BY; NULL where the contact has none.

    A custom attribute is read from the contact's JSON: a sort visits every matching contact
    anyway, and at 100,000 contacts json_extract took half the time a lookup in the side
    table did. The path's name is written as json.dumps wrote the stored keys (non-ASCII as
    \\u escapes): SQLite 3.40 matches path names to keys without decoding either."""
    if field.rows_with is None:
        return field.expr
    path = f"$.{json.dumps(name[len(_CUSTOM_PREFIX) :])}"
    value = Expr("json_extract(custom_attributes, ?)", (path,))
    if field.kind == "date":
        return Expr(_DATE_OF.format(value=value.sql), value.params * 3)
    return value


def _pagination(raw: Any) -> tuple[int, str | None]:
    if raw is None:
        return PER_PAGE_DEFAULT, None
    if not isinstance(raw, dict):
        raise ParameterInvalid("pagination must be an object", field="pagination")
    requested = raw.get("per_page")
    if isinstance(requested, bool | float | list | dict):  # only integers (or their text)
        raise ParameterInvalid("per_page must be an integer", field="per_page")
    per_page = validation.per_page(requested, PER_PAGE_DEFAULT, PER_PAGE_MAX)
    starting_after = validation.typed(raw, "starting_after", str)
    return per_page, starting_after or None


def _order(ctx: Context, raw: Any) -> Order:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParameterInvalid("sort must be an object", field="sort")
    order = raw.get("order", "descending")
    if order not in SORT_ORDERS:
        raise ParameterInvalid(
            f"Invalid sort order '{order}'. Must be one of: ascending, descending",
            code="invalid_sort_order",
        )
    name = raw.get("field", DEFAULT_SORT_FIELD)
    field = resolve(ctx, name) if isinstance(name, str) else None
    if field is None or field.kind == "relation":
        raise ParameterInvalid(f"Cannot sort by '{name}'", field="sort")
    value = _sort_value(name, field)
    if field.nullable:  # contacts without a value sort as the lowest
        lowest = "" if field.kind == "string" else -(2**63)
        key = Expr(f"ifnull({value.sql}, ?)", (*value.params, lowest))
    else:
        # Unary + keeps SQLite from walking the sort column's index instead of using the
        # filter's (an email lookup must not scan every contact in created_at order).
        key = Expr(f"+{value.sql}", value.params)
    return Order(key, descending=order == "descending")


def search(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    validation.known_keys(body, ("query", "pagination", "sort"))
    if body.get("query") is None:
        raise ParameterNotFound("query not specified", field="query")
    condition = compile_query(body["query"], lambda name: resolve(ctx, name))
    per_page, starting_after = _pagination(body.get("pagination"))
    order = _order(ctx, body.get("sort"))
    where = Expr(
        f"{reading.LISTED} AND searchable_at <= ? AND {condition.sql}",
        (ctx.workspace.id, ctx.now, *condition.params),
    )
    return pages.page_of(ctx, where, order, per_page, starting_after)
