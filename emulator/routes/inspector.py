"""The inspector: a web page at `/_emulator/` that shows what a workspace holds and every API
request it made, with the emulator's verdict, refreshing itself while it is open.

It shows what a token may see (emulator.access.inspector_visitor). Without a server admin
token, the page needs a token of the workspace once, as `?token=` (or the bearer header), and
shows that workspace only. With one, it needs the admin token once, as `?admin_token=` (or the
`X-Emulator-Admin-Token` header), and shows any workspace: by id (`?workspace=`), else the
bearer token's, else the one used last. A signed session cookie, never the token, keeps the
visitor for the rest of the visit. Its actions (archiving or unarchiving an event name,
resetting the workspace) are HTML forms carrying a CSRF token, that post here and redirect back.

The page shows one section at a time (`?tab=`), chosen in its navigation; `SECTIONS` lists
them. A section is a row there: its key, its label, its template (`templates/inspector/`) and
the store function that gives the template its data (emulator.store.inspector). Long tables
are paged on the server (`?page=`), searched with `?q=`; the requests with `?kind=` too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.errors import Forbidden, IntercomError, NotFound
from emulator.routes.parsing import query
from emulator.store import inspector
from emulator.store.context import Context, Workspace
from emulator.store.inspector_journal import KINDS

blueprint = Blueprint("inspector", __name__, url_prefix="/_emulator")


@dataclass(frozen=True)
class Section:
    key: str  # `?tab=` and the HTML id
    label: str
    template: str
    load: Callable[[Context, inspector.Asked], dict[str, Any]]


# The page's sections, in its navigation's order; the first is shown when none is asked for.
SECTIONS = (
    Section("requests", "Requests", "inspector/_journal.html", inspector.requests),
    Section("contacts", "Contacts", "inspector/_contacts.html", inspector.contacts),
    Section(
        "conversations",
        "Conversations",
        "inspector/_conversations.html",
        inspector.conversations,
    ),
    Section("companies", "Companies", "inspector/_companies.html", inspector.companies),
    Section("events", "Events", "inspector/_events.html", inspector.events),
    Section("event-names", "Event names", "inspector/_event_names.html", inspector.event_name_list),
    Section(
        "data-attributes",
        "Data attributes",
        "inspector/_data_attributes.html",
        inspector.data_attribute_list,
    ),
    Section("tags", "Tags", "inspector/_tags.html", inspector.tags),
    Section("webhooks", "Webhooks", "inspector/_webhooks.html", inspector.webhooks),
    Section("settings", "Settings & faults", "inspector/_settings.html", inspector.settings),
)
_BY_KEY = {section.key: section for section in SECTIONS}


@blueprint.before_request
def require_visitor() -> Any:
    scope, from_address = access.inspector_visitor()
    if scope is None:
        door = access.gate()
        return render_template("inspector/locked.html", admin=door.admin_token is not None), 403
    g.inspector_scope = scope
    if not from_address:
        return None
    # Keep the visitor in a cookie and the token out of the address bar (and the history).
    rest = {key: value for key, value in query().items() if key not in ("admin_token", "token")}
    response = redirect(f"{request.path}?{urlencode(rest)}" if rest else request.path, code=303)
    response.set_cookie(
        access.SESSION_COOKIE,
        access.session_cookie(scope),
        httponly=True,
        samesite="Strict",
        path="/_emulator",
    )
    return response


@blueprint.after_request
def never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _asked(args: dict[str, str]) -> inspector.Asked:
    page = args.get("page", "1")
    kind = args.get("kind", "all")
    return inspector.Asked(
        search=args.get("q", "").strip()[:200],
        page=int(page) if page.isdigit() and len(page) < 10 else 1,
        kind=kind if kind in KINDS else "all",
    )


@blueprint.get("/")
def page() -> ResponseReturnValue:
    args = query()
    scope = g.inspector_scope
    workspace = access.inspector_workspace(scope, args.get("workspace"))
    section = _BY_KEY.get(args.get("tab", ""), SECTIONS[0])
    asked = _asked(args)
    listed = access.inspector_workspaces(scope)
    view = None
    if workspace is not None:
        ctx = access.inspector_context(workspace)
        view = {**inspector.header(ctx), **section.load(ctx, asked)}
        view["label"] = next((w["label"] for w in listed if w["id"] == workspace.id), workspace.id)
    here = {"workspace": workspace.id if workspace else None, "tab": section.key}
    here |= {"kind": asked.kind, "q": asked.search, "page": asked.page}
    return render_template(
        "inspector/page.html",
        view=view,
        sections=SECTIONS,
        section=section,
        asked=asked,
        kinds=KINDS,
        link=_linker(here),
        workspaces=listed,
        csrf_token=access.csrf_token(scope),
        asked_for=args.get("workspace"),
        search=asked.search,
        notice=args.get("notice"),
    )


def _linker(here: dict[str, Any]) -> Callable[..., str]:
    """`link(page=2)`: the page's address with those changes (defaults left out)."""
    defaults = {"tab": SECTIONS[0].key, "kind": "all", "q": "", "page": 1}

    def link(**changes: Any) -> str:
        wanted = {**here, **changes}
        shown = {
            key: value for key, value in wanted.items() if value not in (None, defaults.get(key))
        }
        return url_for(".page", **shown)

    return link


def _form_workspace() -> Workspace:
    """The workspace a form posted for, once its CSRF token is checked."""
    scope = g.inspector_scope
    if not access.csrf_valid(scope, request.form.get("csrf_token")):
        raise Forbidden("The form's CSRF token is missing or wrong: reload the inspector page")
    asked = request.form.get("workspace", "")
    workspace = access.inspector_workspace(scope, asked) if asked else None
    if workspace is None:
        raise NotFound("No such workspace")
    return workspace


@blueprint.post("/inspector/event_names/<path:name>/archive")
def archive_event_name(name: str) -> ResponseReturnValue:
    return _set_event_name_archived(name, archived=True)


@blueprint.post("/inspector/event_names/<path:name>/unarchive")
def unarchive_event_name(name: str) -> ResponseReturnValue:
    return _set_event_name_archived(name, archived=False)


def _set_event_name_archived(name: str, archived: bool) -> Response:
    """Change the name, then go back to the page, with the reason when it was refused."""
    workspace = _form_workspace()
    back: dict[str, str] = {"workspace": workspace.id, "tab": "event-names"}
    try:
        with access.inspector_change(workspace) as ctx:
            inspector.set_event_name_archived(ctx, name, archived)
    except IntercomError as error:
        back["notice"] = error.message
    return redirect(url_for(".page", **back), code=303)


@blueprint.post("/inspector/reset")
def reset_workspace() -> ResponseReturnValue:
    """Empty the workspace (the page asks first), as `POST /_emulator/reset` does."""
    workspace = _form_workspace()
    with access.inspector_change(workspace) as ctx:
        inspector.reset(ctx)
    notice = (
        "The workspace was reset: its data, journal and fault rules are gone;"
        " its tokens and settings stay."
    )
    return redirect(url_for(".page", workspace=workspace.id, notice=notice), code=303)


@blueprint.app_template_filter("when")
def when(timestamp: float | None, clock_only: bool = False) -> str:
    """A unix time in the server's local time (the emulator runs where its user is)."""
    if timestamp is None:
        return "—"
    moment = datetime.fromtimestamp(timestamp)
    return moment.strftime("%H:%M:%S" if clock_only else "%Y-%m-%d %H:%M:%S")


@blueprint.app_template_filter("pretty")
def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
