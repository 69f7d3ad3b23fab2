"""One call made until it settles: through the rate gate, retried as the policy says.

``Exchange.send(call, user)`` returns the reply the call settles on and how many tries it took.
A 401 raises ``AccessRefused`` (no event can get through with that token). A call that never got
an answer, only refused or failed connections, raises ``Unreachable``, and so does the run's
``max_connection_failures``-th connection failure in a row: the target is down or misnamed, so
the run stops and leaves its events pending, instead of dead-lettering each after its retries.
A 2xx that is not what Intercom sends (``transport.malformed``) is a failed try like a 5xx.
Only a try that is followed by another counts as a retry.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from translator.core.calls import Call, Reply
from translator.core.replies import error_messages
from translator.delivery.rate_limit import RateGate, Stopped
from translator.delivery.report import Tally
from translator.delivery.retry import FINAL, RATE_LIMITED, RetryPolicy, is_user_not_found, verdict
from translator.delivery.transport import Transport, TransportError, malformed

log = logging.getLogger("translator.delivery")

Observer = Callable[[Call, Reply], None]

# A 429 that names its reset costs no backoff; it may come this many times the tries of a 5xx.
RATE_LIMITED_TRIES_FACTOR = 4
# Connection failures in a row, across workers, that stop the run (the target is unreachable).
MAX_CONNECTION_FAILURES = 8


class AccessRefused(Exception):
    """Intercom answered 401: the token is wrong, revoked or not allowed."""


class Unreachable(Exception):
    """No answer from the target at all: the run stops and its events stay pending."""


@dataclass
class Tries:
    user: str | None = None
    failures: int = 0
    connection_failures: int = 0
    rate_limited: int = 0
    not_found: int = 0

    @property
    def total(self) -> int:
        return self.failures + self.rate_limited + self.not_found + 1


class GaveUp(Exception):
    """A call failed on every try the policy allows."""

    def __init__(self, call: Call, attempts: int, reply: Reply | None, problem: str) -> None:
        super().__init__(problem)
        self.call, self.attempts, self.reply, self.problem = call, attempts, reply, problem


class Exchange:
    """Makes calls for every worker; what it keeps (users found missing, the failure streak,
    the jitter's generator) is safe to share."""

    def __init__(
        self,
        transport: Transport,
        gate: RateGate,
        policy: RetryPolicy,
        tally: Tally,
        stop: threading.Event,
        observer: Observer | None = None,
        seed: int | None = None,
        max_connection_failures: int = MAX_CONNECTION_FAILURES,
    ) -> None:
        self.transport, self.gate, self.policy = transport, gate, policy
        self.tally, self.stop, self.observer = tally, stop, observer
        self.max_connection_failures = max_connection_failures
        self.missing_users: set[str] = set()
        self._lock = threading.Lock()
        self._streak = 0
        self._rng = random.Random(seed)

    def send(self, call: Call, user: str | None = None) -> tuple[Reply, int]:
        """The reply ``call`` settles on, and the tries it took."""
        tries = Tries(user=user)
        while True:
            reply = self._try(call, tries)
            if reply is None:
                continue
            kind = verdict(call, reply)
            problem = malformed(reply)
            if kind == FINAL and problem is None:
                if not self._retry_not_found(call, reply, tries):
                    return reply, tries.total
            elif kind == RATE_LIMITED and self.gate.pause_for_429(reply.headers):
                tries.rate_limited += 1
                if tries.rate_limited >= self.policy.max_attempts * RATE_LIMITED_TRIES_FACTOR:
                    raise GaveUp(call, tries.total - 1, reply, "rate limited on every try")
                self.tally.retry("429")
                log.info("%s %s: 429, waiting for the rate-limit reset", call.method, call.path)
            elif problem is not None:
                self._failed(call, tries, "invalid_reply", reply, f"answered {problem}")
            else:
                cause = str(reply.status) if reply.status in (408, 429) else "5xx"
                self._failed(call, tries, cause, reply, f"answered {reply.status}")

    def _try(self, call: Call, tries: Tries) -> Reply | None:
        """One request: its reply, or None after a failed connection (counted, backed off)."""
        self.gate.acquire()
        self.tally.call()
        try:
            reply = self.transport.send(call)
        except TransportError as error:
            self.gate.release(None)
            if error.kind == "connection":
                tries.connection_failures += 1
                self._connection_failed(error.message)
            self._failed(call, tries, error.kind, None, error.message)
            return None
        self.gate.release(reply.headers)
        with self._lock:
            self._streak = 0
        if self.observer is not None:
            self.observer(call, reply)
        if reply.status == 401:
            raise AccessRefused(
                f"Intercom refused the token (401 on {call.method} {call.path}): "
                f"{error_messages(reply) or 'unauthorized'}"
            )
        return reply

    def _connection_failed(self, message: str) -> None:
        with self._lock:
            self._streak += 1
            streak = self._streak
        if streak >= self.max_connection_failures:
            raise Unreachable(f"{streak} connections in a row failed ({message})")

    def _retry_not_found(self, call: Call, reply: Reply, tries: Tries) -> bool:
        """Wait and try again when an event's user is not found yet, a few times."""
        if not is_user_not_found(call, reply):
            return False
        return self.wait_for_user(tries)

    def wait_for_user(self, tries: Tries) -> bool:
        """True after a wait when the user may yet be found; False once it is not worth it."""
        with self._lock:
            known_missing = tries.user in self.missing_users
            last = tries.not_found + 1 >= self.policy.not_found_attempts
            if last and tries.user is not None:
                # Not found after the waits: this user's next events are not waited for.
                self.missing_users.add(tries.user)
        if known_missing or last:
            return False
        tries.not_found += 1
        self.tally.retry("user_not_found")
        self._sleep(self.policy.not_found_wait(tries.not_found))
        return True

    def found(self, user: str | None) -> None:
        if user is not None:
            with self._lock:
                self.missing_users.discard(user)

    def _failed(
        self, call: Call, tries: Tries, cause: str, reply: Reply | None, problem: str
    ) -> None:
        """A failed try: give up past the bound (``Unreachable`` if no try got an answer),
        else count a retry and back off."""
        tries.failures += 1
        if tries.failures >= self.policy.max_attempts:
            if tries.connection_failures == tries.failures:
                raise Unreachable(f"{call.method} {call.path}: {problem}")
            raise GaveUp(call, tries.failures + tries.rate_limited, reply, problem)
        self.tally.retry(cause)
        delay = self.policy.backoff(tries.failures, self._rng)
        log.info("%s %s: %s; retrying in %.2f s", call.method, call.path, problem, delay)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Stopped()
