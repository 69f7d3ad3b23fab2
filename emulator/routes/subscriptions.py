"""Subscription types, and the ones a contact is attached to."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, json_body, ok
from emulator.store import subscriptions

blueprint = Blueprint("subscriptions", __name__)


@blueprint.get("/subscription_types")
def list_subscription_types() -> ResponseReturnValue:
    return ok(subscriptions.list_all(context()))


@blueprint.get("/contacts/<contact_id>/subscriptions")
def list_for_contact(contact_id: str) -> ResponseReturnValue:
    return ok(subscriptions.list_for_contact(context(), contact_id))


@blueprint.post("/contacts/<contact_id>/subscriptions")
def attach(contact_id: str) -> ResponseReturnValue:
    return ok(subscriptions.attach(context(), contact_id, json_body()))


@blueprint.delete("/contacts/<contact_id>/subscriptions/<subscription_id>")
def detach(contact_id: str, subscription_id: str) -> ResponseReturnValue:
    return ok(subscriptions.detach(context(), contact_id, subscription_id))
