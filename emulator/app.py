"""The Flask application factory: a table of contents of the emulator.

Each part plugs itself in: the database (emulator.db, emulator.migrations), the front door
that turns a request into a `Context` (emulator.access), error rendering (emulator.rendering),
the routes (emulator.routes), and the life of a request (emulator.lifecycle). docs/architecture.md
walks a request through them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response

from emulator import (
    access,
    encoding,
    lifecycle,
    limits,
    migrations,
    rendering,
    routes,
    upkeep,
    webhook_delivery,
)
from emulator import db as database
from emulator.config import DEFAULT_MAX_WORKSPACES
from emulator.routes import not_emulated

DEFAULT_CONFIG: dict[str, Any] = {
    "DATABASE": "emulator.db",  # a path, or ":memory:" for a throwaway database
    "TOKENS": None,  # accepted bearer tokens; None accepts any token as its own workspace
    "SETTINGS": {},  # defaults for new workspaces' settings (see emulator.settings)
    "WORKSPACES": [],  # declared workspaces: [{"name", "tokens": [...], "settings": {...}}]
    "MAX_BODY_BYTES": limits.MAX_BODY_BYTES,
    "ADMIN_TOKEN": None,  # when set, the control API requires it (X-Emulator-Admin-Token)
    # The database file (device, inode) `emulator serve` opened: a worker started after it was
    # deleted or replaced refuses requests instead of creating a new one (emulator.db.Storage).
    "DATABASE_FILE_ID": None,
    "ALLOWED_HOSTS": [],  # `Host` names answered besides loopback ones; "*" for any
    "MAX_WORKSPACES": DEFAULT_MAX_WORKSPACES,  # a new token past it: 403; None: no limit
    "WEBHOOK_ALLOWED_HOSTS": [],  # hosts notifications may go to besides loopback ones
    "SESSION_KEY": None,  # signs the inspector's cookie; None draws one for this app
}


class _Emulator(Flask):
    """Flask, less one check per hook and view on every request: whether the function is a
    coroutine function (`inspect`, four times a request). A function's answer never changes, so
    it is kept (for the app's own functions: a bounded number)."""

    _SYNC_KEPT = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        found = self._sync.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(self._sync) < self._SYNC_KEPT:
                self._sync[func] = found
        return found

    def make_default_options_response(self) -> Response:
        """`Allow` without the methods answered 501 `not_emulated` at the path."""
        response = super().make_default_options_response()
        allowed = list(response.allow)
        refused = not_emulated.refused_here(allowed)
        response.headers["Allow"] = ", ".join(m for m in allowed if m not in refused)
        return response


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the emulator from a plain config dict (see DEFAULT_CONFIG)."""
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    app = _Emulator(__name__)
    app.config["MAX_CONTENT_LENGTH"] = cfg["MAX_BODY_BYTES"]
    encoding.init_app(app)  # orjson, keys in Intercom's order
    storage = database.storage_for(cfg["DATABASE"], cfg["DATABASE_FILE_ID"])
    # Before any connection opens: request connections leave the WAL's checkpoints to it.
    app.extensions["upkeep"] = upkeep.start(storage)
    if storage.problem() is None:  # else every request answers 503, saying why
        migrations.migrate(storage.connect())
    access.init_app(app, storage, cfg)
    rendering.init_app(app)
    routes.register(app)
    # After the schema (its thread reads the outbox), before the request hooks (see there).
    webhook_delivery.init_app(app, storage, cfg)
    lifecycle.init_app(app)  # after the routes: it compiles their request validation
    return app
