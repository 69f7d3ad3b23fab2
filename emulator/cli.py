"""`emulator`: run the Intercom emulator and talk to its control API."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

import click

from emulator import config as configuration
from emulator import control_cli, webhooks_cli
from emulator import settings as declared

# `serve`'s own modules (the server, the app, the database) are imported when it runs, so
# `--version`, `--help` and the control commands start without them.


def _flag_type(setting: declared.Setting) -> Any:
    if setting.kind in (declared.INTEGER, declared.SECONDS):
        return click.IntRange(min=setting.minimum, max=setting.maximum)
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
    help="Require this token (header X-Emulator-Admin-Token) on the control API and the "
    "inspector; it alone reaches every workspace. Mandatory when --host is not a loopback "
    "address.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    envvar="EMULATOR_ALLOWED_HOSTS",
    help="Answer requests whose Host is NAME, besides localhost, 127.0.0.1 and [::1] "
    "(repeatable; '*' for any). Others get 403, a defence against DNS rebinding.",
)
@click.option(
    "--webhook-allowed-host",
    "webhook_allowed_hosts",
    multiple=True,
    metavar="NAME",
    envvar="EMULATOR_WEBHOOK_ALLOWED_HOSTS",
    help="Let webhook subscriptions send notifications to NAME, besides loopback addresses "
    "(repeatable). Any other host is refused when the subscription is made.",
)
@click.option(
    "--max-workspaces",
    type=click.IntRange(min=1),
    default=None,
    help="Workspaces the server holds at most; a new token past it is refused (403). "
    "[default: 10000]",
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
    type=click.Choice(configuration.SERVERS),
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
    allowed_hosts: tuple[str, ...],
    webhook_allowed_hosts: tuple[str, ...],
    max_workspaces: int | None,
    workers: int,
    threads: int | None,
    server_name: str,
    **setting_flags: Any,
) -> None:
    """Serve the emulated Intercom API until Ctrl-C."""
    from emulator import server, sessions, startup

    if threads is None:
        threads = configuration.DEFAULT_THREADS[server_name]
    if not admin_token and not _is_loopback(host):
        raise click.UsageError(
            f"--host {host} is reachable from other machines: pass --admin-token to protect "
            "the control API (and --allowed-host with the name clients use to reach it)"
        )
    chosen = {name: value for name, value in setting_flags.items() if value is not None}
    try:
        config = configuration.build(
            db_path, tokens, config_file, chosen, allowed_hosts, max_workspaces
        )
    except configuration.ConfigError as exc:
        raise startup.StartupError(str(exc)) from None
    startup.check(config)
    config["WEBHOOK_ALLOWED_HOSTS"] = [*webhook_allowed_hosts, *config["WEBHOOK_ALLOWED_HOSTS"]]
    config["ADMIN_TOKEN"] = admin_token
    config["SESSION_KEY"] = sessions.new_key()  # drawn before the workers fork: they share it
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


for _command in control_cli.COMMANDS:  # reset, seed, journal, workspaces, delete-workspace
    main.add_command(_command)
main.add_command(webhooks_cli.webhooks)
