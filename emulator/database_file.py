"""Which file a database path names (device and inode), and why it can no longer be served.

SQLite keeps writing to a database file deleted (or renamed away) under it, and loses all of it
when the server stops. The server compares the file at the path with the one it opened (one
`stat`); once they differ every request is refused with a 503 saying why, and a worker started
afterwards (a replaced one) serves the same refusal instead of a new empty database.
"""

from __future__ import annotations

import os


def file_identity(path: str) -> tuple[int, int] | None:
    """The file at `path` (device, inode), or None when there is none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def file_problem(path: str, expected: tuple[int, int] | None) -> str | None:
    """Why the database at `path` can no longer be served (None while it is the file opened)."""
    if expected is None:
        return None
    found = file_identity(path)
    if found == expected:
        return None
    what = "deleted" if found is None else "replaced by another file"
    return (
        f"The database file {path} was {what} while the server ran: its requests are refused"
        " so that none is acknowledged and lost. Restart the server."
    )
