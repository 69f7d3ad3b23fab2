"""The web Messenger's `POST /messenger/web/ping` and `POST /messenger/web/events`.

No bearer token: the pipeline finds the workspace by the form's `app_id` and does not rate-limit
these (they are not the REST API), but runs them in its transaction and journals them.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from emulator.routes.parsing import context, ok
from emulator.store import messenger

blueprint = Blueprint("messenger", __name__, url_prefix="/messenger/web")


def form() -> dict[str, str]:
    """The form fields, one value each (the first when repeated)."""
    return request.form.to_dict()


@blueprint.post("/ping")
def ping() -> ResponseReturnValue:
    return ok(messenger.ping(context(), form()))


@blueprint.post("/events")
def record_event() -> ResponseReturnValue:
    return ok(messenger.record_event(context(), form()))
