"""Intercom's search query language, compiled to parameterized SQL.

A query is one filter `{"field", "operator", "value"}` or a group `{"operator": "AND"|"OR",
"value": [...]}` of filters and groups [S2.11 search_request]. Each operator is valid only on
some field types (reference facts §5.5); a refused combination names the field. Values never
enter the SQL text: every one is a `?` parameter, so the compiled condition can sit in a
WHERE clause that uses the table's indexes. A field whose values another table keeps (a
contact's custom attributes, in an indexed side table) is tested through that table: a
condition on its values becomes "the row is among those with a value meeting it", and a
negation "the row is not among them", so rows without a value match negations as below.

Where Intercom leaves the semantics open, the emulator's choices:
- negations (`!=`, `NIN`, `!~`) also match contacts without a value, as a search engine's
  "must not" does; `=`/`!=` with a `null` value test for a missing/present value;
- `=` compares exactly (emails are stored lower-cased, so email values are lower-cased first);
  `~`, `!~`, `^`, `$` ignore ASCII case;
- dates are matched by UTC calendar day (the emulator's workspaces report timezone UTC):
  `=` the whole day, `>` from the start of the next day, `<` before the start of the day [S2.11].
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.limits import SEARCH_MAX_GROUP_SIZE, SEARCH_MAX_NESTING

DAY = 86_400
GROUP_OPERATORS = ("AND", "OR")
FILTER_OPERATORS = ("=", "!=", "IN", "NIN", ">", "<", ">=", "<=", "~", "!~", "^", "$")
# Which operators each kind of field accepts [S2.11 searchContacts, "Accepted Operators"].
OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    "string": ("=", "!=", "IN", "NIN", "~", "!~", "^", "$"),
    "boolean": ("=", "!=", "IN", "NIN"),
    "integer": ("=", "!=", "IN", "NIN", ">", "<", ">=", "<="),
    "date": ("=", ">", "<"),
    "relation": ("=", "!="),  # tag_id: membership only
}
_LIKE_PATTERNS = {"~": "%{}%", "!~": "%{}%", "^": "{}%", "$": "%{}"}


@dataclass(frozen=True)
class Expr:
    """A piece of SQL and the parameters its `?` marks take, in order."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Field:
    """A searchable field: its SQL expression and kind. For a "relation", `expr` is a
    condition with one `?` for the value (e.g. an EXISTS over a join table).

    `rows_with` is set when the values live in another table, one row per value: a condition
    on the searched row with a `{condition}` mark, where a condition on `expr` (there, a
    column of the other table) goes; true for the rows having a value that meets it."""

    expr: Expr
    kind: str
    lower: bool = False
    nullable: bool = True
    rows_with: Expr | None = None


Resolver = Callable[[str], "Field | None"]


def compile_query(query: Any, resolve: Resolver) -> Expr:
    """The SQL condition a query stands for; 400 `parameter_invalid` for anything Intercom
    would refuse (unknown field, operator or value type, groups too deep or too large)."""
    if not isinstance(query, dict):
        raise ParameterInvalid("query must be an object", field="query")
    return _node(query, resolve, depth=0)


def _node(node: Any, resolve: Resolver, depth: int) -> Expr:
    if not isinstance(node, dict):
        raise ParameterInvalid("Each filter must be an object", field="query")
    if "field" in node:
        return _filter(node, resolve)
    return _group(node, resolve, depth + 1)


def _group(node: dict[str, Any], resolve: Resolver, depth: int) -> Expr:
    operator = node.get("operator")
    if operator not in GROUP_OPERATORS:
        raise ParameterInvalid(
            f"A filter needs a field; a group's operator must be AND or OR, not {operator!r}",
            field="query",
        )
    items = node.get("value")
    if not isinstance(items, list) or not items:
        raise ParameterInvalid(f"An {operator} group needs a list of filters", field="query")
    if depth > SEARCH_MAX_NESTING:
        raise ParameterInvalid(
            f"Search queries can nest at most {SEARCH_MAX_NESTING} levels of AND/OR groups",
            field="query",
        )
    if len(items) > SEARCH_MAX_GROUP_SIZE:
        raise ParameterInvalid(
            f"An {operator} group can hold at most {SEARCH_MAX_GROUP_SIZE} filters;"
            f" this one has {len(items)}",
            field="query",
        )
    parts = [_node(item, resolve, depth) for item in items]
    sql = f" {operator} ".join(part.sql for part in parts)
    return Expr(f"({sql})", tuple(p for part in parts for p in part.params))


def _filter(node: dict[str, Any], resolve: Resolver) -> Expr:
    name = node["field"]
    if not isinstance(name, str):
        raise ParameterInvalid("A filter's field must be a string", field="query")
    operator = node.get("operator")
    if operator not in FILTER_OPERATORS:
        raise ParameterInvalid(
            f"Operator {operator!r} is not supported; use one of {', '.join(FILTER_OPERATORS)}",
            field=name,
        )
    field = resolve(name)
    if field is None:
        raise ParameterInvalid(f"'{name}' is not a searchable field", field=name)
    if operator not in OPERATORS_BY_KIND[field.kind]:
        raise ParameterInvalid(
            f"Operator '{operator}' cannot be used on '{name}', a {field.kind} field",
            field=name,
        )
    if "value" not in node:
        raise ParameterInvalid(f"The filter on '{name}' has no value", field=name)
    return _condition(field, operator, node["value"], name)


def _condition(field: Field, operator: str, value: Any, name: str) -> Expr:
    if operator in ("IN", "NIN"):
        return _membership(field, operator, value, name)
    if isinstance(value, list | dict):
        raise ParameterInvalid(f"Operator '{operator}' needs a single value", field=name)
    if value is None:
        return _presence(field, operator, name)
    scalar = coerce(field, value, name)
    if field.kind == "relation":
        found = Expr(field.expr.sql, (*field.expr.params, scalar))
        return found if operator == "=" else Expr(f"NOT {found.sql}", found.params)
    if field.kind == "date":
        return _having(field, _date(field.expr, operator, scalar))
    if operator in _LIKE_PATTERNS:
        return _like(field, operator, scalar)
    if operator == "!=":
        return _lacking(field, Expr(f"{field.expr.sql} = ?", (*field.expr.params, scalar)))
    # operator is one of = > < >= <=, from the fixed list above: safe to write into the SQL.
    return _having(field, Expr(f"{field.expr.sql} {operator} ?", (*field.expr.params, scalar)))


def _having(field: Field, condition: Expr) -> Expr:
    """The rows with a value meeting `condition` (a condition on `field.expr`)."""
    if field.rows_with is None:
        return condition
    sql = field.rows_with.sql.format(condition=condition.sql)
    return Expr(sql, (*field.rows_with.params, *condition.params))


def _lacking(field: Field, condition: Expr) -> Expr:
    """The rows without a value meeting `condition`, rows without any value included."""
    if field.rows_with is None:
        expr = field.expr
        return Expr(
            f"({expr.sql} IS NULL OR NOT ({condition.sql}))", (*expr.params, *condition.params)
        )
    having = _having(field, condition)
    return Expr(f"NOT {having.sql}", having.params)


def _membership(field: Field, operator: str, value: Any, name: str) -> Expr:
    if not isinstance(value, list) or not value:
        raise ParameterInvalid(f"Operator '{operator}' needs a non-empty array value", field=name)
    values = [coerce(field, item, name) for item in value]
    marks = ", ".join("?" for _ in values)
    inside = Expr(f"{field.expr.sql} IN ({marks})", (*field.expr.params, *values))
    return _having(field, inside) if operator == "IN" else _lacking(field, inside)


def _presence(field: Field, operator: str, name: str) -> Expr:
    if operator not in ("=", "!=") or field.kind == "relation":
        raise ParameterInvalid(f"Operator '{operator}' needs a value, not null", field=name)
    if field.rows_with is None:
        test = "IS NULL" if operator == "=" else "IS NOT NULL"
        return Expr(f"{field.expr.sql} {test}", field.expr.params)
    present = Expr(f"{field.expr.sql} IS NOT NULL", field.expr.params)
    return _lacking(field, present) if operator == "=" else _having(field, present)


def _like(field: Field, operator: str, value: str) -> Expr:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = _LIKE_PATTERNS[operator].format(escaped)
    matches = Expr(f"{field.expr.sql} LIKE ? ESCAPE '\\'", (*field.expr.params, pattern))
    return _lacking(field, matches) if operator == "!~" else _having(field, matches)


def _date(expr: Expr, operator: str, value: int) -> Expr:
    day = value - value % DAY
    next_day = min(day + DAY, 2**63 - 1)  # the last day SQLite can count to has no next day
    if operator == ">":
        return Expr(f"{expr.sql} >= ?", (*expr.params, next_day))
    if operator == "<":
        return Expr(f"{expr.sql} < ?", (*expr.params, day))
    return Expr(
        f"({expr.sql} >= ? AND {expr.sql} < ?)",
        (*expr.params, day, *expr.params, next_day),
    )


def coerce(field: Field, value: Any, name: str) -> Any:
    """The value as the SQL comparison needs it, or 400 when it is not of the field's type."""
    result = _COERCERS[field.kind](value)
    if result is None:
        raise ParameterInvalid(
            f"'{name}' is a {field.kind} field; {json.dumps(value)} is not a {field.kind} value",
            field=name,
        )
    if field.lower and isinstance(result, str):
        return result.lower()
    return result


def _as_string(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, str | int) else None


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    number: int | float
    try:
        number = int(value) if not isinstance(value, float) else value
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            return None
    # SQLite integers are 64-bit; anything past that (or NaN, infinity) is no number to it.
    return number if math.isfinite(number) and abs(number) < 2**63 else None


def _as_date(value: Any) -> int | None:
    # Unix seconds, as a number or a numeric string (Intercom's own example sends a string).
    number = _as_number(value)
    return int(number) if number is not None else None


def _as_boolean(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    return {"true": 1, "false": 0}.get(value) if isinstance(value, str) else None


_COERCERS: dict[str, Callable[[Any], Any]] = {
    "string": _as_string,
    "integer": _as_number,
    "date": _as_date,
    "boolean": _as_boolean,
    "relation": _as_string,
}
