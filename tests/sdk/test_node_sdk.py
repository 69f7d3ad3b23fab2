"""Intercom's official Node SDK (`intercom-client`, the version package-lock.json pins) runs an
end-to-end scenario (tests/sdk/node/scenario.js) against a real `emulator serve`: every call is
built and parsed by the SDK itself. Node and npm come from Debian (`apt-get install nodejs npm`;
`.ci/run` installs them); `npm ci` installs the locked SDK into this test's own directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from tests.sdk.served import BULK, seeded_workspace

NODE_PROJECT = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node_project(tmp_path_factory) -> Path:
    """The Node project copied into a temporary directory and `npm ci`-installed there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed: apt-get install -y nodejs npm", pytrace=False)
    project = tmp_path_factory.mktemp("node-sdk")
    for name in ("package.json", "package-lock.json", "scenario.js"):
        shutil.copy(NODE_PROJECT / name, project / name)
    cache = project / ".npm-cache"
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--cache", str(cache)],
        cwd=project,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return project


def test_the_node_sdk_scenario_runs_against_emulator_serve(node_project, tmp_path):
    with EmulatorProcess(tmp_path / "node.db") as server:
        token = seeded_workspace(server)
        env = {**os.environ, "EMULATOR_URL": server.url, "EMULATOR_TOKEN": token}
        ran = subprocess.run(
            ["node", "scenario.js"],
            cwd=node_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert ran.returncode == 0, ran.stderr + ran.stdout
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["searched"] == BULK  # the SDK's iterator followed `pages.next` past 150
    assert seen["listed"] == 31 and seen["scrolled"] == 31  # both loops reached the end
    # intercom-client 7.0.3's scroll iterator calls again with the parameter of the empty last
    # page, which Intercom expires ("the scroll parameter will expire", 2.11): 404 here.
    assert seen["scroll_iterator_end"] == [404, "not_found"]
    assert "node-vip" in seen["tags"] and seen["attribute_found"]
    assert seen["events"] == ["node-ordered"]
    assert seen["event_summaries"] == {"node-ordered": 1, "node-imported": 3}
    assert seen["notes"] == 1
    assert seen["segments"] == ["Bulk users"]
    assert seen["subscription_types"] == 2
    # Failures the SDK meets at Intercom too (api.intercom.io.yaml 2.11: 404 for an unknown
    # contact, 401 "Access Token Invalid" for a token it does not know).
    assert seen["missing_contact"] == [404, "not_found"]
    assert seen["placeholder_token"] == [401, "unauthorized"]
