"""One run's calls, event after event, through the run's memory: shared by ``translator send``
and ``translator plan`` so that the calls ``plan`` shows for a stream are the calls ``send`` makes.

``through_memory`` is the step each planned call takes: a ``POST /data_attributes`` of the
``create`` policy is answered from the ``AttributeBook`` when the attribute is known; a write's
missing custom attributes are made to exist first (the book's ``GET /data_attributes`` and
creations); a call whose answer the ``RunMemory`` knows (the user's contact id, a body already
written) is answered without a call; any other call is made with ``send`` and its reply learnt.

``PlanSession`` drives a stream's plans that way against dry-run answers that stay consistent
over the stream: a fresh workspace (no custom attributes but the settings' ``known_attributes``,
no contact or company), where searches find nothing (a contact created a moment ago is not
searchable yet, as on Intercom) but the run remembers the contacts it created, a company created
earlier in the stream is found, and each object's placeholder id names it
(``<contact_id:u1>``, ``<company_id:c1>``) so that a later event reusing it reads clearly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from translator.core.attribute_book import AttributeBook, Send
from translator.core.calls import FAILED, PLANNED, Call, Outcome, Reason, Reply
from translator.core.data_attributes import MODELS, known_names
from translator.core.events import Event, parse_event
from translator.core.memory import RunMemory
from translator.core.plan import plan_event
from translator.core.plan_runner import Run, dry_run_reply
from translator.core.settings import Settings
from translator.core.traits import identity, user_traits

SendCall = Callable[[Call], tuple[Reply, int]]

# How many times send runs the plan of an event whose user is not found yet (after brief waits).
NOT_FOUND_ATTEMPTS = 3


def attached_nobody(event: Event | Any, outcome: Outcome | None) -> bool:
    """A group whose plan ended without attaching anyone: its user matched no contact."""
    is_group = isinstance(event, Event) and event.type == "group"
    if isinstance(event, dict):
        is_group = event.get("type") == "group"
    return (
        is_group
        and outcome is not None
        and outcome.status == PLANNED
        and any(note.code == "contact_not_found" for note in outcome.notes)
    )


def no_contact(outcome: Outcome) -> Outcome:
    """The outcome send dead-letters a group with when its user stayed not found."""
    reason = Reason(
        "contact_not_found",
        "no contact matched the group's user, still after the waits: nobody was attached "
        "(send the user's identify first)",
    )
    return Outcome(FAILED, reason, outcome.adjustments, outcome.notes)


def through_memory(
    call: Call,
    user: str | None,
    memory: RunMemory,
    book: AttributeBook | None,
    send: SendCall,
    setup: Send,
) -> tuple[Call, Reply, int, list[dict[str, Any]]]:
    """The call as sent, its reply, the tries it took (0: answered from memory), the book's
    notes. ``book`` None: attributes are not checked (``uses_attribute_book``)."""
    notes: list[dict[str, Any]] = []
    if book is not None and call.method == "POST" and call.path == "/data_attributes":
        return call, book.answer_create(call, setup), 1, []
    if book is not None:
        call, notes = book.prepare(call, setup)
    known = memory.answer(call, user)
    if known is not None:
        return call, known, 0, notes
    reply, attempts = send(call)
    memory.learn(call, reply, user)
    return call, reply, attempts, notes


def uses_attribute_book(settings: Settings) -> bool:
    """Whether a run checks data attributes before writes: on 2.x's REST API only; 1.4 and the
    Messenger create custom attributes on the fly [facts 6, 9]."""
    return not settings.web_mode and not settings.is_legacy


def creates_attributes(settings: Settings, create_attributes: bool) -> bool:
    """Whether the run's book creates missing attributes: ``--create-attributes`` (the default),
    or the ``create`` policy (whose renamed attributes, after a name clash, need creating too)."""
    return create_attributes or settings.unknown_attribute_policy == "create"


def user_key(event: Event | Any, settings: Settings) -> str | None:
    """The user an event is about: ``user:<id>``, ``email:<lower-cased>``, ``anonymous:<id>``."""
    if not isinstance(event, Event):
        return None
    who = identity(event, user_traits(event, settings), settings)
    if who.user_id:
        return f"user:{who.user_id}"
    if who.lookup_email:
        return f"email:{who.lookup_email}"
    if event.anonymous_id:
        return f"anonymous:{event.anonymous_id}"
    return None


class PlanSession:
    """Plans a stream's events one after another, as one ``translator send`` run would send them."""

    def __init__(
        self,
        settings: Settings,
        received_at: int | None = None,
        create_attributes: bool = True,
        not_found_attempts: int = NOT_FOUND_ATTEMPTS,
    ) -> None:
        self.settings, self.received_at = settings, received_at
        self.memory = RunMemory()
        book = AttributeBook(create=creates_attributes(settings, create_attributes))
        self.book = book if uses_attribute_book(settings) else None
        self.companies: dict[str, str] = {}
        self.missing_users: set[str] = set()
        self.not_found_attempts = not_found_attempts
        self._calls: list[Call] = []

    def plan(self, raw: Any) -> tuple[Run, list[dict[str, Any]]]:
        """The calls ``raw`` makes after the events planned before it, and the book's notes.

        A group that attached nobody is planned again, as send tries it again after its waits
        (``NOT_FOUND_ATTEMPTS`` runs in all, one for a user already not found), then fails
        ``contact_not_found``: send dead-letters it.
        """
        event = parse_event(raw)
        user = user_key(event, self.settings)
        calls: list[Call] = []
        notes: list[dict[str, Any]] = []
        for attempt in range(1, self.not_found_attempts + 1):
            run, created = self._once(event, user)
            calls.extend(run.calls)
            notes.extend(created)
            if not attached_nobody(event, run.outcome):
                if run.outcome.status == PLANNED and user is not None:
                    self.missing_users.discard(user)
                return Run(tuple(calls), run.outcome), notes
            if user in self.missing_users or attempt == self.not_found_attempts:
                break
        if user is not None:
            self.missing_users.add(user)
        return Run(tuple(calls), no_contact(run.outcome)), notes

    def _once(self, event: Event | Any, user: str | None) -> tuple[Run, list[dict[str, Any]]]:
        plan = plan_event(event, self.settings, self.received_at)
        self._calls = []
        notes: list[dict[str, Any]] = []
        try:
            call = next(plan)
            while True:
                call, reply, _, created = self._step(call, user)
                notes.extend(created)
                call = plan.send(reply)
        except StopIteration as finished:
            return Run(tuple(self._calls), finished.value), notes

    def _step(self, call: Call, user: str | None) -> tuple[Call, Reply, int, list]:
        return through_memory(call, user, self.memory, self.book, self._send, self._setup)

    def _send(self, call: Call) -> tuple[Reply, int]:
        self._calls.append(call)
        return self.reply(call), 1

    def _setup(self, call: Call) -> Reply:
        return self._send(call)[0]

    def reply(self, call: Call) -> Reply:
        """The dry-run answer, consistent with what the stream created before."""
        body = call.body if isinstance(call.body, dict) else {}
        if call.method == "GET" and call.path == "/data_attributes":
            listed = [
                {"type": "data_attribute", "model": model, "name": name}
                for model in MODELS
                for name in sorted(known_names(self.settings, model))
            ]
            return Reply(200, {"type": "list", "data": listed})
        if call.method == "POST" and call.path == "/data_attributes":
            return self._new_attribute(body)
        if call.path == "/companies" and call.method in ("GET", "POST"):
            return self._company(call, body)
        answer = dry_run_reply(call)
        if call.method == "POST" and call.path in ("/contacts", "/users", "/tags"):
            kind = call.path.strip("/").rstrip("s")
            name = body.get("external_id") or body.get("user_id") or body.get("email")
            name = body.get("name") if kind == "tag" else name
            return Reply(answer.status, {**answer.body, "id": f"<{kind}_id:{name}>"})
        return answer

    def _new_attribute(self, body: dict[str, Any]) -> Reply:
        """Created, unless the other model has the name: Intercom refuses a company attribute
        named like a people attribute, and the reverse (emulated in emulator/store/
        data_attributes.py)."""
        name, model = str(body.get("name", "")), body.get("model")
        taken = [
            other
            for other in MODELS
            if other != model and self.book and name.lower() in self.book.known[other]
        ]
        if not taken:
            return Reply(200, {"type": "data_attribute", **body})
        nouns = {"contact": "people", "company": "company"}
        message = (
            f"You already have '{name}' in your {nouns[taken[0]]} data. To save this as new "
            f"{nouns.get(str(model), 'company')} data, use a different name."
        )
        error = {"code": "parameter_invalid", "message": message, "field": "name"}
        return Reply(400, {"type": "error.list", "errors": [error]})

    def _company(self, call: Call, body: dict[str, Any]) -> Reply:
        company_id = str((call.query or {}).get("company_id") or body.get("company_id") or "")
        if call.method == "POST":
            self.companies.setdefault(company_id, f"<company_id:{company_id}>")
        if company_id not in self.companies:
            return dry_run_reply(call)
        found = {"type": "company", "id": self.companies[company_id], "company_id": company_id}
        return Reply(200, found)
