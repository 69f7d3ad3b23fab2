"""The inspector: a web page at `/_emulator/` that shows what a workspace holds and every API
request it made, with the emulator's verdict, refreshing itself while it is open.

It shows what a token may see (emulator.access.inspector_visitor). Without a server admin
token, the page needs a token of the workspace once, as `?token=` (or the bearer header), and
shows that workspace only. With one, it needs the admin token once, as `?admin_token=` (or the
`X-Emulator-Admin-Token` header), and shows any workspace: by id (`?workspace=`), else the
bearer token's, else the one used last. A signed session cookie, never the token, keeps the
visitor for the rest of the visit. Its one action, archiving or unarchiving an event name, is an
HTML form carrying a CSRF token, that posts here and redirects back to the page.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.errors import Forbidden, IntercomError, NotFound
from emulator.routes.parsing import query
from emulator.store import inspector

blueprint = Blueprint("inspector", __name__, url_prefix="/_emulator")


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


@blueprint.get("/")
def page() -> ResponseReturnValue:
    args = query()
    scope = g.inspector_scope
    workspace = access.inspector_workspace(scope, args.get("workspace"))
    search, refused_only = args.get("q", "").strip(), args.get("journal") == "refused"
    view = None
    if workspace is not None:
        view = inspector.page(access.inspector_context(workspace), search, refused_only)
    return render_template(
        "inspector/page.html",
        view=view,
        workspaces=access.inspector_workspaces(scope),
        csrf_token=access.csrf_token(scope),
        asked_for=args.get("workspace"),
        search=search,
        refused_only=refused_only,
        notice=args.get("notice"),
    )


@blueprint.post("/inspector/event_names/<path:name>/archive")
def archive_event_name(name: str) -> ResponseReturnValue:
    return _set_event_name_archived(name, archived=True)


@blueprint.post("/inspector/event_names/<path:name>/unarchive")
def unarchive_event_name(name: str) -> ResponseReturnValue:
    return _set_event_name_archived(name, archived=False)


def _set_event_name_archived(name: str, archived: bool) -> Response:
    """Change the name, then go back to the page, with the reason when it was refused."""
    scope = g.inspector_scope
    if not access.csrf_valid(scope, request.form.get("csrf_token")):
        raise Forbidden("The form's CSRF token is missing or wrong: reload the inspector page")
    asked = request.form.get("workspace", "")
    workspace = access.inspector_workspace(scope, asked) if asked else None
    if workspace is None:
        raise NotFound("No such workspace")
    back: dict[str, str] = {"workspace": workspace.id}
    try:
        with access.inspector_change(workspace) as ctx:
            inspector.set_event_name_archived(ctx, name, archived)
    except IntercomError as error:
        back["notice"] = error.message
    if request.form.get("q"):
        back["q"] = request.form["q"]
    return redirect(url_for(".page", **back) + "#event-names", code=303)


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
