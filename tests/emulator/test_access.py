"""The front door (emulator.access): one accepted-token rule and one workspace per token, for
the API and the control API alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import create_app
from tests.intercom_errors import first_error


@pytest.fixture
def restricted(tmp_path: Path):
    config = {
        "DATABASE": str(tmp_path / "restricted.db"),
        "TOKENS": ["listed"],
        "WORKSPACES": [{"name": "Acme", "tokens": ["acme-1", "acme-2"], "settings": {}}],
    }
    return create_app(config).test_client()


@pytest.mark.parametrize("path", ["/me", "/_emulator/settings", "/_emulator/journal"])
@pytest.mark.parametrize("token", ["stranger", ""])
def test_a_refused_token_is_refused_by_the_api_and_the_control_api_alike(restricted, path, token):
    response = restricted.get(path, headers={"Authorization": f"Bearer {token}"})
    first_error(response, 401, "unauthorized", "Access Token Invalid")


@pytest.mark.parametrize("token", ["listed", "acme-1", "acme-2"])
def test_listed_and_declared_tokens_pass_both_doors(restricted, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert restricted.get("/me", headers=headers).status_code == 200
    assert restricted.get("/_emulator/settings", headers=headers).status_code == 200


def test_the_control_api_and_the_api_see_the_same_workspace(client):
    first_seen_by_control = client.get("/_emulator/settings").get_json()
    assert client.get("/_emulator/journal").get_json()["data"] == []
    app = client.get("/me").get_json()["app"]
    assert app["id_code"] == client.post("/_emulator/reset").get_json()["reset"]
    assert client.get("/_emulator/settings").get_json() == first_seen_by_control
