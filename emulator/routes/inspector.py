"""The inspector: a web page at `/_emulator/` that shows what a workspace holds and every API
request it made, with the emulator's verdict, refreshing itself while it is open.

It is a local tool, so it needs no bearer token: the page picks a workspace by id
(`?workspace=`), else the bearer token's, else the one used last. When the server has an admin
token, the page needs it once as `?admin_token=` (or the `X-Emulator-Admin-Token` header); a
cookie keeps it for the rest of the visit. Its one action, archiving or unarchiving an event
name, is an HTML form that posts here and redirects back to the page.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.errors import IntercomError, NotFound
from emulator.routes.parsing import query
from emulator.store import inspector

blueprint = Blueprint("inspector", __name__, url_prefix="/_emulator")


@blueprint.before_request
def require_admin_token() -> Any:
    door = access.gate()
    if door.admin_token is None:
        return None
    given = access.inspector_admin_token()
    if not door.admits_admin(given):
        return render_template("inspector/locked.html"), 403
    if request.args.get("admin_token") is None:
        return None
    # Keep the token in a cookie and out of the address bar (and the browser's history).
    rest = {key: value for key, value in query().items() if key != "admin_token"}
    response = redirect(f"{request.path}?{urlencode(rest)}" if rest else request.path, code=303)
    response.set_cookie(
        access.INSPECTOR_COOKIE, given, httponly=True, samesite="Strict", path="/_emulator"
    )
    return response


@blueprint.after_request
def never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/")
def page() -> ResponseReturnValue:
    args = query()
    workspace = access.inspector_workspace(args.get("workspace"))
    search, refused_only = args.get("q", "").strip(), args.get("journal") == "refused"
    view = None
    if workspace is not None:
        view = inspector.page(access.inspector_context(workspace), search, refused_only)
    return render_template(
        "inspector/page.html",
        view=view,
        workspaces=inspector.workspace_list(access.connection()),
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
    workspace = inspector.workspace_by_id(access.connection(), request.form.get("workspace", ""))
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
