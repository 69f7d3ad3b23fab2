"""`GET /me`, `GET /admins`, `GET /admins/{id}`."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, ok
from emulator.store import admins

blueprint = Blueprint("admins", __name__)


@blueprint.get("/me")
def me() -> ResponseReturnValue:
    return ok(admins.me(context()))


@blueprint.get("/admins")
def list_admins() -> ResponseReturnValue:
    return ok(admins.list_all(context()))


@blueprint.get("/admins/<admin_id>")
def retrieve(admin_id: str) -> ResponseReturnValue:
    return ok(admins.retrieve(context(), admin_id))
