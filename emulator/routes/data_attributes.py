"""`GET`/`POST /data_attributes`, `PUT /data_attributes/{id}`."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok, query
from emulator.store import data_attributes

blueprint = Blueprint("data_attributes", __name__)


@blueprint.get("/data_attributes")
def list_data_attributes() -> ResponseReturnValue:
    args = query()
    include_archived = args.get("include_archived", "false").lower() == "true"
    return ok(data_attributes.list_all(context(), args.get("model"), include_archived))


@blueprint.post("/data_attributes")
def create() -> ResponseReturnValue:
    return ok(data_attributes.create(context(), json_body()))


@blueprint.put("/data_attributes/<attr_id>")
def update(attr_id: str) -> ResponseReturnValue:
    return ok(data_attributes.update(context(), attr_id, json_body()))
