"""Issue 14 items 6, 8 and 12: placeholder tokens are 401, `Unstable`/`Preview` run under the
newest emulated version's rules, and the web Messenger answers browsers' CORS; in process and
through a real `emulator serve`."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.intercom_errors import first_error

PLACEHOLDERS = ["undefined", "null", "None", "NULL", "nil"]


@pytest.mark.parametrize("token", PLACEHOLDERS)
def test_a_placeholder_token_is_401_never_a_workspace(app, token):
    """An unset variable in the caller (JavaScript's `undefined`/`null`, Python's `None`) is not
    a token Intercom knows: 401 `unauthorized` "Access Token Invalid" (intercom-api-facts.md
    §2, the 401 row)."""
    browser = app.test_client()
    for path in ("/me", "/_emulator/settings"):
        response = browser.get(path, headers={"Authorization": f"Bearer {token}"})
        first_error(response, 401, "unauthorized", "Access Token Invalid")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer    "])
def test_an_empty_token_is_401(app, header):
    response = app.test_client().get("/me", headers={"Authorization": header})
    first_error(response, 401, "unauthorized", "Access Token Invalid")


@pytest.mark.parametrize("name", ["Unstable", "Preview"])
def test_prerelease_versions_run_under_the_newest_rules(client, name):
    """2.11's `Intercom-Version` enum lists `Preview` (api.intercom.io.yaml 2.11, the
    `intercom_version` schema); the Node SDK offers `Unstable`. Both are accepted and answer
    as 2.16 does: a merge of contacts that are not duplicates is 400 `invalid_merge`
    (2.16 "Merge a lead and a user"), where 2.11 merges them."""
    assert client.get("/me", headers={"Intercom-Version": name}).status_code == 200
    lead = client.post("/contacts", json={"role": "lead", "email": "lead@example.org"}).get_json()
    user = client.post("/contacts", json={"external_id": "u1", "email": "u@example.org"}).get_json()
    merged = client.post(
        "/contacts/merge",
        json={"from": lead["id"], "into": user["id"]},
        headers={"Intercom-Version": name},
        check=False,
    )
    assert merged.status_code == 400
    assert merged.get_json()["errors"][0]["code"] == "invalid_merge"


@pytest.mark.parametrize("name", ["Unstable", "Preview"])
def test_a_prerelease_version_can_be_the_workspace_default(client, name):
    """The settings' `default_version` takes every version a request may name (the contract
    suite found `Preview` refused there while `Intercom-Version` accepted it); requests with no
    header then run under the newest rules, as the header would."""
    assert client.patch("/_emulator/settings", json={"default_version": name}).status_code == 200
    lead = client.post("/contacts", json={"role": "lead", "email": "lead@example.org"}).get_json()
    user = client.post("/contacts", json={"external_id": "u1", "email": "u@example.org"}).get_json()
    merged = client.post(
        "/contacts/merge", json={"from": lead["id"], "into": user["id"]}, check=False
    )
    assert merged.get_json()["errors"][0]["code"] == "invalid_merge"


def test_a_messenger_preflight_is_answered_and_every_answer_allows_the_origin(app, client):
    """The web Messenger runs in the customer's page, on another origin than Intercom's API:
    a browser's preflight gets 204 with the allowed method and headers, and the answers
    (refusals too) carry `Access-Control-Allow-Origin` so the page can read them."""
    browser = app.test_client()
    preflight = browser.options(
        "/messenger/web/ping",
        headers={
            "Origin": "http://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type"
    app_id = client.get("/me").get_json()["app"]["id_code"]
    pinged = browser.post("/messenger/web/ping", data={"app_id": app_id, "user_data": "{}"})
    assert pinged.status_code == 200
    assert pinged.headers["Access-Control-Allow-Origin"] == "*"
    refused = browser.post("/messenger/web/ping", data={"app_id": "nope"})
    assert refused.status_code == 404 and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/me").headers  # the REST API: none


def test_served_tokens_versions_and_preflight(emulator_server):
    base = emulator_server.url
    for token in PLACEHOLDERS:
        refused = requests.get(
            f"{base}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        first_error(refused, 401, "unauthorized", "Access Token Invalid")
    with emulator_server.session(f"served-{uuid.uuid4().hex}", version="Preview") as session:
        assert session.get(f"{base}/me", timeout=30).status_code == 200
        app_id = session.get(f"{base}/me", timeout=30).json()["app"]["id_code"]
    preflight = requests.options(
        f"{base}/messenger/web/events",
        headers={"Origin": "http://shop.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert (
        preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    )
    pinged = requests.post(
        f"{base}/messenger/web/ping", data={"app_id": app_id, "user_data": "{}"}, timeout=30
    )
    assert pinged.status_code == 200 and pinged.headers["Access-Control-Allow-Origin"] == "*"
