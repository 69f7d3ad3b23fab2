"""A delivery run: worker threads taking the state file's pending events, in order per user,
through the sender, recording each outcome (and dead letter) as it ends.

``Delivery.enqueue`` queues events durably (``send`` from a file, ``serve`` from HTTP);
``start`` starts the loader and the workers; ``wait`` says whether all is done (after
``input_finished``); ``stop`` ends the run cleanly: no new event starts, one waiting to retry is
left pending for the next run, and the threads are joined.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

from translator.core.settings import Settings
from translator.delivery.dead_letters import DeadLetterFile, dead_letter_record
from translator.delivery.ordering import KeyedQueue, ordering_key
from translator.delivery.rate_limit import RateGate, Stopped
from translator.delivery.report import Summary, Tally
from translator.delivery.retry import RetryPolicy
from translator.delivery.sender import DEAD, AccessRefused, Observer, Sender
from translator.delivery.state import NewEvent, Pending, StateStore
from translator.delivery.target import Target
from translator.delivery.transport import Transport

log = logging.getLogger("translator.delivery")

# Events held in memory ahead of the workers; the rest wait in the state file.
BUFFER = 2000


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
        self.sender = Sender(
            self.transport,
            settings,
            self.gate,
            policy or RetryPolicy(),
            self.tally,
            self.stop_event,
            observer,
            seed,
        )
        self.queue: KeyedQueue[Pending] = KeyedQueue()
        self.stopped: str | None = None
        self._new_events = threading.Event()
        self._input_done = threading.Event()
        self._finished = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_at = time.monotonic()
        self.dead_letters.sync(state.id, list(state.dead_letters()))

    # --- input ---------------------------------------------------------------------------------

    def enqueue(
        self,
        texts: list[str],
        received_at: int,
        lines: list[int] | None = None,
        source: tuple[int, str] | None = None,
    ) -> None:
        """Queue events (JSON texts) durably; they are delivered after every earlier one."""
        events = [
            NewEvent(
                ordering_key(text, self.settings) or f"event:{uuid.uuid4().hex}",
                text,
                received_at,
                lines[index] if lines else None,
            )
            for index, text in enumerate(texts)
        ]
        self.state.add(events, source)
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
            except Exception as error:  # a bug must stop the run, not vanish with a thread
                log.exception("delivering event %s failed", pending.seq)
                self._halt(self.target.redact(f"internal error: {error!r}"))
            finally:
                self.queue.done(key)
                self._new_events.set()

    def _deliver(self, pending: Pending) -> None:
        self.state.mark_started(pending.seq)
        result = self.sender.deliver(pending.body, pending.received_at, pending.user_key)
        record = None
        if result.status == DEAD:
            letter = dead_letter_record(self.state.id, pending, result)
            # ASCII only: no U+2028 or other line breaks inside a line, whatever reads it.
            record = json.dumps(letter, default=str)
        self.state.finish(pending.seq, result.status, result.reason, record)
        if record is not None:
            self.dead_letters.append(record)
            log.info("dead letter: event %s: %s: %s", pending.seq, result.reason, result.message)
        adjusted = bool(result.outcome and result.outcome.adjustments)
        self.tally.finish(result.status, result.reason, adjusted, resent=pending.attempts > 0)

    def _halt(self, why: str) -> None:
        if not self.stopped:
            self.stopped = why
        self.stop_event.set()
        self.queue.close()
        self.gate.wake()
        self._finished.set()
