"""Intercom's operations the emulator does not serve: each answers 501 `not_emulated`, naming the
operation, after the token, version and rate-limit checks every request goes through. The list
is `emulator/description/not_emulated.yaml`, derived from Intercom's 2.11 and 2.16 descriptions
when it was written (see tests/not_emulated_list.py); a path Intercom has in neither is not in
it: 404."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NoReturn

from flask import Blueprint
from flask.globals import request_ctx

from emulator import openapi
from emulator.errors import NotEmulated

blueprint = Blueprint("not_emulated", __name__)


def flask_rule(template: str) -> str:
    """`/conversations/{conversation_id}` as Flask writes it, `/conversations/<id:conversation_id>`:
    an id never one of the words a collection answers itself (emulator/routes/__init__.py), so
    `DELETE /conversations/search` stays a wrong method (404), as `GET /contacts/search` is. A
    literal segment (`/conversations/attributes`) still beats the emulator's
    `/conversations/<id:conversation_id>`: werkzeug tries static parts before converters."""
    return re.sub(r"\{([^}]+)\}", r"<id:\1>", template)


def refusal(operation: dict[str, str]) -> str:
    """What the 501 says: the operation, by Intercom's operationId (or its summary, for the few
    Intercom left without one), and the version of Intercom's description that has it when it
    is not 2.11's."""
    name = operation.get("operationId") or f'"{operation["summary"]}"'
    version = f"{operation['version']} " if "version" in operation else ""
    return f"{operation['method']} {operation['path']} is not emulated (Intercom's {version}{name})"


def refused_here(methods: Iterable[str]) -> set[str]:
    """Of `methods`, which the request's path takes, those it answers 501 `not_emulated`: an
    `Allow` header lists what the emulator serves, so `OPTIONS /conversations/{id}` does not
    advertise 2.16's deleteConversation beside the emulated GET and PUT."""
    adapter = request_ctx.url_adapter
    if adapter is None:
        return set()
    return {
        method
        for method in methods
        if method != "OPTIONS" and adapter.match(method=method)[0].startswith(f"{blueprint.name}.")
    }


def _refuse(message: str) -> Callable[..., NoReturn]:
    def refuse(**_path: str) -> NoReturn:
        raise NotEmulated(message)

    return refuse


for _operation in openapi.not_emulated():
    blueprint.add_url_rule(
        flask_rule(_operation["path"]),
        endpoint=_operation.get("operationId") or f"{_operation['method']} {_operation['path']}",
        view_func=_refuse(refusal(_operation)),
        methods=[_operation["method"]],
    )
