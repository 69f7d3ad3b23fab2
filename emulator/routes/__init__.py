"""HTTP routes, one blueprint per resource: read the request, call the store, return its answer."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter


class ResourceId(BaseConverter):
    """An id in a path, never one of the words its collection answers itself
    (`/contacts/search`, `/contacts/merge`, `/companies/list`, `/companies/scroll`): `GET
    /contacts/search` is then 405, and `OPTIONS` there lists only what that path answers."""

    regex = r"(?!(?:search|merge|list|scroll)$)[^/]+"


def register(app: Flask) -> None:
    from emulator.routes import (
        admins,
        companies,
        contacts,
        control,
        data_attributes,
        description,
        events,
        inspector,
        messenger,
        not_emulated,
        notes,
        segments,
        subscriptions,
        tags,
        users,
    )

    app.url_map.converters["id"] = ResourceId  # before the rules that use it are added
    for module in (
        admins,
        contacts,
        companies,
        events,
        data_attributes,
        tags,
        notes,
        segments,
        subscriptions,
        users,
        messenger,
        control,
        inspector,
        description,
        not_emulated,
    ):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(events.control_blueprint)
