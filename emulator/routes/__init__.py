"""HTTP routes, one blueprint per resource: read the request, call the store, return its answer."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from emulator.routes import (
        admins,
        companies,
        contacts,
        control,
        data_attributes,
        events,
        tags,
    )

    for module in (admins, contacts, companies, events, data_attributes, tags, control):
        app.register_blueprint(module.blueprint)
