"""The `emulator` commands that talk to a running emulator's control API: reset, seed, journal,
workspaces and delete-workspace (emulator.cli adds them to its group). What the server sends
back is printed with its control characters escaped: a request body cannot drive the terminal.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from emulator import control_client

# Bidirectional overrides and isolates reorder what a terminal shows; escaped like controls.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` with every control character (C0, DEL, C1, line separators, bidirectional
    controls) written as a Python escape (`\\x1b`, `\\u202e`): what a terminal shows, not obeys."""
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI
        else char
        for char in text
    )


def control_options(command: Any) -> Any:
    """`--url`, `--token` and `--admin-token`, shared by the control commands."""
    options = [
        click.option(
            "--url",
            default=control_client.DEFAULT_URL,
            show_default=True,
            envvar="EMULATOR_URL",
            help="The running emulator (env EMULATOR_URL).",
        ),
        click.option(
            "--token",
            required=True,
            envvar="INTERCOM_TOKEN",
            help="Bearer token whose workspace to act on (env INTERCOM_TOKEN).",
        ),
        click.option(
            "--admin-token",
            envvar="EMULATOR_ADMIN_TOKEN",
            help="The server's admin token, if it has one (env EMULATOR_ADMIN_TOKEN).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _client(url: str, token: str | None, admin_token: str | None) -> control_client.ControlClient:
    return control_client.ControlClient(url, token, admin_token)


def _run(action: Any) -> Any:
    try:
        return action()
    except control_client.ControlError as exc:
        raise click.ClickException(printable(str(exc))) from exc


@click.command()
@click.option("--all", "every", is_flag=True, help="Reset every workspace on the server.")
@control_options
def reset(every: bool, url: str, token: str, admin_token: str | None) -> None:
    """Forget a workspace's data: contacts, companies, events, tags, data attributes, journal
    and fault rules. Its settings and tokens stay."""
    result = _run(lambda: _client(url, token, admin_token).reset(every))
    target = "every workspace" if result["reset"] == "all" else f"workspace {result['reset']}"
    click.echo(printable(f"Reset {target}."))


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@control_options
def seed(file: str, url: str, token: str, admin_token: str | None) -> None:
    """Load FILE (JSON, or YAML when it ends in .yaml/.yml; '-' reads YAML from stdin) into a
    workspace: its lists data_attributes, companies, contacts, tags, segments,
    subscription_types, event_names and events hold what the matching create endpoints take
    (segments: a name and a search query). All of it is applied, or none of it."""
    with click.open_file(file, "rb") as handle:
        document = handle.read()
    is_yaml = file == "-" or Path(file).suffix.lower() in (".yaml", ".yml")
    content_type = "application/yaml" if is_yaml else "application/json"
    result = _run(lambda: _client(url, token, admin_token).seed(document, content_type))
    counts = ", ".join(f"{name} {count}" for name, count in result["created"].items())
    click.echo(printable(f"Seeded: {counts or 'nothing'}."))
    for warning in result.get("warnings", []):
        click.echo(printable(f"warning: {warning}"), err=True)


@click.command()
@click.option("--method", help="Only this HTTP method (GET, POST, …).")
@click.option("--path", help="Only this path, exact or a glob: /contacts/*.")
@click.option("--status", help="Only this status (422) or class of status (4xx).")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(min=1), help="Newest N."
)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON, newest first.")
@control_options
def journal(
    method: str | None,
    path: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
    url: str,
    token: str,
    admin_token: str | None,
) -> None:
    """Show the workspace's recent API requests and the emulator's verdict on each."""
    filters = {"method": method, "path": path, "status": status, "limit": limit}
    entries = _run(lambda: _client(url, token, admin_token).journal(filters))
    if as_json:
        click.echo(json.dumps(entries, indent=2))
    elif not entries:
        click.echo("No requests in the journal.")
    else:
        click.echo(journal_table(list(reversed(entries))))


def journal_table(entries: list[dict[str, Any]]) -> str:
    """Entries as an aligned table, one line each, the way they happened; control characters
    escaped."""
    rows = [("ID", "TIME", "METHOD", "PATH", "STATUS", "VERDICT", "DETAIL")]
    for entry in entries:
        detail = [f"{e['code']}: {e['message']}" for e in [entry.get("error")] if e]
        detail += [f"warning: {warning}" for warning in entry.get("warnings") or []]
        moment = datetime.fromtimestamp(entry["at"]).strftime("%H:%M:%S")
        cells = (
            str(entry["id"]),
            moment,
            entry["method"],
            entry["path"],
            str(entry["status"]),
            entry["verdict"],
            "; ".join(detail),
        )
        rows.append(tuple(printable(str(cell)) for cell in cells))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        + ("  " + row[-1] if row[-1] else "")
        for row in rows
    )


@click.command()
@control_options
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def workspaces(url: str, token: str, admin_token: str | None, as_json: bool) -> None:
    """List every workspace on the server (needs the server's admin token)."""
    found = _run(lambda: _client(url, token, admin_token).workspaces())
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    rows = [("ID", "CREATED", "JOURNAL", "NAME", "APPS")]
    for entry in found:
        created = datetime.fromtimestamp(entry["created_at"]).strftime("%Y-%m-%d %H:%M:%S")
        cells = (entry["id"], created, str(entry["journal_entries"]), entry["name"], entry["apps"])
        rows.append(tuple(printable(str(cell or "")) for cell in cells))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@click.command("delete-workspace")
@control_options
@click.option(
    "--workspace",
    "workspace_id",
    help="Delete the workspace with this id instead of the token's (needs --admin-token).",
)
def delete_workspace(
    url: str, token: str, admin_token: str | None, workspace_id: str | None
) -> None:
    """Delete the token's workspace: its data, its tokens and its settings. A token of it used
    again makes a new, empty workspace."""
    result = _run(lambda: _client(url, token, admin_token).delete_workspace(workspace_id))
    click.echo(printable(f"Deleted workspace {result['id']}."))


COMMANDS = (reset, seed, journal, workspaces, delete_workspace)
