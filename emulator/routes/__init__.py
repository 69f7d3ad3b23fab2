"""HTTP routes, one blueprint per resource: read the request, call the store, return its answer."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from emulator import openapi
    from emulator.routes import (
        admins,
        companies,
        contacts,
        control,
        data_attributes,
        events,
        inspector,
        messenger,
        tags,
        users,
    )

    for module in (
        admins,
        contacts,
        companies,
        events,
        data_attributes,
        tags,
        users,
        messenger,
        control,
        inspector,
        openapi,
    ):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(events.control_blueprint)
