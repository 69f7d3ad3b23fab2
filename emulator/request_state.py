"""What the emulator knows about the request it is serving, typed, in one object.

emulator.lifecycle fills it in (begin, finish, abandon); emulator.routes.parsing and
emulator.rendering read it. It lives on Flask's `g` under one name, for one request.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from flask import g

from emulator.db import RequestTransaction
from emulator.errors import IntercomError
from emulator.store.context import Context, Workspace
from emulator.store.ratelimit import Quota


@dataclass
class RequestState:
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.perf_counter)
    db: sqlite_utils.Database | None = None  # set for API requests, until they finish
    workspace: Workspace | None = None  # whose journal the request goes into
    transaction: RequestTransaction | None = None  # the route's, once the request is admitted
    ctx: Context | None = None  # what the route's store calls receive
    quota: Quota | None = None  # the rate-limit window, for the X-RateLimit-* headers
    fault_id: int | None = None  # the fault rule that fired, if any
    error: IntercomError | None = None  # the error the response carries, if any
    json_body: dict[str, Any] | None = None  # the body, parsed once


def start() -> RequestState:
    state = RequestState()
    g.request_state = state
    return state


def current() -> RequestState:
    """This request's state (a fresh one if the request never began, e.g. a hook failed)."""
    state: RequestState | None = g.get("request_state")
    return state if state is not None else start()
