"""Drive one event's plan against Intercom: each call through the rate gate, retried as the
policy says, and the plan handed only the reply each call settles on (``translator.core.calls``).

``Sender.deliver(text, received_at)`` returns a ``Result``: ``delivered``, ``skipped`` (the
translator had nothing to send, with its reason) or ``dead`` (refused for good, with a reason code
from ``translator.delivery.reasons`` or the translator's own). A 401 raises ``AccessRefused``:
no event can get through with that token, so the run stops instead of dead-lettering them all.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from translator.core.calls import FAILED, PLANNED, SKIPPED, Call, Outcome, Reply
from translator.core.plan import plan_event
from translator.core.settings import Settings
from translator.delivery.rate_limit import RateGate, Stopped
from translator.delivery.reasons import error_text, refusal_reason
from translator.delivery.report import Tally
from translator.delivery.retry import FINAL, RATE_LIMITED, RetryPolicy, is_user_not_found, verdict
from translator.delivery.transport import Transport, TransportError

log = logging.getLogger("translator.delivery")

DELIVERED = "delivered"
DEAD = "dead"

Observer = Callable[[Call, Reply], None]


@dataclass(frozen=True)
class Result:
    """How one event ended, and for a dead letter the call, status and body that decided it."""

    status: str
    reason: str | None = None
    message: str = ""
    stage: str = "intercom"
    outcome: Outcome | None = None
    call: Call | None = None
    reply_status: int | None = None
    error: Any = None
    attempts: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class AccessRefused(Exception):
    """Intercom answered 401: the token is wrong, revoked or not allowed."""


# A 429 that names its reset costs no backoff; it may come this many times the tries of a 5xx.
RATE_LIMITED_TRIES_FACTOR = 4


@dataclass
class _Tries:
    user: str | None = None
    failures: int = 0
    rate_limited: int = 0
    not_found: int = 0

    @property
    def total(self) -> int:
        return self.failures + self.rate_limited + self.not_found


class _GaveUp(Exception):
    """A call failed on every try the policy allows."""

    def __init__(self, call: Call, attempts: int, reply: Reply | None, problem: str) -> None:
        super().__init__(problem)
        self.call = call
        self.attempts = attempts
        self.reply = reply
        self.problem = problem


class Sender:
    """Delivers one event per call of ``deliver``; one Sender serves all workers (what it keeps,
    the users found missing and the jitter's generator, is safe to share)."""

    def __init__(
        self,
        transport: Transport,
        settings: Settings,
        gate: RateGate,
        policy: RetryPolicy,
        tally: Tally,
        stop: threading.Event,
        observer: Observer | None = None,
        seed: int | None = None,
    ) -> None:
        self.transport = transport
        self.settings = settings
        self.gate = gate
        self.policy = policy
        self.tally = tally
        self.stop = stop
        self.observer = observer
        # Users an event found missing after the brief waits (their identify was refused, say).
        self._missing_users: set[str] = set()
        self._missing_lock = threading.Lock()
        # random.Random's draws are atomic under the GIL: one generator serves every worker.
        self._rng = random.Random(seed)

    def deliver(self, text: str, received_at: int, user: str | None = None) -> Result:
        """Plan the event in ``text`` (one JSON line) about ``user`` and make its calls."""
        try:
            raw = json.loads(text)
        except ValueError as error:
            return Result(DEAD, "invalid_json", f"not JSON: {error}", stage="translator")
        plan = plan_event(raw, self.settings, received_at)
        last: tuple[Call, Reply] | None = None
        try:
            call = next(plan)
            while True:
                reply = self._exchange(call, user)
                last = (call, reply)
                call = plan.send(reply)
        except StopIteration as finished:
            result = _result(finished.value, last)
        except _GaveUp as gave_up:
            result = _gave_up_result(gave_up)
        finally:
            plan.close()
        if result.status == DELIVERED and user is not None:
            with self._missing_lock:
                self._missing_users.discard(user)
        return result

    def _exchange(self, call: Call, user: str | None) -> Reply:
        """The reply ``call`` settles on, after the retries the policy allows."""
        tries = _Tries(user=user)
        while True:
            self.gate.acquire()
            try:
                reply = self.transport.send(call)
            except TransportError as error:
                self.gate.release(None)
                self._failed(call, tries, error.kind, None, error.message)
                continue
            self.gate.release(reply.headers)
            self._take_in(call, reply)
            kind = verdict(call, reply)
            if kind == FINAL:
                if not self._retry_not_found(call, reply, tries):
                    return reply
            elif kind == RATE_LIMITED and self.gate.pause_for_429(reply.headers):
                tries.rate_limited += 1
                self.tally.retry("429")
                log.info("%s %s: 429, waiting for the rate-limit reset", call.method, call.path)
                if tries.rate_limited >= self.policy.max_attempts * RATE_LIMITED_TRIES_FACTOR:
                    raise _GaveUp(call, tries.total, reply, "rate limited on every try")
            else:
                cause = str(reply.status) if reply.status in (408, 429) else "5xx"
                self._failed(call, tries, cause, reply, f"answered {reply.status}")

    def _take_in(self, call: Call, reply: Reply) -> None:
        """Every reply: the observer told, a 401 stops all."""
        if self.observer is not None:
            self.observer(call, reply)
        if reply.status == 401:
            raise AccessRefused(
                f"Intercom refused the token (401 on {call.method} {call.path}): "
                f"{error_text(reply.body) or 'unauthorized'}"
            )

    def _retry_not_found(self, call: Call, reply: Reply, tries: _Tries) -> bool:
        """Wait and try again when an event's user is not found yet, a few times."""
        if not is_user_not_found(call, reply):
            return False
        with self._missing_lock:
            known_missing = tries.user in self._missing_users
            if tries.not_found + 1 >= self.policy.not_found_attempts and tries.user is not None:
                # Not found after the waits: this user's next events are not waited for.
                self._missing_users.add(tries.user)
        if known_missing or tries.not_found + 1 >= self.policy.not_found_attempts:
            return False
        tries.not_found += 1
        self.tally.retry("user_not_found")
        self._sleep(self.policy.not_found_wait(tries.not_found))
        return True

    def _failed(
        self, call: Call, tries: _Tries, cause: str, reply: Reply | None, problem: str
    ) -> None:
        """Count a failed try, give up past the bound, else back off."""
        tries.failures += 1
        self.tally.retry(cause)
        if tries.failures >= self.policy.max_attempts:
            raise _GaveUp(call, tries.total, reply, problem)
        delay = self.policy.backoff(tries.failures, self._rng)
        log.info("%s %s: %s; retrying in %.2f s", call.method, call.path, problem, delay)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Stopped()


def _result(outcome: Outcome, last: tuple[Call, Reply] | None) -> Result:
    notes = tuple(note.code for note in outcome.notes)
    if outcome.status == PLANNED:
        return Result(DELIVERED, outcome=outcome, notes=notes)
    reason = outcome.reason
    code = reason.code if reason else outcome.status
    message = reason.message if reason else ""
    if outcome.status == SKIPPED:
        return Result(SKIPPED, code, message, stage="translator", outcome=outcome)
    if outcome.status == FAILED and last is not None:
        call, reply = last
        return Result(
            DEAD,
            refusal_reason(call, reply),
            message,
            outcome=outcome,
            call=call,
            reply_status=reply.status,
            error=reply.body,
            attempts=1,
            notes=notes,
        )
    return Result(DEAD, code, message, stage="translator", outcome=outcome)


def _gave_up_result(gave_up: _GaveUp) -> Result:
    call, reply = gave_up.call, gave_up.reply
    return Result(
        DEAD,
        "retries_exhausted",
        f"{call.method} {call.path}: {gave_up.problem} after {gave_up.attempts} tries",
        call=call,
        reply_status=reply.status if reply else None,
        error=reply.body if reply else gave_up.problem,
        attempts=gave_up.attempts,
    )
