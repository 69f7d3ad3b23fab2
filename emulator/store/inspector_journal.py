"""The inspector's Requests view: the journal split by kind, searched and paged.

The kinds keep apart what a day of debugging wants apart:

- `refused`: answers Intercom's rules gave (4xx but 429, and the emulator's own 5xx), none a
  fault rule's doing;
- `limited`: the rate limit's 429s;
- `faults`: every request a fault rule (`POST /_emulator/faults`) touched, whatever it answered;
- `warnings`: accepted answers that changed or dropped something on the way (metadata keys past
  the limit, an unknown parameter ignored), which a 2xx alone does not show.

Every read goes through `journal.read`, which first moves the entries still in the shared log.
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.store import journal
from emulator.store.context import Context
from emulator.store.journal_shape import shape
from emulator.store.paging import pages

KINDS = {
    "all": "1",
    "refused": "status >= 400 AND status <> 429 AND fault_id IS NULL",
    "warnings": "status < 400 AND warnings <> '[]'",
    "limited": "status = 429 AND fault_id IS NULL",
    "faults": "fault_id IS NOT NULL",
}
# What a request was about, first found first: the 121st event's name, the attribute's name...
SUBJECT_KEYS = ("event_name", "email", "external_id", "user_id", "company_id", "name", "id")
SUBJECT_LENGTH = 120
_SEARCHED = ("path", "query", "request_body", "response_body", "error_code", "error_message")
_STATUS = re.compile(r"[1-5]([0-9]{2}|[xX]{2})")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def like(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching `text` anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def counts(ctx: Context) -> dict[str, int]:
    """How many entries of each kind the workspace's journal holds."""
    sums = ", ".join(f"ifnull(sum({condition}), 0)" for condition in KINDS.values())
    sql = f"SELECT {sums} FROM journal WHERE workspace_id = ?"
    row = journal.read(ctx.db, ctx.shared_memory(), sql, [ctx.workspace.id])[0]
    return dict(zip(KINDS, (int(value) for value in row), strict=True))


def search_condition(text: str) -> tuple[str, list[Any]]:
    """`429` or `4xx`: that status; `/tags`: found in the path; `POST /events`: that method,
    then the rest as one of these; any other text: found in the path, query, bodies or error."""
    if _STATUS.fullmatch(text):
        if text[1:].lower() == "xx":
            low = int(text[0]) * 100
            return "status BETWEEN ? AND ?", [low, low + 99]
        return "status = ?", [int(text)]
    if text.startswith("/"):
        return "path LIKE ? ESCAPE '\\'", [like(text)]
    method, _, rest = text.partition(" ")
    if method.upper() in _METHODS:
        if not rest.strip():
            return "method = ?", [method.upper()]
        condition, params = search_condition(rest.strip())
        return f"method = ? AND {condition}", [method.upper(), *params]
    columns = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in _SEARCHED)
    return f"({columns})", [like(text)] * len(_SEARCHED)


def listing(ctx: Context, kind: str, search: str, page: int) -> dict[str, Any]:
    """Page `page` of the entries of `kind` matching `search`, newest first."""
    where = f"workspace_id = ? AND {KINDS.get(kind, KINDS['all'])}"
    params: list[Any] = [ctx.workspace.id]
    if search:
        condition, more = search_condition(search)
        where, params = f"{where} AND {condition}", [*params, *more]
    shared = ctx.shared_memory()
    (total,) = journal.read(ctx.db, shared, f"SELECT count(*) FROM journal WHERE {where}", params)[
        0
    ]
    paged = pages(int(total), page)
    rows = journal.read(
        ctx.db,
        shared,
        f"SELECT {journal.COLUMNS} FROM journal WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
        [*params, paged["size"], paged["offset"]],
    )
    entries = [shape(row) for row in rows]
    for entry in entries:
        entry["kind"] = kind_of(entry)
        entry["subject"] = subject(entry["request_body"])
        entry["field"] = error_field(entry["response_body"])
    return {"entries": entries, "page": paged}


def kind_of(entry: dict[str, Any]) -> str:
    if entry["fault_id"] is not None:
        return "fault"
    if entry["status"] == 429:
        return "limited"
    if entry["status"] >= 400:
        return "refused"
    return "warned" if entry["warnings"] else "accepted"


def error_field(body: Any) -> str | None:
    """The field a refusal names (`custom_attributes.plan`), from the answer's first error."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    field = first.get("field") if isinstance(first, dict) else None
    return field[:SUBJECT_LENGTH] if isinstance(field, str) and field else None


def subject(body: Any) -> str | None:
    """What a request was about, from its body: `event_name: "signed-up"`, say."""
    if not isinstance(body, dict):
        return None
    for key in SUBJECT_KEYS:
        value = body.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            shown = f"{key}: {json.dumps(value, ensure_ascii=False)}"
            if len(shown) > SUBJECT_LENGTH:
                return shown[: SUBJECT_LENGTH - 1] + "…"
            return shown
    return None
