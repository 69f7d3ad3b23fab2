"""`GET /conversations` and `POST /conversations/search` [S2.11 listConversations,
searchConversations]: `conversation.list` pages of 20 by default, at most 150, with a cursor
(`pages.next.starting_after`) as contact lists have (emulator.store.cursor_pages). Listed
conversations carry no `conversation_parts` (Intercom's `conversation_list_item` has none).

The search takes the contact search's query language and limits (emulator.store.search: two
levels of nesting, 15 filters a group, operators by field type) on the fields Intercom's
searchConversations lists. `source.body` matches a word of the body, as Intercom describes
("the search will not be performed against the entire value, but instead against every element
of the value separately"): `=` finds a body holding that word. Fields the emulator keeps nothing
for (`conversation_rating.*`, `ai_agent.*`, `channel_initiated`) match as never set. Lists are
newest-updated first; a search sorts by `sort` (created_at descending unless given). A
conversation is searchable as soon as it is written (Intercom's index may lag).
"""

from __future__ import annotations

from typing import Any

from emulator.errors import ParameterInvalid, ParameterNotFound
from emulator.store import cursor_pages, validation
from emulator.store.context import Context
from emulator.store.conversations import records, shape
from emulator.store.cursor_pages import Order
from emulator.store.search import Expr, Field, compile_query

PER_PAGE_DEFAULT = 20  # "The default is `20` results per page" [S2.11 listConversations]
PER_PAGE_MAX = 150  # "maximum is `150`" [S2.11 searchConversations]
_NEVER_SET = Expr("NULL")
# The body's text with its tags turned into spaces, between spaces: `= word` finds " word ".
_BODY_WORDS = "(' ' || lower(replace(replace(body, '<', ' '), '>', ' ')) || ' ')"
_STATE = "(CASE WHEN state = 'snoozed' AND snoozed_until <= ? THEN 'open' ELSE state END)"


def _stat(name: str) -> Expr:
    return Expr("json_extract(statistics, ?)", (f"$.{name}",))


def _side(table: str, column: str, extra: str) -> Field:
    """A field whose values sit in another table, one row each (its contacts, tags, admins)."""
    rows_with = Expr(
        f"conversations.seq IN (SELECT conversation_seq FROM {table} WHERE {{condition}}{extra})"
    )
    return Field(Expr(column), "string", rows_with=rows_with)


_INTEGER_STATISTICS = (
    "time_to_assignment",
    "time_to_admin_reply",
    "time_to_first_close",
    "time_to_last_close",
    "median_time_to_reply",
    "count_reopens",
    "count_assignments",
)
_DATE_STATISTICS = (
    "first_contact_reply_at",
    "first_assignment_at",
    "first_admin_reply_at",
    "first_close_at",
    "last_assignment_at",
    "last_assignment_admin_reply_at",
    "last_contact_reply_at",
    "last_admin_reply_at",
    "last_close_at",
)
_NEVER_SET_FIELDS = {
    "source.url": "string",
    "channel_initiated": "string",
    "conversation_rating.requested_at": "date",
    "conversation_rating.replied_at": "date",
    "conversation_rating.score": "integer",
    "conversation_rating.remark": "string",
    "conversation_rating.contact_id": "string",
    "conversation_rating.admin_id": "string",
    "ai_agent.resolution_state": "string",
    "ai_agent.last_answer_type": "string",
    "ai_agent.rating": "integer",
    "ai_agent.rating_remark": "string",
    "ai_agent.source_type": "string",
    "ai_agent.source_title": "string",
}
_FIXED_FIELDS: dict[str, Field] = {
    "id": Field(Expr("CAST(seq AS TEXT)"), "string", nullable=False),
    "created_at": Field(Expr("created_at"), "date", nullable=False),
    "updated_at": Field(Expr("updated_at"), "date", nullable=False),
    "source.type": Field(
        Expr("(CASE message_type WHEN 'email' THEN 'email' ELSE 'conversation' END)"), "string"
    ),
    "source.id": Field(Expr("message_id"), "string"),
    "source.delivered_as": Field(Expr("delivered_as"), "string"),
    "source.subject": Field(Expr("subject"), "string"),
    "source.body": Field(Expr(_BODY_WORDS), "string", lower=True),
    "source.author.id": Field(Expr("author_id"), "string"),
    "source.author.type": Field(Expr("author_type"), "string"),
    "contact_ids": _side("conversation_contacts", "contact_id", ""),
    "teammate_ids": _side("conversation_parts", "author_id", " AND author_type = 'admin'"),
    "tag_ids": _side("conversation_tags", "CAST(tag_id AS TEXT)", ""),
    "admin_assignee_id": Field(Expr("CAST(admin_assignee_id AS INTEGER)"), "integer"),
    "team_assignee_id": Field(Expr("CAST(team_assignee_id AS INTEGER)"), "integer"),
    "read": Field(Expr("read"), "boolean", nullable=False),
    "waiting_since": Field(Expr("waiting_since"), "date"),
    "priority": Field(Expr("'not_priority'"), "string", nullable=False),
    "ai_agent_participated": Field(Expr("0"), "boolean", nullable=False),
    "statistics.count_conversation_parts": Field(
        Expr(
            "(SELECT count(*) FROM conversation_parts p"
            " WHERE p.conversation_seq = conversations.seq)"
        ),
        "integer",
        nullable=False,
    ),
    "statistics.last_closed_by_id": Field(_stat("last_closed_by_id"), "string"),
    **{f"statistics.{name}": Field(_stat(name), "integer") for name in _INTEGER_STATISTICS},
    **{f"statistics.{name}": Field(_stat(name), "date") for name in _DATE_STATISTICS},
    **{name: Field(_NEVER_SET, kind) for name, kind in _NEVER_SET_FIELDS.items()},
}


def _fields(ctx: Context) -> dict[str, Field]:
    """The searchable fields; those that depend on the clock (a snooze that ran out) here."""
    return {
        **_FIXED_FIELDS,
        "state": Field(Expr(_STATE, (ctx.now,)), "string", nullable=False),
        "open": Field(Expr(f"({_STATE} != 'closed')", (ctx.now,)), "boolean", nullable=False),
        "snoozed_until": Field(
            Expr("(CASE WHEN snoozed_until > ? THEN snoozed_until END)", (ctx.now,)), "date"
        ),
    }


def _body_words(node: Any) -> Any:
    """`source.body` `=`/`!=` a word: the body holds it between spaces (see the docstring)."""
    if isinstance(node, dict) and node.get("field") == "source.body":
        value, operator = node.get("value"), node.get("operator")
        # A value of several words is no one word: compared with the padded body, it never
        # equals it ("need support" finds nothing [S2.11 searchConversations]).
        if operator in ("=", "!=") and isinstance(value, str) and len(value.split()) == 1:
            return {
                **node,
                "operator": "~" if operator == "=" else "!~",
                "value": f" {value.strip()} ",
            }
    if isinstance(node, dict) and isinstance(node.get("value"), list) and "field" not in node:
        return {**node, "value": [_body_words(item) for item in node["value"]]}
    return node


def _page(
    ctx: Context, where: Expr, order: Order, per_page: int, starting_after: str | None
) -> dict[str, Any]:
    page = cursor_pages.page_of(
        ctx, "conversations", records.COLUMN_LIST, where, order, per_page, starting_after
    )
    return {
        "type": "conversation.list",
        "conversations": [
            shape.conversation(ctx, records.as_dict(ctx, row), parts=False) for row in page.rows
        ],
        "total_count": page.total,
        "pages": page.pages,
    }


def _visible(ctx: Context) -> Expr:
    return Expr("workspace_id = ? AND visible = 1", (ctx.workspace.id,))


def list_all(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    per_page = validation.per_page(args.get("per_page"), PER_PAGE_DEFAULT, PER_PAGE_MAX)
    order = Order(Expr("+updated_at"), descending=True)
    return _page(ctx, _visible(ctx), order, per_page, args.get("starting_after") or None)


def _order(ctx: Context, raw: Any, fields: dict[str, Field]) -> Order:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ParameterInvalid("sort must be an object", field="sort")
    order = raw.get("order", "descending")
    if order not in ("ascending", "descending"):
        raise ParameterInvalid(
            f"Invalid sort order '{order}'. Must be one of: ascending, descending",
            code="invalid_sort_order",
        )
    name = raw.get("field", "created_at")
    field = fields.get(name) if isinstance(name, str) else None
    if field is None or field.rows_with is not None:
        raise ParameterInvalid(f"Cannot sort by '{name}'", field="sort")
    lowest = "" if field.kind == "string" else -(2**63)
    key = Expr(f"ifnull({field.expr.sql}, ?)", (*field.expr.params, lowest))
    return Order(key, descending=order == "descending")


def search(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    validation.known_keys(body, ("query", "pagination", "sort"))
    if body.get("query") is None:
        raise ParameterNotFound("query not specified", field="query")
    fields = _fields(ctx)
    condition = compile_query(_body_words(body["query"]), fields.get)
    raw = body.get("pagination") or {}
    if not isinstance(raw, dict):
        raise ParameterInvalid("pagination must be an object", field="pagination")
    requested = raw.get("per_page")
    if isinstance(requested, bool | float | list | dict):
        raise ParameterInvalid("per_page must be an integer", field="per_page")
    per_page = validation.per_page(requested, PER_PAGE_DEFAULT, PER_PAGE_MAX)
    starting_after = validation.typed(raw, "starting_after", str) or None
    visible = _visible(ctx)
    where = Expr(f"{visible.sql} AND {condition.sql}", (*visible.params, *condition.params))
    return _page(ctx, where, _order(ctx, body.get("sort"), fields), per_page, starting_after)
