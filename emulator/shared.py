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
  table (a writing request, a reader of the journal, the upkeep thread once the log passes
  `MOVE_AT`, a request that finds it full) first moves the log's entries into it, holding the
  database's write lock, so the table keeps the order requests finished in and a reader of the
  journal sees every request answered before it asked. Entries leave the log only once the
  transaction that stored them has committed (`pending`, then `drop`).

The app holds this process's map (emulator.db.Storage) and hands it to whoever needs it.
The file survives a crashed process as the database does (the kernel keeps its pages); a new
server moves what it finds pending into the journal table. A lock on the file (`flock`, one open
file per process, a thread lock within it) guards both regions; it is held for copies only,
never across SQL.

The file is read and written with `pread`/`pwrite`, never mapped: a file truncated under a
mapping kills the process that touches it (SIGBUS, which Python cannot catch), as does a full
disk under a mapping of a sparse file. Read so, a truncated file reads as zeros and a full disk
is an `OSError`, a 503 (emulator.errors.ServiceUnavailable). Its blocks are reserved when it is
created (`posix_fallocate`), a log header that makes no sense empties the log, and each request
(`replaced`) finds a truncated file (made whole again: counters and pending entries start over,
as the truncation erased them) or a file deleted or replaced at the path (left for the one now
there, pending entries moved over, so this server and any started later share one file again).
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

from emulator import errors

SUFFIX = "-shared"
MAGIC = b"IEMSHR01"  # the layout's version: change it with SLOTS, LOG_BYTES or the structs
SLOTS = 1 << 16
# Room enough that no request has to move the log itself while the upkeep thread
# (emulator.upkeep) moves it in small batches, each time it holds `LOG_BYTES // MOVE_FRACTION`.
LOG_BYTES = 1 << 20
MOVE_FRACTION = 32
_HEADER = struct.Struct("<8sQ")  # magic, bytes used in the log
_SLOT = struct.Struct("<qqq")  # row id, window start, count
_LENGTH = struct.Struct("<I")
_APPS, _WORKSPACES = 0, 1
_COUNTERS_AT = 64
_LOG_AT = _COUNTERS_AT + 2 * SLOTS * _SLOT.size
_SIZE = _LOG_AT + LOG_BYTES


class Shared:
    """The shared regions of one database, as this process reads and writes them."""

    def __init__(self, path: str | None) -> None:
        self.pid = os.getpid()
        self.path = None if path is None else path + SUFFIX
        self._thread_lock = threading.Lock()
        self._fd = -1
        self._carried: list[tuple[Any, ...]] = []  # salvaged entries the log had no room for
        if self.path is None:  # an in-memory database lives in one process: private memory will do
            self._map = mmap.mmap(-1, _SIZE)
        else:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            # An app dropped without close() (many in a test run) must not keep its file open.
            self._closer = weakref.finalize(self, os.close, self._fd)
            opened = os.fstat(self._fd)
            self._identity = (opened.st_dev, opened.st_ino)
        with self.locked():
            magic, _ = _HEADER.unpack(self._get(0, _HEADER.size))
            if magic != MAGIC or self._truncated():  # new, another version's, or truncated
                self._clear()

    def _truncated(self) -> bool:
        return self._fd >= 0 and os.fstat(self._fd).st_size < _SIZE

    def _get(self, offset: int, size: int) -> bytes:
        if self._fd < 0:
            return self._map[offset : offset + size]
        data = os.pread(self._fd, size, offset)
        return data.ljust(size, b"\0")  # truncated under us: the missing part reads as zeros

    def _put(self, offset: int, data: bytes) -> None:
        if self._fd < 0:
            self._map[offset : offset + len(data)] = data
            return
        try:
            os.pwrite(self._fd, data, offset)
        except OSError as exc:
            raise errors.ServiceUnavailable(f"Cannot write {self.path}: {exc.strerror}") from exc

    def _clear(self) -> None:
        """Start clean: counters and log empty (a new, foreign or truncated file). A file is
        emptied and grown back (sparse: nothing to write), its blocks then reserved so that a
        full disk cannot refuse a later write."""
        if self._fd < 0:
            self._map[:_LOG_AT] = bytes(_LOG_AT)
            return
        try:
            os.ftruncate(self._fd, 0)
            os.ftruncate(self._fd, _SIZE)
        except OSError as exc:
            raise errors.ServiceUnavailable(f"Cannot grow {self.path}: {exc.strerror}") from exc
        with contextlib.suppress(OSError):  # no room to reserve: a later write may say ENOSPC
            os.posix_fallocate(self._fd, 0, _SIZE)
        self._put(0, _HEADER.pack(MAGIC, 0))

    def replaced(self) -> Shared | None:
        """Once per request (one `stat`). When the file at the path is no longer this one
        (deleted, or another file put there): this process's view of the one there now (created
        if none), with the pending entries of this one moved into it. None while this one is
        still the file at the path (made whole again if someone truncated it)."""
        if self._fd < 0:
            return None
        try:
            there = os.stat(self.path)  # type: ignore[arg-type]
        except FileNotFoundError:
            there = None
        if there is not None and (there.st_dev, there.st_ino) == self._identity:
            if there.st_size < _SIZE:  # truncated by someone: what it held is gone
                with self.locked():
                    if self._truncated():
                        self._clear()
            return None
        fresh = Shared(self.path.removesuffix(SUFFIX))  # type: ignore[union-attr]
        salvaged = self.take()
        fresh._carried = [entry for entry in salvaged if not fresh.append(entry)]
        return fresh

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
        owner, start, count = _SLOT.unpack(self._get(offset, _SLOT.size))
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
            self._put(app_at, _SLOT.pack(token_row, window, app_used + 1))
            self._put(workspace_at, _SLOT.pack(workspace_row, window, workspace_used + 1))
            return app_used + 1, workspace_used + 1, True

    def forget(self, token_rows: list[int], workspace_rows: list[int]) -> None:
        """Empty these rows' windows (a reset of their workspace)."""
        with self.locked():
            for kind, rows in ((_APPS, token_rows), (_WORKSPACES, workspace_rows)):
                for row in rows:
                    offset = _COUNTERS_AT + (kind * SLOTS + row % SLOTS) * _SLOT.size
                    if _SLOT.unpack(self._get(offset, _SLOT.size))[0] == row:
                        self._put(offset, bytes(_SLOT.size))

    def forget_all(self) -> None:
        with self.locked():
            self._put(_COUNTERS_AT, bytes(_LOG_AT - _COUNTERS_AT))

    # --- pending journal entries --------------------------------------------------------------

    def append(self, entry: tuple[Any, ...]) -> int:
        """Add an entry to the log: the bytes the log holds now, or 0 when it has no room for it
        (then write it to the table yourself, with the log's entries before it)."""
        data = marshal.dumps(entry)
        record = _LENGTH.pack(len(data)) + data
        if len(record) > LOG_BYTES:
            return 0
        with self.locked():
            used = self._used()
            if used + len(record) > LOG_BYTES:
                return 0
            self._put(_LOG_AT + used, record)
            self._put(0, _HEADER.pack(MAGIC, used + len(record)))
            return used + len(record)

    def pending_bytes(self) -> int:
        """How many bytes of entries the log holds (a glance, without the lock)."""
        try:
            magic, used = _HEADER.unpack(self._get(0, _HEADER.size))
        except (OSError, ValueError):  # closed under us: replaced by a fresh one, see `replaced`
            return 0
        return int(used) if magic == MAGIC and used <= LOG_BYTES else 0

    def _used(self) -> int:
        """The log's length, from a header that makes sense; else the log is emptied."""
        magic, used = _HEADER.unpack(self._get(0, _HEADER.size))
        if magic != MAGIC or used > LOG_BYTES:
            self._put(0, _HEADER.pack(MAGIC, 0))
            return 0
        return int(used)

    def pending(self, start: int = 0) -> tuple[list[tuple[Any, ...]], int]:
        """The pending entries from byte `start` on (0: all), oldest first, and where they end
        in the log. They stay in the log until `drop(those bytes)`: call it once the transaction
        that stored them has committed, so an entry leaves the log only when it is in the table.
        Call both holding the database's write lock (one mover at a time; requests may append
        meanwhile)."""
        with self.locked():
            carried = list(self._carried) if start == 0 else []
            used = self._used()
            data = self._get(_LOG_AT, used) if used > start else b""
        entries, at = carried, start
        while at + _LENGTH.size <= len(data):
            (length,) = _LENGTH.unpack_from(data, at)
            with contextlib.suppress(ValueError, EOFError, TypeError):  # another version's
                entry = marshal.loads(data[at + 4 : at + 4 + length])
                if isinstance(entry, tuple):  # not bytes a damaged file happens to decode
                    entries.append(entry)
            at += 4 + length
        return entries, max(used, start)

    def drop(self, moved: int) -> None:
        """Remove the first `moved` bytes of the log (entries now in the table), and the entries
        carried over from a replaced file; what was appended after them moves to the front."""
        with self.locked():
            self._carried = []
            if not moved:
                return
            used = self._used()
            moved = min(moved, used)
            rest = self._get(_LOG_AT + moved, used - moved)
            self._put(_LOG_AT, rest)
            self._put(0, _HEADER.pack(MAGIC, len(rest)))

    def take(self) -> list[tuple[Any, ...]]:
        """Every pending entry, oldest first, the log emptied (to carry them to a new file)."""
        entries, end = self.pending()
        self.drop(end)
        return entries

    def close(self) -> None:
        if self._fd < 0:
            self._map.close()
        else:
            self._closer()  # closes the file, once
            self._fd = -1
