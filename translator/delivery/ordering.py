"""One user's events in the order given, different users in parallel.

``translator.delivery.lines.ordering_key`` names the user an event is about, as the translator
identifies it: the userId (or the profile's id traits), else the lower-cased email, else the
anonymousId. A group event belongs to its user. ``KeyedQueue`` hands each key to one worker at a
time: a worker takes the oldest event of a key nobody is working on, and the key's next event
becomes available only when that one is done, so an ``identify`` has landed before the same
user's ``track`` is sent.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class KeyedQueue(Generic[T]):
    """A queue of (key, item) that never gives out two items of one key at once."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: dict[str, deque[tuple[int, T]]] = {}
        # Keys free to go, by the put order of their oldest item.
        self._ready: list[tuple[int, str]] = []
        self._order = itertools.count()
        self._busy: set[str] = set()
        self._outstanding = 0
        self._closed = False

    def put(self, key: str, item: T) -> None:
        with self._condition:
            queue = self._waiting.setdefault(key, deque())
            queue.append((next(self._order), item))
            self._outstanding += 1
            if key not in self._busy and len(queue) == 1:
                heapq.heappush(self._ready, (queue[0][0], key))
                self._condition.notify()

    def take(self, timeout: float = 0.2) -> tuple[str, T] | None:
        """The next item free to go, or None when there is none within ``timeout``."""
        with self._condition:
            if not self._ready and not self._closed:
                self._condition.wait(timeout)
            if not self._ready:
                return None
            _, key = heapq.heappop(self._ready)
            self._busy.add(key)
            return key, self._waiting[key].popleft()[1]

    def done(self, key: str) -> None:
        """The item taken for ``key`` is finished: its next item may go."""
        with self._condition:
            self._busy.discard(key)
            self._outstanding -= 1
            if self._waiting.get(key):
                heapq.heappush(self._ready, (self._waiting[key][0][0], key))
                self._condition.notify()
            else:
                self._waiting.pop(key, None)
            self._condition.notify_all()

    def close(self) -> None:
        """Wake every worker waiting in ``take``."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    @property
    def outstanding(self) -> int:
        """Items put and not yet done (queued or being worked on)."""
        with self._condition:
            return self._outstanding
