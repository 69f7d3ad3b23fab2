"""The run's data attribute book (``translator.core.attribute_book.AttributeBook``) shared by the
workers of a delivery: behind a lock (one worker creates an attribute; the others then find it
known), what exists kept in the state file, each creation logged.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from translator.core.attribute_book import MODELS, Send
from translator.core.attribute_book import AttributeBook as RunAttributeBook
from translator.core.calls import Call, Reply
from translator.delivery.state import StateStore

__all__ = ["MODELS", "AttributeBook", "Send"]

log = logging.getLogger("translator.delivery")


class AttributeBook(RunAttributeBook):
    """Which custom attributes exist, per model; creates the missing ones when ``create``."""

    def __init__(self, state: StateStore, create: bool = True) -> None:
        super().__init__(state.attributes(), create)
        self.state = state
        self._lock = threading.RLock()

    def prepare(self, call: Call, send: Send) -> tuple[Call, list[dict[str, Any]]]:
        with self._lock:
            return super().prepare(call, send)

    def answer_create(self, call: Call, send: Send) -> Reply:
        with self._lock:
            return super().answer_create(call, send)

    def _remember(self, rows: list[tuple[str, str, Any]], created: bool = False) -> None:
        self.state.remember_attributes(rows)
        for model, name, data_type in rows if created else ():
            log.info("created %s attribute %r (%s)", model, name, data_type)

    def _unlisted(self, reply: Reply) -> None:
        log.info("GET /data_attributes answered %s: attributes are not checked", reply.status)
