"""Intercom's official Node SDK (`intercom-client`, pinned in tests/sdk/node/package-lock.json)
drives a conversation against a real `emulator serve` (tests/sdk/node/conversations.js): a
contact starts it, an admin replies, assigns it to a seeded second admin and closes it, and the
conversation search finds it (issue 19's scenario)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from emulator.testing import EmulatorProcess
from tests.sdk.test_node_sdk import NODE_PROJECT, node_project  # noqa: F401  (the fixture)

SECOND_ADMIN = "8080"


def test_the_node_sdk_drives_a_conversation(node_project, tmp_path):  # noqa: F811
    script = node_project / "conversations.js"
    script.write_text((NODE_PROJECT / "conversations.js").read_text())
    with EmulatorProcess(tmp_path / "node-conv.db") as server:
        token = f"sdk-{uuid.uuid4().hex}"
        with server.session(token) as session:
            seed = {"admins": [{"name": "Second", "email": "s@example.org", "id": SECOND_ADMIN}]}
            loaded = session.post(f"{server.url}/_emulator/seed", json=seed, timeout=60)
            assert loaded.status_code == 200, loaded.text
        env = {
            **os.environ,
            "EMULATOR_URL": server.url,
            "EMULATOR_TOKEN": token,
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
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["waiting_after_reply"] is None  # an admin's reply ends the wait [S2.11]
    assert seen["assignee"] == int(SECOND_ADMIN)
    assert seen["state"] == ["closed", False]
    assert seen["parts"] == ["comment", "assignment", "close"]
    assert seen["searched"] == [seen["id"]]
    assert seen["missing"] == [404, "not_found"]
