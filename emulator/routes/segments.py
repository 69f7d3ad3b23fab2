"""Segments (defined in the seed): `/segments` and a contact's segments."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, flag, ok, query
from emulator.store import segments

blueprint = Blueprint("segments", __name__)


@blueprint.get("/segments")
def list_segments() -> ResponseReturnValue:
    return ok(segments.list_all(context(), flag(query(), "include_count")))


@blueprint.get("/segments/<segment_id>")
def retrieve_segment(segment_id: str) -> ResponseReturnValue:
    return ok(segments.retrieve(context(), segment_id))


@blueprint.get("/contacts/<contact_id>/segments")
def list_segments_for_contact(contact_id: str) -> ResponseReturnValue:
    return ok(segments.list_for_contact(context(), contact_id))
