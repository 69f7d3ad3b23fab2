"""A contact's notes: `/contacts/{id}/notes` and `/notes/{id}`."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok, query
from emulator.store import notes

blueprint = Blueprint("notes", __name__)


@blueprint.post("/contacts/<contact_id>/notes")
def create_note(contact_id: str) -> ResponseReturnValue:
    return ok(notes.create(context(), contact_id, json_body()))


@blueprint.get("/contacts/<contact_id>/notes")
def list_notes(contact_id: str) -> ResponseReturnValue:
    return ok(notes.list_for_contact(context(), contact_id, query()))


@blueprint.get("/notes/<note_id>")
def retrieve_note(note_id: str) -> ResponseReturnValue:
    return ok(notes.retrieve(context(), note_id))
