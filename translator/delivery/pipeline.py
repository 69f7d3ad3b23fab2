"""A delivery run: worker threads taking the state file's pending events, in order per user,
through the sender, recording each outcome (and dead letter) as it ends.

``Delivery.enqueue`` queues events durably (``send`` from a file, ``serve`` from HTTP); a line
that is no event (not UTF-8, not JSON, nested too deep) is dead-lettered there and then, with its
line number, and the rest go on. Each line is parsed once: the parsed event waits in memory for
its worker (up to ``PARSED_KEPT`` of them; beyond, the worker reads it again from the state file).
``start`` starts the loader and the workers; ``wait`` says whether all is done (after
``input_finished``); ``stop`` ends the run cleanly: no new event starts, one waiting to retry is
left pending for the next run, and the threads are joined. A target that cannot be reached stops
the run the same way (``unreachable`` set), its events left pending.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

from translator.core.session import creates_attributes
from translator.core.settings import Settings
from translator.delivery.attributes import AttributeBook
from translator.delivery.dead_letters import DeadLetterFile, dead_letter_record
from translator.delivery.exchange import Exchange, Observer, Unreachable
from translator.delivery.lines import Line, read_line
from translator.delivery.memory import Memory
from translator.delivery.ordering import KeyedQueue
from translator.delivery.rate_limit import RateGate, Stopped
from translator.delivery.report import Summary, Tally
from translator.delivery.results import DEAD, Result, translator_dead
from translator.delivery.retry import RetryPolicy
from translator.delivery.sender import AccessRefused, Sender
from translator.delivery.state import NewEvent, Pending, StateStore
from translator.delivery.target import Target
from translator.delivery.transport import Transport

log = logging.getLogger("translator.delivery")

# Events held in memory ahead of the workers; the rest wait in the state file.
BUFFER = 2000
# Parsed events kept for their workers; past this, an event is parsed again when sent.
PARSED_KEPT = 50_000


class Delivery:
    """Delivers a state file's events to one target with ``workers`` threads."""

    def __init__(
        self,
        state: StateStore,
        target: Target,
        settings: Settings,
        dead_letters: DeadLetterFile,
        workers: int = 4,
        policy: RetryPolicy | None = None,
        observer: Observer | None = None,
        seed: int | None = None,
        remember: bool = True,
        create_attributes: bool = True,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        state.bind_target(target.base_url)
        self.state, self.target, self.settings = state, target, settings
        self.dead_letters = dead_letters
        self.workers = workers
        self.stop_event = threading.Event()
        self.gate = RateGate(self.stop_event)
        self.tally = Tally()
        self.transport = Transport(target, pool_size=workers)
        self.exchange = Exchange(
            self.transport,
            self.gate,
            policy or RetryPolicy(),
            self.tally,
            self.stop_event,
            observer,
            seed,
        )
        self.memory = Memory(state, remember)
        self.attributes = AttributeBook(state, creates_attributes(settings, create_attributes))
        self.sender = Sender(self.exchange, settings, self.memory, self.attributes)
        self.queue: KeyedQueue[Pending] = KeyedQueue()
        self.stopped: str | None = None
        self.unreachable = False
        self._parsed: dict[int, Any] = {}
        self._parsed_lock = threading.Lock()
        self._new_events = threading.Event()
        self._input_done = threading.Event()
        self._finished = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_at = time.monotonic()
        self.dead_letters.sync(state.id, list(state.dead_letters()))

    # --- input ---------------------------------------------------------------------------------

    def enqueue(
        self,
        texts: list[str] | list[bytes],
        received_at: int,
        lines: list[int] | None = None,
        source: tuple[int, str] | None = None,
    ) -> None:
        """Queue events (JSON lines, as text or bytes) durably; they are delivered after every
        earlier one. Lines that are no event are dead-lettered at once."""
        numbers = lines or [None] * len(texts)
        pairs = zip(texts, numbers, strict=True)
        read = [read_line(text, self.settings, number) for text, number in pairs]
        self.enqueue_lines(read, received_at, source)

    def enqueue_lines(
        self, lines: list[Line], received_at: int, source: tuple[int, str] | None = None
    ) -> None:
        """Queue lines already read (``translator.delivery.lines``)."""
        events = [
            NewEvent(
                line.user_key or f"event:{uuid.uuid4().hex}",
                line.text if line.problem is None else (line.raw or ""),
                received_at,
                line.number,
                line.problem.code if line.problem else None,
            )
            for line in lines
        ]
        seqs = self.state.add(events, source)
        with self._parsed_lock:
            room = PARSED_KEPT - len(self._parsed)
            for seq, line in zip(seqs, lines, strict=True):
                if line.problem is None and room > 0:
                    self._parsed[seq] = line.event
                    room -= 1
        for seq, line, event in zip(seqs, lines, events, strict=True):
            if line.problem is not None:
                pending = Pending(seq, event.user_key, event.body, received_at, line.number, 0)
                dead = translator_dead(line.problem.code, line.problem.message)
                self._record(pending, dead, raw=event.body)
        self._new_events.set()

    def input_finished(self) -> None:
        """No more events will come: the run ends once the queue is empty."""
        self._input_done.set()
        self._new_events.set()

    # --- running -------------------------------------------------------------------------------

    def start(self) -> Delivery:
        self._started_at = time.monotonic()
        self._threads = [threading.Thread(target=self._load, name="delivery-loader", daemon=True)]
        self._threads += [
            threading.Thread(target=self._work, name=f"delivery-worker-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """True once every event is finished (after ``input_finished``) or the run stopped."""
        self._finished.wait(timeout)
        return self._finished.is_set()

    def stop(self, why: str | None = None, timeout: float = 30.0) -> None:
        """Stop taking events, let calls in flight end, and join the threads."""
        if why and not self.stopped:
            self.stopped = why
        self.stop_event.set()
        self.queue.close()
        self.gate.wake()
        self._new_events.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.1))
        self._finished.set()
        self.transport.close()

    def summary(self) -> Summary:
        return Summary.build(
            self.tally,
            target=self.target.base_url,
            seconds=time.monotonic() - self._started_at,
            workers=self.workers,
            rate_limit_wait_seconds=self.gate.waited,
            rate_limit_pauses=self.gate.pauses,
            totals=self.state.counts(),
            dead_letter_path=str(self.dead_letters.path),
            state_path=self.state.path,
            stopped=self.stopped,
            unreachable=self.unreachable,
            answered_from_memory=self.memory.answered,
            created_attributes=list(self.attributes.created),
        )

    def _load(self) -> None:
        """Keep the queue topped up from the state file; finish when input and queue are done."""
        last_seq = 0
        while not self.stop_event.is_set():
            input_done = self._input_done.is_set()
            room = BUFFER - self.queue.outstanding
            rows = self.state.pending_after(last_seq, room) if room > 0 else []
            for row in rows:
                self.queue.put(row.user_key, row)
                last_seq = row.seq
            if rows:
                continue
            if input_done and self.queue.outstanding == 0:
                self._finished.set()
                self.queue.close()
                return
            self._new_events.wait(0.1)
            self._new_events.clear()

    def _work(self) -> None:
        while not self.stop_event.is_set():
            taken = self.queue.take()
            if taken is None:
                if self._finished.is_set():
                    return
                continue
            key, pending = taken
            try:
                self._deliver(pending)
            except Stopped:
                pass  # left pending: the next run sends it
            except AccessRefused as error:
                self._halt(str(error))
            except Unreachable as error:
                self.unreachable = True
                self._halt(self.target.redact(f"{self.target.base_url} is unreachable: {error}"))
            except Exception as error:  # a bug must stop the run, not vanish with a thread
                log.exception("delivering event %s failed", pending.seq)
                self._halt(self.target.redact(f"internal error: {error!r}"))
            finally:
                self.queue.done(key)
                self._new_events.set()

    def _deliver(self, pending: Pending) -> None:
        self.state.mark_started(pending.seq)
        with self._parsed_lock:
            event = self._parsed.pop(pending.seq, pending.body)
        result = self.sender.deliver(event, pending.received_at, pending.user_key)
        self._record(pending, result)

    def _record(self, pending: Pending, result: Result, raw: str | None = None) -> None:
        """Commit how an event ended, its details and dead letter; count it."""
        record = None
        if result.status == DEAD:
            letter = dead_letter_record(self.state.id, pending, result, raw)
            # ASCII only: no U+2028 or other line breaks inside a line, whatever reads it.
            record = json.dumps(letter, default=str)
        details = json.dumps(list(result.details), default=str) if result.details else None
        self.state.finish(pending.seq, result.status, result.reason, record, details)
        if record is not None:
            self.dead_letters.append(record)
            log.info("dead letter: event %s: %s: %s", pending.seq, result.reason, result.message)
        self.tally.finish(result, resent=pending.attempts > 0)

    def _halt(self, why: str) -> None:
        if not self.stopped:
            self.stopped = why
        self.stop_event.set()
        self.queue.close()
        self.gate.wake()
        self._finished.set()
