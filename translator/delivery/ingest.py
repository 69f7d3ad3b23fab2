"""Reading an input of JSON lines into the state file, so that a run can resume where it stopped.

The state file remembers how many lines it has taken in and the SHA-256 of those lines. Run
again on the same input, the first lines are read and checked against that digest (another input
is refused: ``StateMismatch``), and only the lines after them are queued. The input may have
grown since: new lines are simply queued after the old ones.

Lines are queued in batches of up to ``BATCH`` lines, or whatever arrived within ``LINGER``
seconds when the input is a slow stream (stdin fed by another program).
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

from translator.delivery.pipeline import Delivery
from translator.delivery.state import StateMismatch

BATCH = 500
LINGER = 0.2
_END = object()


class Ingestor:
    """Checks the part of ``source`` already taken in, then queues the rest into ``delivery``."""

    def __init__(
        self, source: IO[str], delivery: Delivery, clock: Callable[[], float] = time.time
    ) -> None:
        self.source = source
        self.delivery = delivery
        self.clock = clock
        self.lines_read = 0
        self.queued = 0
        self.error: BaseException | None = None
        self._hash = hashlib.sha256()
        self._lines: Iterator[str] = iter(source)

    def verify_prefix(self) -> int:
        """Read and check the lines an earlier run took in; how many there were."""
        expected, digest = self.delivery.state.source_progress()
        for _ in range(expected):
            line = next(self._lines, None)
            if line is None:
                raise StateMismatch(
                    f"the input is shorter than the {expected} lines the state file "
                    f"{self.delivery.state.path} has taken in: not the same input"
                )
            self._take(line)
        if expected and self._hash.hexdigest() != digest:
            raise StateMismatch(
                f"the first {expected} lines differ from those the state file "
                f"{self.delivery.state.path} has taken in: not the same input "
                "(use another --state)"
            )
        return expected

    def run(self) -> None:
        """Queue every remaining line, then tell the delivery the input is finished."""
        try:
            self._queue_rest()
            self.delivery.input_finished()
        except BaseException as error:  # reported by the caller; the run stops
            self.error = error
            self.delivery.stop(f"reading the input failed: {error}")

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="delivery-input", daemon=True)
        thread.start()
        return thread

    def _take(self, line: str) -> None:
        self.lines_read += 1
        self._hash.update(line.encode("utf-8", "surrogateescape"))

    def _queue_rest(self) -> None:
        lines: queue.Queue[object] = queue.Queue(maxsize=BATCH * 4)
        reader = threading.Thread(target=self._read, args=(lines,), daemon=True)
        reader.start()
        texts: list[str] = []
        numbers: list[int] = []
        first_at = 0.0
        while not self.delivery.stop_event.is_set():
            try:
                line = lines.get(timeout=LINGER)
            except queue.Empty:
                self._flush(texts, numbers)
                continue
            if line is _END:
                break
            assert isinstance(line, str)
            self._take(line)
            if line.strip():
                if not texts:
                    first_at = self.clock()
                texts.append(line.strip())
                numbers.append(self.lines_read)
            if len(texts) >= BATCH or (texts and self.clock() - first_at >= LINGER):
                self._flush(texts, numbers)
        else:
            return
        self._flush(texts, numbers, force=True)

    def _read(self, lines: queue.Queue[object]) -> None:
        try:
            for line in self._lines:
                lines.put(line)
        finally:
            lines.put(_END)

    def _flush(self, texts: list[str], numbers: list[int], force: bool = False) -> None:
        """Queue the batch and record how far the input is read (blank lines count too)."""
        if not texts and not force:
            return
        source = (self.lines_read, self._hash.hexdigest())
        self.delivery.enqueue(list(texts), int(self.clock()), list(numbers), source)
        self.queued += len(texts)
        texts.clear()
        numbers.clear()
