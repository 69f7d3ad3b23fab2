"""What the worker processes share outside SQLite: rate-limit counters and journal entries on
their way to the database.

Both live in a file beside the database (`<db>-shared`), mapped into every process that serves
it, so a read can be counted and journaled without a write transaction of its own:

- Counters: one slot per token (the app's window) and per workspace, at the row's `rowid` modulo
  `SLOTS`, holding the row's id, the window's start and its count. Counting both windows is one
  short critical section, so exactly the limit is admitted per window across processes. A slot
  still counting another row's live window (rowids `SLOTS` apart, both used within ten seconds)
  is a collision: the caller counts in SQLite instead (emulator.store.ratelimit).
- Pending journal entries: an append-only log of marshalled rows. Whoever writes the journal
  table (a writing request, a reader of the journal, a full log) first moves the log's entries
  into it, holding the database's write lock, so the table keeps the order requests finished in
  and a reader of the journal sees every request answered before it asked. Entries leave the log
  only once the transaction that stored them has committed (`pending`, then `drop`).

The app holds this process's map (emulator.db.Storage) and hands it to whoever needs it.
The file survives a crashed process as the database does (the kernel keeps its pages); a new
server moves what it finds pending into the journal table. A lock on the file (`flock`, one open
file per process, a thread lock within it) guards both regions; it is held for copies only,
never across SQL.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import mmap
import os
import struct
import threading
import weakref
from collections.abc import Iterator
from typing import Any

SUFFIX = "-shared"
MAGIC = b"IEMSHR01"  # the layout's version: change it with SLOTS, LOG_BYTES or the structs
SLOTS = 1 << 16
# Small enough that moving a full log into the table is a short transaction (a few hundred
# entries), large enough that most reads never pay for one.
LOG_BYTES = 1 << 20
_HEADER = struct.Struct("<8sQ")  # magic, bytes used in the log
_SLOT = struct.Struct("<qqq")  # row id, window start, count
_LENGTH = struct.Struct("<I")
_APPS, _WORKSPACES = 0, 1
_COUNTERS_AT = 64
_LOG_AT = _COUNTERS_AT + 2 * SLOTS * _SLOT.size
_SIZE = _LOG_AT + LOG_BYTES


class Shared:
    """The shared regions of one database, as this process maps them."""

    def __init__(self, path: str | None) -> None:
        self.pid = os.getpid()
        self._thread_lock = threading.Lock()
        self._fd = -1
        if path is None:  # an in-memory database lives in one process: private memory will do
            self._map = mmap.mmap(-1, _SIZE)
        else:
            self._fd = os.open(path + SUFFIX, os.O_RDWR | os.O_CREAT, 0o644)
            # An app dropped without close() (many in a test run) must not keep its file open.
            self._closer = weakref.finalize(self, os.close, self._fd)
            os.ftruncate(self._fd, max(os.fstat(self._fd).st_size, _SIZE))
            self._map = mmap.mmap(self._fd, _SIZE)
        with self.locked():
            magic, _ = _HEADER.unpack_from(self._map, 0)
            if magic != MAGIC:  # a new file, or one another version wrote: start clean
                self._map[:_LOG_AT] = bytes(_LOG_AT)
                _HEADER.pack_into(self._map, 0, MAGIC, 0)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if self._fd >= 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    # --- counters ------------------------------------------------------------------------------

    def _read(self, kind: int, row: int, window: int) -> tuple[int, int] | None:
        """(slot offset, count in `window`) of `row`, or None when another row's live window
        holds the slot."""
        offset = _COUNTERS_AT + (kind * SLOTS + row % SLOTS) * _SLOT.size
        owner, start, count = _SLOT.unpack_from(self._map, offset)
        if owner == row:
            return offset, count if start == window else 0
        if count and start >= window:
            return None
        return offset, 0

    def admit(
        self, token_row: int, workspace_row: int, window: int, app_limit: int, workspace_limit: int
    ) -> tuple[int, int, bool] | None:
        """Count one request in both windows unless either is full: (app count, workspace count,
        admitted), the counts after it; None on a collision (count it elsewhere)."""
        with self.locked():
            app = self._read(_APPS, token_row, window)
            workspace = self._read(_WORKSPACES, workspace_row, window)
            if app is None or workspace is None:
                return None
            (app_at, app_used), (workspace_at, workspace_used) = app, workspace
            if app_used >= app_limit or workspace_used >= workspace_limit:
                return app_used, workspace_used, False
            _SLOT.pack_into(self._map, app_at, token_row, window, app_used + 1)
            _SLOT.pack_into(self._map, workspace_at, workspace_row, window, workspace_used + 1)
            return app_used + 1, workspace_used + 1, True

    def forget(self, token_rows: list[int], workspace_rows: list[int]) -> None:
        """Empty these rows' windows (a reset of their workspace)."""
        with self.locked():
            for kind, rows in ((_APPS, token_rows), (_WORKSPACES, workspace_rows)):
                for row in rows:
                    offset = _COUNTERS_AT + (kind * SLOTS + row % SLOTS) * _SLOT.size
                    if _SLOT.unpack_from(self._map, offset)[0] == row:
                        _SLOT.pack_into(self._map, offset, 0, 0, 0)

    def forget_all(self) -> None:
        with self.locked():
            self._map[_COUNTERS_AT:_LOG_AT] = bytes(_LOG_AT - _COUNTERS_AT)

    # --- pending journal entries --------------------------------------------------------------

    def append(self, entry: tuple[Any, ...]) -> bool:
        """Add an entry to the log; False when it has no room for it (then write it to the table
        yourself, with the log's entries before it)."""
        data = marshal.dumps(entry)
        record = _LENGTH.pack(len(data)) + data
        if len(record) > LOG_BYTES:
            return False
        with self.locked():
            _, used = _HEADER.unpack_from(self._map, 0)
            if used + len(record) > LOG_BYTES:
                return False
            start = _LOG_AT + used
            self._map[start : start + len(record)] = record
            _HEADER.pack_into(self._map, 0, MAGIC, used + len(record))
            return True

    def pending(self, start: int = 0) -> tuple[list[tuple[Any, ...]], int]:
        """The pending entries from byte `start` on (0: all), oldest first, and where they end
        in the log. They stay
        in the log until `drop(those bytes)`: call it once the transaction that stored them has
        committed, so an entry leaves the log only when it is in the table. Call both holding
        the database's write lock (one mover at a time; requests may append meanwhile)."""
        with self.locked():
            _, used = _HEADER.unpack_from(self._map, 0)
            data = self._map[_LOG_AT : _LOG_AT + used] if used > start else b""
        entries, at = [], start
        while at < len(data):
            (length,) = _LENGTH.unpack_from(data, at)
            with contextlib.suppress(ValueError, EOFError, TypeError):  # another version's
                entries.append(marshal.loads(data[at + 4 : at + 4 + length]))
            at += 4 + length
        return entries, max(used, start)

    def drop(self, moved: int) -> None:
        """Remove the first `moved` bytes of the log (entries now in the table); what was
        appended after them moves to the front."""
        if not moved:
            return
        with self.locked():
            _, used = _HEADER.unpack_from(self._map, 0)
            moved = min(moved, used)
            rest = self._map[_LOG_AT + moved : _LOG_AT + used]
            self._map[_LOG_AT : _LOG_AT + len(rest)] = rest
            _HEADER.pack_into(self._map, 0, MAGIC, len(rest))

    def close(self) -> None:
        self._map.close()
        if self._fd >= 0:
            self._closer()  # closes the file, once
            self._fd = -1
