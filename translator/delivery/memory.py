"""The run's memory (``translator.core.memory.RunMemory``) shared by the workers of a delivery:
behind a lock, and its contact ids kept in the state file so that a resumed run remembers them.
"""

from __future__ import annotations

import threading

from translator.core.calls import Call, Reply
from translator.core.memory import RunMemory, contact_in_path
from translator.delivery.state import StateStore

__all__ = ["Memory", "contact_in_path"]


class Memory(RunMemory):
    """Contact ids per user key and the last body written per object; safe across workers."""

    def __init__(self, state: StateStore, remember: bool = True) -> None:
        super().__init__(state.contacts() if remember else {}, remember)
        self.state = state
        self._lock = threading.RLock()

    def contact_of(self, user: str | None) -> str | None:
        with self._lock:
            return super().contact_of(user)

    def answer(self, call: Call, user: str | None) -> Reply | None:
        with self._lock:
            return super().answer(call, user)

    def learn(self, call: Call, reply: Reply, user: str | None) -> None:
        with self._lock:
            super().learn(call, reply, user)

    def forget(self, user: str | None, contact_id: str) -> None:
        with self._lock:
            super().forget(user, contact_id)
        if user:
            self.state.remember_contact(user, None)

    def _keep_contact(self, user: str, contact_id: str) -> bool:
        news = super()._keep_contact(user, contact_id)
        if news:
            self.state.remember_contact(user, contact_id)
        return news
