"""Reading an input of JSON lines into the state file, so that a run can resume where it stopped.

The state file remembers how many lines it has taken in and the SHA-256 of those lines. Run
again on the same input, the first lines are read and checked against that digest (another input
is refused: ``StateMismatch``), and only the lines after them are queued. The input may have
grown since: new lines are simply queued after the old ones.

Lines are queued in batches of up to ``BATCH`` lines, or whatever arrived within ``LINGER``
seconds when the input is a slow stream (stdin fed by another program). The input is read as
bytes: a line that is not UTF-8 (or not JSON, or nested too deep) is dead-lettered with its line
number and the run goes on (``translator.delivery.lines``). A failure to read the input itself
stops the run with that error; it never passes for the end of the input.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

from translator.delivery.lines import Line, read_line
from translator.delivery.pipeline import Delivery
from translator.delivery.state import StateMismatch

BATCH = 500
LINGER = 0.2
_END = object()


class Ingestor:
    """Checks the part of ``source`` already taken in, then queues the rest into ``delivery``."""

    def __init__(
        self,
        source: IO[bytes] | IO[str],
        delivery: Delivery,
        clock: Callable[[], float] = time.time,
        received_at: int | None = None,
    ) -> None:
        self.source = source
        self.delivery = delivery
        self.clock = clock
        self.received_at = received_at
        self.lines_read = 0
        self.queued = 0
        self.error: BaseException | None = None
        self._hash = hashlib.sha256()
        self._lines: Iterator[bytes | str] = iter(source)

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

    def _take(self, line: bytes | str) -> None:
        self.lines_read += 1
        data = line if isinstance(line, bytes) else line.encode("utf-8", "surrogateescape")
        self._hash.update(data)

    def _queue_rest(self) -> None:
        lines: queue.Queue[object] = queue.Queue(maxsize=BATCH * 4)
        reader = threading.Thread(target=self._read, args=(lines,), daemon=True)
        reader.start()
        batch: list[Line] = []
        first_at = 0.0
        while not self.delivery.stop_event.is_set():
            try:
                line = lines.get(timeout=LINGER)
            except queue.Empty:
                self._flush(batch)
                continue
            if line is _END:
                break
            if isinstance(line, BaseException):
                raise line
            assert isinstance(line, bytes | str)
            self._take(line)
            if line.strip():
                if not batch:
                    first_at = self.clock()
                batch.append(read_line(line, self.delivery.settings, self.lines_read))
            if len(batch) >= BATCH or (batch and self.clock() - first_at >= LINGER):
                self._flush(batch)
        else:
            return
        self._flush(batch, force=True)

    def _read(self, lines: queue.Queue[object]) -> None:
        try:
            for line in self._lines:
                lines.put(line)
        except BaseException as error:  # handed to the queueing loop, which stops the run
            lines.put(error)
            return
        lines.put(_END)

    def _flush(self, batch: list[Line], force: bool = False) -> None:
        """Queue the batch and record how far the input is read (blank lines count too)."""
        if not batch and not force:
            return
        source = (self.lines_read, self._hash.hexdigest())
        received = self.received_at if self.received_at is not None else int(self.clock())
        self.delivery.enqueue_lines(list(batch), received, source)
        self.queued += len(batch)
        batch.clear()
