"""What `emulator serve` checks before it listens, and what it prints once it does.

Each check fails with a `StartupError`: `Error: <one line naming what is wrong>` and exit 2, as
for a bad flag but without the usage text: the OpenAPI description missing from the installation, a
`--db` that is not a usable SQLite file. The database check runs the migrations, as serving
would, so a path that cannot be created or written, or a file that is not SQLite, is found here
rather than as a traceback from the server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import click

from emulator import db as database
from emulator import migrations, openapi

EXAMPLE_TOKEN = "my-token"  # what the banner suggests when any token is accepted
INSPECTOR_PATH = "/_emulator/"


class StartupError(click.ClickException):
    """The emulator cannot start as asked; the message is one line saying why."""

    exit_code = 2


def check(config: dict[str, Any]) -> None:
    """The description is installed and the database is usable, or StartupError."""
    try:
        openapi.required()
    except openapi.DescriptionMissing as exc:
        raise StartupError(str(exc)) from None
    check_database(str(config["DATABASE"]))


def check_database(path: str) -> None:
    """Open (creating if need be) and migrate the SQLite file at `path`."""
    if path == database.MEMORY:
        return
    target = Path(path)
    if target.is_dir():
        raise StartupError(f"--db {path} is a directory; give a file path such as {path}/e.db")
    if not target.parent.is_dir():
        raise StartupError(f"--db {path}: the directory {target.parent} does not exist")
    try:
        migrations.migrate(database.connect(path))
    except sqlite3.DatabaseError as exc:
        raise StartupError(f"--db {path}: {_reason(exc)}") from None
    finally:
        database.close_all()


def _reason(error: sqlite3.DatabaseError) -> str:
    message = str(error)
    if "file is not a database" in message:
        return "the file is not an SQLite database"
    if "unable to open database file" in message:
        return "cannot create or open the file there (is its directory writable?)"
    if "readonly" in message:
        return "the file (or its directory) is read-only"
    return f"SQLite refused it: {message}"


def accepted_tokens(config: dict[str, Any]) -> list[str] | None:
    """The tokens the server accepts, in the order given (flags, file, declared workspaces);
    None when any token is accepted."""
    if config.get("TOKENS") is None:
        return None
    tokens = list(config["TOKENS"])
    tokens += [token for spec in config.get("WORKSPACES", []) for token in spec["tokens"]]
    return list(dict.fromkeys(tokens))


def ready_message(url: str, db_label: str, config: dict[str, Any]) -> str:
    """The banner: where it serves, a request that works as printed, and the inspector."""
    tokens = accepted_tokens(config)
    token = tokens[0] if tokens else EXAMPLE_TOKEN
    lines = [
        f"Intercom emulator ready on {url} (database: {db_label})",
        f"Try: curl -s {url}/me -H 'Authorization: Bearer {token}' -H 'Accept: application/json'",
    ]
    if tokens is None:
        lines.append("Any bearer token is accepted and becomes its own workspace.")
    else:
        lines.append(f"Accepted tokens: {', '.join(tokens)}")
    inspector = f"Inspector: {url}{INSPECTOR_PATH}"
    if config.get("ADMIN_TOKEN"):
        inspector += " (open it once with ?admin_token=<the admin token>)"
    else:  # without an admin token the page shows the workspace of the token it is given
        inspector += f"?token={token}"
    lines += [inspector, "Press Ctrl-C to stop."]
    return "\n".join(lines)
