"""Intercom's operations the emulator does not serve: each answers 501 `not_emulated`, naming the
operation, after the token, version and rate-limit checks every request goes through. The list
is `emulator/description/not_emulated.yaml`, derived from Intercom's description when it was
written (see tests/not_emulated_list.py); a path Intercom does not have is not in it: 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn

from flask import Blueprint

from emulator import openapi
from emulator.errors import NotEmulated

blueprint = Blueprint("not_emulated", __name__)


def flask_rule(template: str) -> str:
    """`/conversations/{conversation_id}` as Flask writes it: `/conversations/<conversation_id>`."""
    return re.sub(r"\{([^}]+)\}", r"<\1>", template)


def _refuse(method: str, template: str, operation_id: str) -> Callable[..., NoReturn]:
    def refuse(**_path: str) -> NoReturn:
        raise NotEmulated(f"{method} {template} is not emulated (Intercom's {operation_id})")

    return refuse


for _operation in openapi.not_emulated():
    _method, _path, _id = _operation["method"], _operation["path"], _operation["operationId"]
    blueprint.add_url_rule(
        flask_rule(_path), endpoint=_id, view_func=_refuse(_method, _path, _id), methods=[_method]
    )
