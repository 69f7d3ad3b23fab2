"""`emulator`: run the Intercom emulator and talk to its control API."""

from __future__ import annotations

import ipaddress
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from emulator import control_client, server, startup
from emulator import settings as declared
from emulator.config import ConfigError, build


def _flag_type(setting: declared.Setting) -> Any:
    if setting.kind in (declared.INTEGER, declared.SECONDS):
        return click.IntRange(min=setting.minimum)
    if setting.kind == declared.CHOICE:
        return click.Choice(list(setting.choices))
    return str


def setting_options(command: Any) -> Any:
    """One flag per workspace setting (`--event-name-limit` …), defaults for new workspaces."""
    for setting in reversed(declared.SETTINGS):
        shown = setting.shown_default().strip("`")
        command = click.option(
            setting.flag,
            setting.name,
            type=_flag_type(setting),
            default=None,
            help=f"{setting.help} [default: {shown}]",
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
    help="Worker processes (1 with ':memory:').",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Threads per worker: requests one worker answers at once (1 with ':memory:'). "
    "[default: 4 on granian, 1 on gunicorn]",
)
@click.option(
    "--server",
    "server_name",
    type=click.Choice(server.SERVERS),
    default="granian",
    show_default=True,
    envvar="EMULATOR_SERVER",
    help="granian keeps connections alive and reads requests outside Python, so slow clients "
    "hold no worker; gunicorn closes each connection (sync worker, or gthread above 1 thread).",
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
    threads: int | None,
    server_name: str,
    **setting_flags: Any,
) -> None:
    """Serve the emulated Intercom API until Ctrl-C."""
    if threads is None:
        threads = server.DEFAULT_THREADS[server_name]
    if not admin_token and not _is_loopback(host):
        raise click.UsageError(
            f"--host {host} is reachable from other machines: pass --admin-token to protect "
            "the control API"
        )
    chosen = {name: value for name, value in setting_flags.items() if value is not None}
    try:
        config = build(db_path, tokens, config_file, chosen)
    except ConfigError as exc:
        raise startup.StartupError(str(exc)) from None
    startup.check(config)
    config["ADMIN_TOKEN"] = admin_token
    try:
        sock = server.bind(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    url = server.base_url(sock)
    label = "in memory" if db_path == ":memory:" else str(Path(db_path).resolve())

    def announce() -> None:
        click.echo(startup.ready_message(url, label, config))
        sys.stdout.flush()

    server.run(config, sock, workers, threads, on_ready=announce, server=server_name)


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
    workspace: its lists data_attributes, companies, contacts, tags, segments,
    subscription_types, event_names and events hold what the matching create endpoints take
    (segments: a name and a search query). All of it is applied, or none of it."""
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
