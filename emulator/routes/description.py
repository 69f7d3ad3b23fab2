"""`GET /openapi.json`: the emulator's OpenAPI description (emulator.openapi), without the
operations it does not serve yet unless asked `?planned=true`."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from flask.blueprints import BlueprintSetupState

from emulator import openapi
from emulator.routes.parsing import flag, query

blueprint = Blueprint("openapi", __name__)


@blueprint.record_once
def _load_at_start_up(state: BlueprintSetupState) -> None:
    state.app.extensions["openapi_dir"] = openapi.required()


@blueprint.get("/openapi.json")
def description() -> Response:
    directory = current_app.extensions["openapi_dir"]
    include_planned = flag(query(), "planned")
    return Response(openapi.served_json(directory, include_planned), mimetype="application/json")
