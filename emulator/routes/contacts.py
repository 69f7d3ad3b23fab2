"""The 2.x Contacts API: `/contacts` and its search, merge, archive and lookup routes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator import versions
from emulator.routes.parsing import context, flag, json_body, ok, query
from emulator.store import contacts

blueprint = Blueprint("contacts", __name__)


def _answer(body: dict[str, Any]) -> ResponseReturnValue:
    """The contact(s), with `merge_history` when the request asks for it (a 2.16 parameter;
    earlier versions ignore it as an unknown query parameter)."""
    ctx = context()
    include = versions.at_least(ctx.version, "2.16") and flag(query(), "include_merge_history")
    return ok(contacts.with_merge_history(ctx, include, body))


@blueprint.post("/contacts")
def create_contact() -> ResponseReturnValue:
    return ok(contacts.create(context(), json_body()))


@blueprint.get("/contacts")
def list_contacts() -> ResponseReturnValue:
    return _answer(contacts.list_page(context(), query()))


@blueprint.post("/contacts/search")
def search_contacts() -> ResponseReturnValue:
    return _answer(contacts.search(context(), json_body()))


@blueprint.post("/contacts/merge")
def merge_contact() -> ResponseReturnValue:
    return _answer(contacts.merge(context(), json_body()))


@blueprint.get("/contacts/find_by_external_id/<path:external_id>")
def show_contact_by_external_id(external_id: str) -> ResponseReturnValue:
    return _answer(contacts.find_by_external_id(context(), external_id))


@blueprint.get("/contacts/<id:contact_id>")
def show_contact(contact_id: str) -> ResponseReturnValue:
    return _answer(contacts.retrieve(context(), contact_id))


@blueprint.put("/contacts/<id:contact_id>")
def update_contact(contact_id: str) -> ResponseReturnValue:
    return _answer(contacts.update(context(), contact_id, json_body()))


@blueprint.delete("/contacts/<id:contact_id>")
def delete_contact(contact_id: str) -> ResponseReturnValue:
    return ok(contacts.delete(context(), contact_id))


@blueprint.post("/contacts/<contact_id>/archive")
def archive_contact(contact_id: str) -> ResponseReturnValue:
    return ok(contacts.set_archived(context(), contact_id, archived=True))


@blueprint.post("/contacts/<contact_id>/unarchive")
def unarchive_contact(contact_id: str) -> ResponseReturnValue:
    return ok(contacts.set_archived(context(), contact_id, archived=False))
