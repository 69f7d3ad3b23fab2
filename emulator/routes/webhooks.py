"""The control API's webhooks (`/_emulator/webhooks`): subscriptions, what became of their
notifications, and `deliver_now`. Intercom configures subscriptions in its Developer Hub, not
through its REST API, so the emulator's control API stands in for it (emulator.store.webhooks).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.routes.parsing import json_body, ok, query
from emulator.store.webhooks import deliveries, subscriptions
from emulator.webhook_delivery import Courier

blueprint = Blueprint("webhooks", __name__, url_prefix="/_emulator/webhooks")


@blueprint.before_request
def require_admin_token() -> None:
    access.require_admin_token()


def _courier() -> Courier:
    found: Courier = current_app.extensions["webhooks"]
    return found


@blueprint.post("")
def create() -> ResponseReturnValue:
    body = json_body()
    with access.control_context() as ctx:
        return ok(subscriptions.create(ctx, body, _courier().allowed_hosts))


@blueprint.get("")
def list_subscriptions() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(subscriptions.list_all(ctx))


@blueprint.delete("/<subscription_id:subscription_id>")
def delete(subscription_id: str) -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(subscriptions.delete(ctx, subscription_id))


@blueprint.post("/<subscription_id:subscription_id>/ping")
def ping(subscription_id: str) -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(subscriptions.ping(ctx, subscription_id))


@blueprint.get("/notifications")
def notifications() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(deliveries.list_recent(ctx, query()))


@blueprint.post("/deliver_now")
def deliver_now() -> ResponseReturnValue:
    """Attempt every pending notification of the workspace now, retries included; answers
    once the attempts are made (outside any transaction: the receivers are not waited on
    with the write lock held)."""
    with access.control_context() as ctx:
        workspace_id = ctx.workspace.id
    return ok({"type": "deliveries", **_courier().deliver_now(workspace_id)})
