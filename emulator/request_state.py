"""What the emulator knows about the request it is serving, typed, in one object.

emulator.lifecycle fills it in (begin, finish, abandon); emulator.routes.parsing and
emulator.rendering read it. It lives on Flask's `g` under one name, for one request.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from flask import g

from emulator.db import RequestTransaction
from emulator.errors import IntercomError
from emulator.store.context import Context, Workspace
from emulator.store.ratelimit import Quota

# A generator of the emulator's own (a test seeding the global one, as hypothesis does for each
# example, must not repeat request ids), seeded from the system again in each forked process.
_random = random.Random()
os.register_at_fork(after_in_child=_random.seed)
# A version-4 UUID's fixed bits: the version nibble 4, the variant bits 10 (RFC 4122).
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def new_request_id() -> str:
    """A random version-4 UUID as text, as `str(uuid.uuid4())` writes it, without a system call
    for 16 random bytes nor a UUID object (twice as fast; a request id is no secret)."""
    h = f"{_random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class RequestState:
    request_id: str = field(default_factory=new_request_id)
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
