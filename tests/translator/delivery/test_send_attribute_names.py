"""``translator send --unknown-attribute-policy create`` against a running emulator: trait names
Intercom refuses as attribute names are created and written under their renamed form."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner

from contracts.delivery_support import IntercomReader
from translator.cli import main

RENAMED = {"a!b": "a-b", "plan/tier": "plan-tier", "score (%)": "score ---", "n" * 195: "n" * 190}


def test_refused_names_are_created_and_written_renamed(
    emulator_server: Any, tmp_path: Path
) -> None:
    token = f"names-{uuid.uuid4().hex}"
    traits = {"email": "ab@example.com", **{name: f"v-{i}" for i, name in enumerate(RENAMED)}}
    identify = {"type": "identify", "userId": "u-names", "traits": traits}
    group = {"type": "group", "userId": "u-names", "groupId": "g-1", "traits": {"region:eu": True}}
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(json.dumps(event) for event in (identify, group)) + "\n")
    args = [str(source), "--base-url", emulator_server.url, "--token", token, "--json"]
    result = CliRunner().invoke(
        main, ["send", *args, "--unknown-attribute-policy", "create"], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["delivered"], summary["adjusted"]) == (2, 2)
    contact = IntercomReader(emulator_server.url, token).contact("u-names")
    assert contact is not None
    expected = {renamed: f"v-{i}" for i, renamed in enumerate(RENAMED.values())}
    assert contact["custom_attributes"] == expected
    company = _get(emulator_server.url, token, "/companies", company_id="g-1")  # the company
    assert company["custom_attributes"] == {"region-eu": True}
    attributes = _get(emulator_server.url, token, "/data_attributes")["data"]
    created = {(item["model"], item["name"]) for item in attributes if item["custom"]}
    assert created == {("contact", name) for name in expected} | {("company", "region-eu")}


def _get(url: str, token: str, path: str, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    response = requests.get(url + path, params=params, headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()
