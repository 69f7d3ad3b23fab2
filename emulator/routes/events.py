"""`POST /events`, `GET /events`, `POST /events/summaries`, and the control API's event names
under `/_emulator/`."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.routes.parsing import accepted, context, json_body, ok, query
from emulator.store import event_names, event_summaries, events

blueprint = Blueprint("events", __name__)
# The emulator's own API (not rate limited): the bearer token picks the workspace.
control_blueprint = Blueprint("event_names", __name__, url_prefix="/_emulator")
control_blueprint.before_request(access.require_admin_token)


@blueprint.post("/events")
def create() -> ResponseReturnValue:
    events.create(context(), json_body())
    return accepted()


@blueprint.post("/events/summaries")
def create_summary() -> ResponseReturnValue:
    event_summaries.create(context(), json_body())
    return Response(status=200)  # Intercom describes its 200 with no body [S2.11]


@blueprint.get("/events")
def list_for_user() -> ResponseReturnValue:
    return ok(events.list_for_user(context(), query(), request.host_url))


@control_blueprint.get("/event_names")
def list_event_names() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(event_names.list_all(ctx))


@control_blueprint.post("/event_names/<path:name>/archive")
def archive(name: str) -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(event_names.archive(ctx, name))


@control_blueprint.post("/event_names/<path:name>/unarchive")
def unarchive(name: str) -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(event_names.unarchive(ctx, name))
