"""Drive one event's plan against Intercom: each call made through ``Exchange`` (rate gate and
retries), the plan handed only the reply each call settles on (``translator.core.calls``).

``Sender.deliver(event, received_at, user)`` returns a ``Result``: ``delivered``, ``skipped``
(the translator had nothing to send, with its reason) or ``dead`` (refused for good, with a
reason code from ``translator.delivery.reasons`` or the translator's own). On the way:

- custom attributes the write needs are made to exist first (``AttributeBook``);
- what the run already knows is answered without a call (``Memory``: the user's contact id, a
  body identical to one already written); a 404 on a remembered contact id forgets it and the
  event's plan starts over, searching;
- a group whose user matched no contact (the contact is not searchable yet, or was never made)
  is tried again after the brief waits of a user not found, then dead-lettered
  (``contact_not_found``): never counted delivered with nobody attached.
"""

from __future__ import annotations

import json
from typing import Any

from translator.core.calls import Call, Reply
from translator.core.events import parse_event
from translator.core.plan import plan_event
from translator.core.session import attached_nobody, through_memory, uses_attribute_book
from translator.core.settings import Settings
from translator.delivery.attributes import AttributeBook
from translator.delivery.exchange import AccessRefused, Exchange, GaveUp, Tries, Unreachable
from translator.delivery.lines import MAX_DEPTH
from translator.delivery.memory import Memory, contact_in_path
from translator.delivery.results import (
    DEAD,
    DELIVERED,
    Result,
    gave_up_result,
    result_of,
    translator_dead,
)

__all__ = ["DEAD", "DELIVERED", "AccessRefused", "Result", "Sender", "Unreachable"]


class _StaleContact(Exception):
    """A remembered contact id answered 404."""

    def __init__(self, contact_id: str) -> None:
        super().__init__(contact_id)
        self.contact_id = contact_id


class Sender:
    """Delivers one event per call of ``deliver``; one Sender serves all workers."""

    def __init__(
        self, exchange: Exchange, settings: Settings, memory: Memory, book: AttributeBook
    ) -> None:
        self.exchange, self.settings, self.memory, self.book = exchange, settings, memory, book
        self.uses_book = uses_attribute_book(settings)

    def deliver(self, event: Any, received_at: int, user: str | None = None) -> Result:
        """Plan ``event`` (a parsed ``Event``, a JSON value or a JSON line); make its calls."""
        if isinstance(event, str):
            try:
                event = parse_event(json.loads(event))
            except RecursionError:
                return translator_dead("nested_too_deep", f"nested more than {MAX_DEPTH} deep")
            except ValueError as error:
                return translator_dead("invalid_json", f"not JSON: {error}")
        tries, stale = Tries(user=user), 0
        while True:
            try:
                result = self._run(event, received_at, user)
            except _StaleContact as gone:
                self.memory.forget(user, gone.contact_id)
                stale += 1
                if stale > 1:
                    return translator_dead("contact_gone", f"contact {gone.contact_id} is gone")
                continue
            if not (result.status == DELIVERED and attached_nobody(event, result.outcome)):
                break
            if not self.exchange.wait_for_user(tries):
                return _no_contact(result)
        if result.status == DELIVERED:
            self.exchange.found(user)
        return result

    def _run(self, event: Any, received_at: int, user: str | None) -> Result:
        plan = plan_event(event, self.settings, received_at)
        notes: list[dict[str, Any]] = []
        last: tuple[Call, Reply, int] | None = None
        try:
            call = next(plan)
            while True:
                call, reply, attempts = self._call(call, user, notes)
                last = (call, reply, attempts)
                call = plan.send(reply)
        except StopIteration as finished:
            return result_of(finished.value, last, notes)
        except GaveUp as gave_up:
            return gave_up_result(gave_up, notes)
        except RecursionError:
            return translator_dead("nested_too_deep", f"nested more than {MAX_DEPTH} deep")
        finally:
            plan.close()

    def _call(
        self, call: Call, user: str | None, notes: list[dict[str, Any]]
    ) -> tuple[Call, Reply, int]:
        """The reply ``call`` gets: from memory, or from Intercom after the retries it needs."""

        def send(call: Call) -> tuple[Reply, int]:
            reply, attempts = self.exchange.send(call, user)
            contact_id = contact_in_path(call.path)
            # A write to the remembered contact answered 404: it is gone (a detach's 404 only
            # says the company was not attached, which the plan handles).
            gone = reply.status == 404 and call.method in ("PUT", "POST")
            if gone and contact_id and contact_id == self.memory.contact_of(user):
                raise _StaleContact(contact_id)
            return reply, attempts

        call, reply, attempts, created = through_memory(
            call, user, self.memory, self.book if self.uses_book else None, send, self._plain
        )
        notes.extend(created)
        return call, reply, attempts

    def _plain(self, call: Call) -> Reply:
        return self.exchange.send(call)[0]


def _no_contact(result: Result) -> Result:
    return Result(
        DEAD,
        "contact_not_found",
        "no contact matched the group's user, still after the waits: nobody was attached "
        "(send the user's identify first)",
        stage="intercom",
        outcome=result.outcome,
        details=result.details,
    )
