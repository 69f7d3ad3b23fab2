"""`/tags…` and a contact's tags (`/contacts/{id}/tags…`)."""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok
from emulator.store import tags

blueprint = Blueprint("tags", __name__)


@blueprint.post("/tags")
def create_or_apply() -> ResponseReturnValue:
    return ok(tags.create_or_apply(context(), json_body()))


@blueprint.get("/tags")
def list_all() -> ResponseReturnValue:
    return ok(tags.list_all(context()))


@blueprint.get("/tags/<tag_id>")
def retrieve(tag_id: str) -> ResponseReturnValue:
    return ok(tags.retrieve(context(), tag_id))


@blueprint.delete("/tags/<tag_id>")
def delete(tag_id: str) -> ResponseReturnValue:
    tags.delete(context(), tag_id)
    return Response(status=200)  # Intercom's 200 here has no body [S2.11]


@blueprint.post("/contacts/<contact_id>/tags")
def attach(contact_id: str) -> ResponseReturnValue:
    return ok(tags.attach_to_contact(context(), contact_id, json_body()))


@blueprint.get("/contacts/<contact_id>/tags")
def list_for_contact(contact_id: str) -> ResponseReturnValue:
    return ok(tags.list_for_contact(context(), contact_id))


@blueprint.delete("/contacts/<contact_id>/tags/<tag_id>")
def detach(contact_id: str, tag_id: str) -> ResponseReturnValue:
    return ok(tags.detach_from_contact(context(), contact_id, tag_id))
