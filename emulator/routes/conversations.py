"""Conversations, messages and teams [S2.11 Conversations, Messages, Teams]."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok, query
from emulator.store import teams
from emulator.store.conversations import listing, messages, operations

blueprint = Blueprint("conversations", __name__)


@blueprint.post("/conversations")
def create_conversation() -> ResponseReturnValue:
    return ok(messages.create_by_contact(context(), json_body()))


@blueprint.post("/messages")
def create_message() -> ResponseReturnValue:
    return ok(messages.create(context(), json_body()))


@blueprint.get("/conversations")
def list_conversations() -> ResponseReturnValue:
    return ok(listing.list_all(context(), query()))


@blueprint.post("/conversations/search")
def search_conversations() -> ResponseReturnValue:
    return ok(listing.search(context(), json_body()))


@blueprint.get("/conversations/<id:conversation_id>")
def retrieve_conversation(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.retrieve(context(), conversation_id, query()))


@blueprint.put("/conversations/<id:conversation_id>")
def update_conversation(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.update(context(), conversation_id, json_body(), query()))


@blueprint.post("/conversations/<conversation_id>/reply")
def reply_conversation(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.reply(context(), conversation_id, json_body()))


@blueprint.post("/conversations/<conversation_id>/parts")
def manage_conversation(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.manage(context(), conversation_id, json_body()))


@blueprint.post("/conversations/<conversation_id>/run_assignment_rules")
def run_assignment_rules(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.run_assignment_rules(context(), conversation_id))


@blueprint.post("/conversations/<conversation_id>/tags")
def attach_tag(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.attach_tag(context(), conversation_id, json_body()))


@blueprint.delete("/conversations/<conversation_id>/tags/<tag_id>")
def detach_tag(conversation_id: str, tag_id: str) -> ResponseReturnValue:
    return ok(operations.detach_tag(context(), conversation_id, tag_id, json_body()))


@blueprint.post("/conversations/<conversation_id>/customers")
def attach_contact(conversation_id: str) -> ResponseReturnValue:
    return ok(operations.attach_contact(context(), conversation_id, json_body()))


@blueprint.delete("/conversations/<conversation_id>/customers/<contact_id>")
def detach_contact(conversation_id: str, contact_id: str) -> ResponseReturnValue:
    return ok(operations.detach_contact(context(), conversation_id, contact_id, json_body()))


@blueprint.get("/teams")
def list_teams() -> ResponseReturnValue:
    return ok(teams.list_all(context()))


@blueprint.get("/teams/<team_id>")
def retrieve_team(team_id: str) -> ResponseReturnValue:
    return ok(teams.retrieve(context(), team_id))
