"""Webhooks against a real `emulator serve`: two worker processes sharing one outbox, a crash,
an in-memory server, Intercom's official Python SDK, and the `emulator webhooks` commands.

Sources as in tests/emulator/test_webhooks.py: [WHS] (X-Hub-Signature), [WHM] (topics).
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
import requests
from click.testing import CliRunner
from intercom import CreateContactRequestWithEmail, Intercom

from emulator.cli import main
from emulator.testing import EmulatorProcess
from emulator.webhook_receiver import WebhookReceiver


class Workspace:
    """Just enough of the pytest plugin's IntercomWorkspace for `WebhookReceiver.subscribe`."""

    def __init__(self, server: EmulatorProcess, token: str | None = None) -> None:
        self.token = token or f"wh-{uuid.uuid4().hex}"
        self.url = server.url
        self.session = server.session(self.token)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.url + path, timeout=30, **kwargs)

    def control(self, method: str, path: str, **kwargs):
        answer = self.session.request(method, f"{self.url}/_emulator/{path}", timeout=60, **kwargs)
        assert answer.status_code < 400, answer.text
        return answer.json()


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with EmulatorProcess(tmp_path_factory.mktemp("webhooks") / "hooks.db", workers=2) as running:
        yield running


def test_two_workers_send_each_notification_once_signed_and_in_order(server):
    workspace = Workspace(server)
    with WebhookReceiver() as receiver:
        receiver.subscribe(workspace, "contact.user.created", "contact.user.updated")
        made = []
        for n in range(12):
            contact = workspace.post("/contacts", json={"email": f"c{n}@example.com"}).json()
            made.append(contact["id"])
            workspace.session.put(f"{server.url}/contacts/{contact['id']}", json={"name": "x"})
        receiver.wait_for("contact.user.updated", timeout=60, count=12)
        workspace.control("POST", "webhooks/deliver_now")
        got = receiver.delivered()
        assert all(r.signature_valid for r in got)  # [WHS]
        created = [r.body["data"]["item"]["id"] for r in got if r.topic == "contact.user.created"]
        assert created == made
        first_three = [r.topic for r in got][:3]
        assert first_three == ["ping", "contact.user.created", "contact.user.updated"]
        ids = [r.body["id"] for r in receiver.received]
        assert len(ids) == len(set(ids)) == 1 + 2 * len(made)


def test_a_committed_notification_survives_a_crash(tmp_path):
    server = EmulatorProcess(tmp_path / "crash.db", workers=2).start()
    try:
        workspace = Workspace(server)
        with WebhookReceiver() as receiver:
            receiver.subscribe(workspace, "company.created")
            receiver.wait_for("ping", timeout=60)
            receiver.fail_next(1)
            workspace.post("/companies", json={"company_id": "crash-1", "name": "Acme"})
            wait_until(lambda: len(receiver.received) == 2)  # the failed first attempt
            server.kill()  # SIGKILL, master and workers
            server.stop()  # collects what the killed process left open
            server.start()
            workspace.session = server.session(workspace.token)
            workspace.url = server.url
            assert len(receiver.delivered()) == 1  # only the ping so far
            done = workspace.control("POST", "webhooks/deliver_now")
            assert done["delivered"] == 1
            event = receiver.wait_for("company.created", timeout=30)
            assert event["data"]["item"]["company_id"] == "crash-1"
            assert event["delivery_attempts"] == 2
    finally:
        server.stop()


def test_an_in_memory_server_delivers_after_each_request(tmp_path):
    with EmulatorProcess(":memory:", workers=1) as server, WebhookReceiver() as receiver:
        workspace = Workspace(server)
        receiver.subscribe(workspace, "contact.lead.created")
        receiver.wait_for("ping", timeout=30)  # sent at the end of the subscribing request
        receiver.fail_next(1)
        workspace.post("/contacts", json={"role": "lead", "name": "Lee"})
        wait_until(lambda: len(receiver.received) == 2)
        assert receiver.received[1].status == 500 and receiver.received[1].topic.startswith("c")
        assert workspace.control("POST", "webhooks/deliver_now")["delivered"] == 1
        event = receiver.wait_for("contact.lead.created", timeout=30)
        assert event["delivery_attempts"] == 2
        assert event["data"]["item"]["name"] == "Lee"


def test_a_contact_made_with_the_python_sdk_is_notified(server):
    workspace = Workspace(server)
    with WebhookReceiver() as receiver, httpx.Client(timeout=60) as transport:
        receiver.subscribe(workspace, "contact.user.created")
        sdk = Intercom(token=workspace.token, base_url=server.url, httpx_client=transport)
        request = CreateContactRequestWithEmail(email="sdk@example.org")
        contact = sdk.contacts.create(request=request)
        event = receiver.wait_for("contact.user.created", timeout=60)
        assert event["data"]["item"]["id"] == contact.id
        assert event["data"]["item"]["email"] == "sdk@example.org"


def test_the_webhooks_commands(server):
    token = f"cli-{uuid.uuid4().hex}"
    env = {"EMULATOR_URL": server.url, "INTERCOM_TOKEN": token}

    def run(*args):
        result = CliRunner().invoke(main, ["webhooks", *args], env=env)
        return result

    with WebhookReceiver() as receiver:
        added = run("add", receiver.url, "--topic", "company.created", "--secret", receiver.secret)
        assert added.exit_code == 0, added.output
        subscription_id = added.output.split()[0]
        assert subscription_id.startswith("nsub_")
        receiver.wait_for("ping", timeout=60)
        listed = run("list")
        assert subscription_id in listed.output and "company.created" in listed.output
        shown = run("notifications")
        assert "ping delivered attempts: 200" in shown.output
        assert run("deliver-now").exit_code == 0
        refused = run("add", "http://example.com/x", "--topic", "ping")
        assert refused.exit_code != 0 and "webhook-allowed-host" in refused.output
        assert run("remove", subscription_id).exit_code == 0
        assert "No webhook subscriptions." in run("list").output


def test_the_pytest_fixture_against_the_plugins_server(intercom_workspace, intercom_webhooks):
    """docs/webhooks.md's example: three `deliver_now` calls make three attempts in all,
    whether or not the server's thread made the first."""
    intercom_webhooks.subscribe(intercom_workspace, "contact.user.created")
    intercom_webhooks.wait_for("ping", timeout=60)
    intercom_webhooks.fail_next(2)
    intercom_workspace.post("/contacts", json={"email": "bob@example.com"})
    for _ in range(3):
        intercom_workspace.control("POST", "webhooks/deliver_now")
    event = intercom_webhooks.wait_for("contact.user.created", timeout=30)
    assert event["delivery_attempts"] == 3
    assert [r.status for r in intercom_webhooks.received[1:]] == [500, 500, 200]


def test_webhook_allowed_host_flag_and_config_file_widen_where_notifications_go(tmp_path):
    config = tmp_path / "emulator.toml"
    config.write_text('webhook_allowed_hosts = ["from-file.invalid"]\n')
    flags = ("--webhook-allowed-host", "from-flag.invalid", "--config", str(config))
    with EmulatorProcess(":memory:", *flags, workers=1) as server:
        workspace = Workspace(server)

        def subscribe(url):
            body = {"url": url, "topics": ["company.created"]}
            return workspace.session.post(f"{server.url}/_emulator/webhooks", json=body)

        for host in ("from-flag.invalid", "from-file.invalid"):
            made = subscribe(f"http://{host}/x")
            assert made.status_code == 200, made.text
            workspace.control("DELETE", f"webhooks/{made.json()['id']}")
        refused = subscribe("http://elsewhere.invalid/x")
        assert refused.status_code == 400
        assert "--webhook-allowed-host" in refused.json()["errors"][0]["message"]
