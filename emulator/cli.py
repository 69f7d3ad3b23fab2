"""`emulator`: run the Intercom emulator and talk to its control API."""

from __future__ import annotations

import ipaddress
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from emulator import control_client, server
from emulator.config import ConfigError, build
from emulator.limits import DEFAULT_SETTINGS

_SETTING_HELP = {
    "event_name_limit": "Distinct active event names a workspace may hold.",
    "metadata_key_limit": "Metadata keys kept per event.",
    "metadata_overflow": "Past the key limit: 'ignore' drops extra keys, 'reject' answers 400.",
    "string_limit": "Longest string in a custom attribute or event metadata.",
    "custom_attribute_limit": "Custom data attributes per workspace.",
    "rate_limit_app": "Requests per 10-second window per token (app).",
    "rate_limit_workspace": "Requests per 10-second window per workspace.",
    "search_lag_seconds": "Seconds a new or changed contact stays invisible to search (0: off).",
    "identity_verification": "'enforced' makes the Messenger endpoints demand a valid user_hash.",
    "identity_verification_secret": "HMAC secret for identity verification (default: random).",
    "default_version": "Intercom-Version used when a request names none.",
}


def setting_options(command: Any) -> Any:
    """One flag per workspace setting (`--event-name-limit` …), defaults for new workspaces."""
    for name, default in reversed(DEFAULT_SETTINGS.items()):
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            kind: Any = bool
        elif isinstance(default, int):
            kind = click.IntRange(min=0 if name == "search_lag_seconds" else 1)
        elif name == "metadata_overflow":
            kind = click.Choice(["ignore", "reject"])
        elif name == "identity_verification":
            kind = click.Choice(["off", "enforced"])
        else:
            kind = str
        shown = "random per workspace" if default is None else default
        command = click.option(
            flag,
            name,
            type=kind,
            default=None,
            help=f"{_SETTING_HELP[name]} [default: {shown}]",
        )(command)
    return command


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="intercom-emulator")
def main() -> None:
    """A local, stateful emulator of Intercom's REST API."""


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="EMULATOR_HOST",
    help="Address to listen on.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar="EMULATOR_PORT",
    help="Port to listen on; 0 picks a free port and prints it.",
)
@click.option(
    "--db",
    "db_path",
    default="emulator.db",
    show_default=True,
    envvar="EMULATOR_DB",
    help="SQLite file holding the state; ':memory:' for a throwaway run.",
)
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="TOKEN",
    help="Accept only this bearer token (repeatable). Without it any token is accepted "
    "and becomes its own workspace.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="EMULATOR_CONFIG",
    help="TOML file with settings, tokens and workspaces.",
)
@click.option(
    "--admin-token",
    envvar="EMULATOR_ADMIN_TOKEN",
    help="Require this token (header X-Emulator-Admin-Token) on the control API. "
    "Mandatory when --host is not a loopback address.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (1 with ':memory:').",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker. Above 1, workers keep client connections alive between requests "
    "(gunicorn's gthread worker); 1 closes each connection after its response.",
)
@setting_options
def serve(
    host: str,
    port: int,
    db_path: str,
    tokens: tuple[str, ...],
    config_file: Path | None,
    admin_token: str | None,
    workers: int,
    threads: int,
    **setting_flags: Any,
) -> None:
    """Serve the emulated Intercom API until Ctrl-C."""
    if not admin_token and not _is_loopback(host):
        raise click.UsageError(
            f"--host {host} is reachable from other machines: pass --admin-token to protect "
            "the control API"
        )
    chosen = {name: value for name, value in setting_flags.items() if value is not None}
    try:
        config = build(db_path, tokens, config_file, chosen)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    config["ADMIN_TOKEN"] = admin_token
    try:
        sock = server.bind(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    url = server.base_url(sock)
    label = "in memory" if db_path == ":memory:" else str(Path(db_path).resolve())

    def announce() -> None:
        click.echo(server.ready_message(url, label))
        sys.stdout.flush()

    server.run(config, sock, workers, threads=threads, on_ready=announce)


# --- commands that talk to a running emulator's control API -------------------------------------


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


def _client(url: str, token: str, admin_token: str | None) -> control_client.ControlClient:
    return control_client.ControlClient(url, token, admin_token)


def _run(action: Any) -> Any:
    try:
        return action()
    except control_client.ControlError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--all", "every", is_flag=True, help="Reset every workspace on the server.")
@control_options
def reset(every: bool, url: str, token: str, admin_token: str | None) -> None:
    """Forget a workspace's data: contacts, companies, events, tags, data attributes, journal
    and fault rules. Its settings and tokens stay."""
    result = _run(lambda: _client(url, token, admin_token).reset(every))
    target = "every workspace" if result["reset"] == "all" else f"workspace {result['reset']}"
    click.echo(f"Reset {target}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@control_options
def seed(file: str, url: str, token: str, admin_token: str | None) -> None:
    """Load FILE (JSON, or YAML when it ends in .yaml/.yml; '-' reads YAML from stdin) into a
    workspace: its lists data_attributes, companies, contacts, tags, event_names and events
    hold what the matching create endpoints take. All of it is applied, or none of it."""
    with click.open_file(file, "rb") as handle:
        document = handle.read()
    is_yaml = file == "-" or Path(file).suffix.lower() in (".yaml", ".yml")
    content_type = "application/yaml" if is_yaml else "application/json"
    result = _run(lambda: _client(url, token, admin_token).seed(document, content_type))
    counts = ", ".join(f"{name} {count}" for name, count in result["created"].items())
    click.echo(f"Seeded: {counts or 'nothing'}.")
    for warning in result.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)


@main.command()
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
    """Entries as an aligned table, one line each, the way they happened."""
    rows = [("ID", "TIME", "METHOD", "PATH", "STATUS", "VERDICT", "DETAIL")]
    for entry in entries:
        detail = [f"{e['code']}: {e['message']}" for e in [entry.get("error")] if e]
        detail += [f"warning: {warning}" for warning in entry.get("warnings") or []]
        moment = datetime.fromtimestamp(entry["at"]).strftime("%H:%M:%S")
        rows.append(
            (
                str(entry["id"]),
                moment,
                entry["method"],
                entry["path"],
                str(entry["status"]),
                entry["verdict"],
                "; ".join(detail),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        + ("  " + row[-1] if row[-1] else "")
        for row in rows
    )
