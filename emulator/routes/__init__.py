"""HTTP routes, one blueprint per resource: read the request, call the store, return its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter, Rule


class ResourceId(BaseConverter):
    """An id in a path, never one of the words its collection answers itself
    (`/contacts/search`, `/contacts/merge`, `/companies/list`, `/companies/scroll`): `GET
    /contacts/search` is then a wrong method (404, as Intercom), and `OPTIONS` there lists only
    what that path answers."""

    regex = r"(?!(?:search|merge|list|scroll)$)[^/]+"


class SubscriptionId(BaseConverter):
    """A webhook subscription's id, never the words `/_emulator/webhooks` answers itself
    (`deliver_now`, `notifications`): `OPTIONS` there lists only what that path answers."""

    regex = r"(?!(?:deliver_now|notifications)$)[^/]+"


class LazyRule(Rule):
    """A route whose URL builders (for `url_for`) are compiled on first use rather than when
    the route is added: werkzeug compiles two per route through `ast` and `compile()`, about
    0.2 s of every worker's start for the emulator's routes, most of which never build a URL."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule: LazyRule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, compiled)  # compiled once; later calls go straight to it
            return compiled(*args, **kwargs)

        return build


def register(app: Flask) -> None:
    from emulator.routes import (
        admins,
        companies,
        contacts,
        control,
        conversations,
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
        webhooks,
    )

    app.url_rule_class = LazyRule
    app.url_map.converters["id"] = ResourceId  # before the rules that use it are added
    app.url_map.converters["subscription_id"] = SubscriptionId
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
        conversations,
        messenger,
        control,
        webhooks,
        inspector,
        description,
        not_emulated,
    ):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(events.control_blueprint)
