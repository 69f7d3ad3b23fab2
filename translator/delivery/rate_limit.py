"""One rate gate shared by every worker: pace before Intercom's limit is hit, pause on a 429.

Intercom counts requests in 10-second windows and reports the app's window on every response:
``X-RateLimit-Remaining`` (requests left) and ``X-RateLimit-Reset`` (Unix time the window ends)
[facts 3]. The gate keeps its own estimate of what is left: the lowest figure reported for the
current window, less the other requests still in flight when it was reported (the server may not
have counted them yet) and every request sent since. When the estimate reaches zero, every worker
waits until the reset. Each ``acquire`` is paired with a ``release`` that hands in the reply's
headers (or None when no reply came).

A 429 that says the window is spent (``Remaining: 0``) closes the gate until the reset too; a 429
that leaves quota (Intercom: "or the server is overloaded") is backed off by the worker that got
it, as a 5xx is.

``waited`` is the wall-clock time the gate was closed (overlapping waits of several workers count
once).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

# Intercom's windows are 10 s long [facts 3]; a reset further away than this is a clock skew,
# never a reason to stall longer.
LONGEST_WAIT = 11.0
# Reset times are whole seconds and the server's clock is not ours: wait a little past them.
RESET_MARGIN = 0.25
# The longest Retry-After honoured (Intercom does not document the header: facts 14.4).
LONGEST_RETRY_AFTER = 60.0


class Stopped(Exception):
    """The run is stopping: the wait was cut short and the call not made."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the letter case of its name."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = header(headers, name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RateGate:
    """Thread-safe pacing for all workers of one target."""

    def __init__(
        self,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._condition = threading.Condition()
        self._stop = stop or threading.Event()
        self._clock = clock
        self._remaining: float | None = None
        self._reset: float | None = None
        self._closed_until = 0.0
        self._in_flight = 0
        self.waited = 0.0
        self.pauses = 0

    def acquire(self) -> None:
        """Wait until a request may go, then count it against the window."""
        with self._condition:
            while True:
                if self._stop.is_set():
                    raise Stopped()
                now = self._clock()
                if now < self._closed_until:
                    self._condition.wait(min(self._closed_until - now, 0.5))
                    continue
                if self._remaining is not None and self._reset is not None:
                    if now >= self._reset:
                        self._remaining = None  # a new window: unknown until a reply says
                    elif self._remaining <= 0:
                        self._close_until(self._reset + RESET_MARGIN, now)
                        continue
                    else:
                        self._remaining -= 1
                self._in_flight += 1
                return

    def release(self, headers: Mapping[str, str] | None) -> None:
        """A request acquired before has ended; take in its reply's rate-limit headers."""
        with self._condition:
            self._in_flight = max(self._in_flight - 1, 0)
            if headers is None:
                return
            remaining = _number(headers, "X-RateLimit-Remaining")
            reset = _number(headers, "X-RateLimit-Reset")
            if remaining is None or reset is None:
                return
            estimate = remaining - self._in_flight
            if self._reset is None or reset > self._reset:
                self._reset, self._remaining = reset, estimate
            elif reset == self._reset:
                current = self._remaining
                self._remaining = estimate if current is None else min(current, estimate)

    def pause_for_429(self, headers: Mapping[str, str]) -> bool:
        """Close the gate as a 429 asks; False when it asks nothing (back off instead)."""
        now = self._clock()
        retry_after = _number(headers, "Retry-After")
        remaining = _number(headers, "X-RateLimit-Remaining")
        reset = _number(headers, "X-RateLimit-Reset")
        with self._condition:
            if retry_after is not None and retry_after > 0:
                self._close_until(now + min(retry_after, LONGEST_RETRY_AFTER), now)
                return True
            if remaining is not None and remaining <= 0 and reset is not None and reset > now:
                self._close_until(reset + RESET_MARGIN, now)
                return True
        return False

    def _close_until(self, moment: float, now: float) -> None:
        """Close the gate until ``moment`` (at most LONGEST_WAIT away); call with the lock."""
        moment = min(moment, now + LONGEST_WAIT)
        if moment > self._closed_until:
            self.waited += moment - max(now, self._closed_until)
            self.pauses += 1
            self._closed_until = moment
        self._condition.notify_all()

    def wake(self) -> None:
        """Let waiting workers see that the run is stopping."""
        with self._condition:
            self._condition.notify_all()
