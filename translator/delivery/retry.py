"""Which answers are worth another try, and how long to wait before it.

Retried: 429, 408, every 5xx, timeouts and lost connections, with exponential backoff and jitter
("equal jitter": half the step is fixed, half random), up to ``max_attempts`` tries per call.
Intercom: "500, 502, 503, 504 Server errors … requests should be retried" [facts 2]. Every call the
plans make is safe to repeat: searches and lookups read; ``PUT /contacts``, ``POST /companies``
(upsert by company_id), attaching a company and tagging are idempotent; a repeated
``POST /contacts`` gets 409 naming the contact, which the plan turns into an update; a repeated
``POST /events`` is the same event to Intercom (contact, name and ``created_at``) and is stored
once [facts 7].

A 404 "User Not Found" on an event is retried briefly too: the contact may be in the search index
a moment after it was written (the ``identify`` before it is done, since one user's events go in
order, but Intercom's lookups can lag). Once a user has been not found through those waits, the
sender tries that user's next events once each (``Exchange``), so a refused ``identify`` does not
cost every later event of its user the same wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from translator.core.calls import Call, Reply
from translator.core.session import NOT_FOUND_ATTEMPTS

RETRY = "retry"
RATE_LIMITED = "rate_limited"
FINAL = "final"
_EVENT_PATHS = ("/events", "/messenger/web/events")


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a call gets and how the waits between them grow."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    # Tries of an event whose user Intercom does not find yet, and the wait between them.
    not_found_attempts: int = NOT_FOUND_ATTEMPTS  # translator plan shows as many runs
    not_found_delay: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.not_found_attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.not_found_delay < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait after the ``attempt``-th failed try (1-based)."""
        step = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return step / 2 + rng.uniform(0, step / 2)

    def not_found_wait(self, attempt: int) -> float:
        return self.not_found_delay * attempt


def verdict(call: Call, reply: Reply) -> str:
    """``final`` (hand the reply to the plan), ``retry`` or ``rate_limited``."""
    status = reply.status
    if status == 429:
        return RATE_LIMITED
    if status == 408 or status >= 500:
        return RETRY
    return FINAL


def is_user_not_found(call: Call, reply: Reply) -> bool:
    """An event refused because Intercom does not (yet) know its user [facts 7]."""
    return reply.status == 404 and call.method == "POST" and call.path in _EVENT_PATHS
