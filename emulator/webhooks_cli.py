"""`emulator webhooks add|list|remove|notifications|deliver-now`: the control API's webhook
subscriptions from the command line (docs/webhooks.md shows them in use)."""

from __future__ import annotations

import json

import click

from emulator.control_cli import _client, _run, control_options, printable
from emulator.store.webhooks.topics import TOPICS


@click.group()
def webhooks() -> None:
    """Webhook subscriptions of a workspace, and what became of their notifications."""


@webhooks.command()
@click.argument("target", metavar="URL")
@click.option(
    "--topic",
    "topics",
    multiple=True,
    required=True,
    type=click.Choice(list(TOPICS)),
    help="A topic to send (repeatable).",
)
@click.option("--secret", help="Sign notifications with this (one is drawn when omitted).")
@control_options
def add(
    target: str,
    topics: tuple[str, ...],
    secret: str | None,
    url: str,
    token: str,
    admin_token: str | None,
) -> None:
    """Subscribe URL (a loopback address, or a host the server allows with
    --webhook-allowed-host) to topics; it gets a ping at once."""
    client = _client(url, token, admin_token)
    found = _run(lambda: client.add_webhook(target, list(topics), secret))
    click.echo(printable(f"{found['id']} {found['url']} secret={found['secret']}"))


@webhooks.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the subscriptions as JSON.")
@control_options
def list_(as_json: bool, url: str, token: str, admin_token: str | None) -> None:
    """The workspace's subscriptions."""
    found = _run(lambda: _client(url, token, admin_token).webhooks())
    if as_json:
        click.echo(json.dumps(found, indent=2))
    elif not found:
        click.echo("No webhook subscriptions.")
    for sub in [] if as_json else found:
        click.echo(printable(f"{sub['id']} {sub['url']} {','.join(sub['topics'])}"))


@webhooks.command()
@click.argument("subscription_id")
@control_options
def remove(subscription_id: str, url: str, token: str, admin_token: str | None) -> None:
    """Remove a subscription and its notifications."""
    _run(lambda: _client(url, token, admin_token).remove_webhook(subscription_id))
    click.echo(printable(f"Removed {subscription_id}."))


@webhooks.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@control_options
def notifications(limit: int, url: str, token: str, admin_token: str | None) -> None:
    """Recent notifications, newest first, with each delivery attempt."""
    found = _run(lambda: _client(url, token, admin_token).webhook_notifications(limit))
    if not found:
        click.echo("No notifications.")
    for note in found:
        tries = " ".join(str(a["status"] or "no-answer") for a in note["attempts"]) or "-"
        click.echo(printable(f"{note['id']} {note['topic']} {note['state']} attempts: {tries}"))


@webhooks.command(name="deliver-now")
@control_options
def deliver_now(url: str, token: str, admin_token: str | None) -> None:
    """Attempt every pending notification now, retries included, whatever their delay."""
    done = _run(lambda: _client(url, token, admin_token).deliver_now())
    click.echo(f"{done['attempts']} attempts: {done['delivered']} delivered.")
