"""The legacy 1.4 Users API: `POST /users`, `GET /users`, `GET /users/{id}` (1.x versions only;
emulator.lifecycle checks the version family with `versions.check_path`)."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok, query
from emulator.store import users

blueprint = Blueprint("users", __name__)


@blueprint.post("/users")
def create_or_update_user() -> ResponseReturnValue:
    return ok(users.upsert(context(), json_body()))


@blueprint.get("/users")
def get_users() -> ResponseReturnValue:
    return ok(users.find(context(), query(), request.host_url))


@blueprint.get("/users/<user_id>")
def show_user(user_id: str) -> ResponseReturnValue:
    return ok(users.retrieve(context(), user_id))
