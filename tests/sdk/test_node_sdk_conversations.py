"""Intercom's official Node SDK (`intercom-client`, pinned in tests/sdk/node/package-lock.json)
drives a conversation against a real `emulator serve` (tests/sdk/node/conversations.js): a
contact starts it, an admin replies, assigns it to a seeded second admin and closes it, and the
conversation search finds it (issue 19's scenario). A webhook receiver subscribed through the
control API is down for the first notification: it gets it on the third attempt (the control
API's `deliver_now` making each retry), then the others, signed and in order, each carrying the
conversation the SDK saw (sources in tests/sdk/notified.py)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from emulator.testing import EmulatorProcess
from emulator.webhook_receiver import WebhookReceiver
from tests.sdk.notified import ServedWorkspace, check_notified
from tests.sdk.test_node_sdk import NODE_PROJECT, node_project  # noqa: F401  (the fixture)

SECOND_ADMIN = "8080"


def test_the_node_sdk_drives_a_conversation(node_project, tmp_path):  # noqa: F811
    script = node_project / "conversations.js"
    script.write_text((NODE_PROJECT / "conversations.js").read_text())
    with EmulatorProcess(tmp_path / "node-conv.db") as server, WebhookReceiver() as receiver:
        workspace = ServedWorkspace(server, f"sdk-{uuid.uuid4().hex}")
        workspace.seed_second_admin(SECOND_ADMIN)
        workspace.listen(receiver)
        receiver.fail_next(2)  # down for the next two notifications
        env = {
            **os.environ,
            "EMULATOR_URL": server.url,
            "EMULATOR_TOKEN": workspace.token,
            "EMULATOR_SECOND_ADMIN": SECOND_ADMIN,
        }
        ran = subprocess.run(
            ["node", "conversations.js"],
            cwd=node_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert ran.returncode == 0, ran.stderr + ran.stdout
        _check_the_notifications(workspace, receiver, ran.stdout)
        workspace.close()
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["waiting_after_reply"] is None  # an admin's reply ends the wait [S2.11]
    assert seen["assignee"] == int(SECOND_ADMIN)
    assert seen["state"] == ["closed", False]
    assert seen["parts"] == ["comment", "assignment", "close"]
    assert seen["searched"] == [seen["id"]]
    assert seen["missing"] == [404, "not_found"]


def _check_the_notifications(workspace, receiver, stdout):
    """The first notification waits for its retry and holds the others back (per subscription,
    in order); three `deliver_now` calls make three attempts in all, whether or not the server
    made the first itself; then every notification has come, each carrying the conversation
    the SDK got back from the step that made it."""
    assert receiver.topics() == ["ping"]
    for _ in range(3):
        workspace.control("POST", "webhooks/deliver_now")
    first = receiver.wait_for("conversation.user.created", timeout=60)
    assert first["delivery_attempts"] == 3  # [WHM]
    attempts = [r.status for r in receiver.received if r.body.get("id") == first["id"]]
    assert attempts == [500, 500, 200]
    made = json.loads(stdout.strip().splitlines()[-1])["conversations"]
    check_notified(
        receiver,
        [
            ("conversation.user.created", made["started"]),
            ("conversation.admin.replied", made["replied"]),
            ("conversation.admin.assigned", made["assigned"]),
            ("conversation.admin.closed", made["closed"]),
        ],
    )
