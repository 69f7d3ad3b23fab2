"""The inspector's views and its reset, without a browser (test_inspector_browser.py drives the
page in Chromium): requests split by kind and searched, pages kept within range, the picker's
labels, and the reset's access rules (CSRF token, the visitor's own workspace only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from emulator import create_app
from emulator.store.inspector import token_label
from emulator.store.inspector_journal import search_condition, subject
from emulator.store.paging import pages
from tests.conftest import ApiClient
from tests.intercom_errors import first_error

RESET = "/_emulator/inspector/reset"


def opened(client: ApiClient, query: str = "") -> tuple[Any, str]:
    """A browser of the client's workspace, and the page it sees at `query`."""
    browser = client.client.application.test_client()
    assert browser.get(f"/_emulator/?token={client.token}").status_code == 303
    return browser, browser.get(f"/_emulator/{query}").get_data(as_text=True)


def form_fields(page: str) -> dict[str, str]:
    form = page[page.index(f'action="{RESET}"') :]
    return dict(re.findall(r'name="(workspace|csrf_token)" value="([^"]*)"', form)[:2])


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-entry="(\d+)"', page)


@pytest.mark.parametrize(
    ("token", "label"),
    [("ci-token", "ci-…ken"), ("inspector-0123456789", "ins…789"), ("short", "s…"), ("ab", "a…")],
)
def test_a_token_is_labelled_by_its_ends_never_whole(token, label):
    assert token_label(token) == label


def test_the_picker_shows_config_names_and_token_ends_not_ids(tmp_path: Path) -> None:
    declared = [{"name": "Acme <staging>", "tokens": ["acme-secret-1"], "settings": {}}]
    app = create_app(
        {"DATABASE": str(tmp_path / "e.db"), "ADMIN_TOKEN": "s3cret", "WORKSPACES": declared}
    )
    ApiClient(app.test_client(), "ci-token").get("/me")
    browser = app.test_client()
    browser.get("/_emulator/?admin_token=s3cret")
    page = browser.get("/_emulator/").get_data(as_text=True)
    picker = page[page.index('id="picker"') : page.index("</select>")]
    labels = [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", picker)]
    assert sorted(labels) == ["Acme &lt;staging&gt;", "ci-…ken"]
    assert "ci-token" not in page and "acme-secret-1" not in page


def test_requests_are_split_by_kind(client: ApiClient) -> None:
    client.patch("/_emulator/settings", json={"metadata_key_limit": 1})
    client.post("/contacts", json={"external_id": "u1"})
    event = {"event_name": "clicked", "user_id": "u1", "created_at": 1_700_000_000}
    assert client.post("/events", json={**event, "metadata": {"a": 1, "b": 2}}).status_code == 202
    assert client.get("/contacts/nope", check=False).status_code == 404
    fault = {"method": "GET", "path": "/tags", "status": 429, "times": 1}
    client.post("/_emulator/faults", json=fault)
    assert client.get("/tags", check=False).status_code == 429  # a fault's 429, not the limit's
    _, page = opened(client)
    counts = dict(re.findall(r'data-kind="(\w+)".*?<span class="count">(\d+)</span>', page, re.S))
    assert counts == {"all": "4", "refused": "1", "warnings": "1", "limited": "0", "faults": "1"}
    browser, warnings = opened(client, "?kind=warnings")
    assert len(rows(warnings)) == 1 and "metadata keys dropped" in warnings
    faults = browser.get("/_emulator/?kind=faults").get_data(as_text=True)
    assert len(rows(faults)) == 1 and "fault #" in faults


def test_search_reads_a_status_a_path_a_method_or_text() -> None:
    assert search_condition("404") == ("status = ?", [404])
    assert search_condition("5xx") == ("status BETWEEN ? AND ?", [500, 599])
    assert search_condition("/contacts") == ("path LIKE ? ESCAPE '\\'", ["%/contacts%"])
    assert search_condition("post 4xx") == (
        "method = ? AND status BETWEEN ? AND ?",
        ["POST", 400, 499],
    )
    condition, params = search_condition("50%_off")
    assert "request_body LIKE ?" in condition and params[0] == "%50\\%\\_off%"


def test_a_request_is_named_by_what_it_was_about() -> None:
    assert subject({"event_name": "signed-up", "user_id": "u1"}) == 'event_name: "signed-up"'
    assert subject({"email": "a@example.com", "name": "A"}) == 'email: "a@example.com"'
    assert subject({"email": True, "id": 7}) == "id: 7"
    assert subject(["not", "an", "object"]) is None
    assert subject({"name": "x" * 500}).endswith("…")


@pytest.mark.parametrize(
    ("total", "asked", "number", "first", "last"),
    [
        (0, 1, 1, 0, 0),
        (60, 2, 2, 26, 50),
        (60, 9, 3, 51, 60),
        (60, 0, 1, 1, 25),
    ],
)
def test_a_page_is_kept_within_range(total, asked, number, first, last):
    shown = pages(total, asked)
    assert (shown["number"], shown["first_row"], shown["last_row"]) == (number, first, last)


def test_an_unusable_page_number_shows_the_first_page(client: ApiClient) -> None:
    for n in range(30):
        client.post("/contacts", json={"external_id": f"u{n}"})
    browser, first = opened(client)
    for asked in ("abc", "-1", "99999999999999999999", "0"):
        page = browser.get(f"/_emulator/?page={asked}").get_data(as_text=True)
        assert rows(page) == rows(first)
    last = browser.get("/_emulator/?page=7").get_data(as_text=True)
    assert "page 2 of 2" in last and len(rows(last)) == 5


def test_the_reset_needs_its_csrf_token_and_empties_that_workspace_only(
    client: ApiClient, other_client: ApiClient
) -> None:
    client.post("/contacts", json={"email": "mine@example.com"})
    other_client.post("/contacts", json={"email": "theirs@example.com"})
    theirs = other_client.get("/me").get_json()["app"]["id_code"]
    browser, page = opened(client)
    fields = form_fields(page)
    for forged in ({"workspace": fields["workspace"]}, {**fields, "csrf_token": "0" * 64}):
        first_error(browser.post(RESET, data=forged), 403, "forbidden")
    first_error(browser.post(RESET, data={**fields, "workspace": theirs}), 404, "not_found")
    assert client.get("/contacts").get_json()["total_count"] == 1
    done = browser.post(RESET, data=fields)
    assert done.status_code == 303 and "notice=" in done.headers["Location"]
    assert client.get("/contacts").get_json()["total_count"] == 0
    assert other_client.get("/contacts").get_json()["total_count"] == 1
    assert client.get("/me").get_json()["app"]["id_code"] == fields["workspace"]  # token kept


def test_without_a_session_the_reset_is_refused(app: Flask, client: ApiClient) -> None:
    client.post("/contacts", json={"email": "kept@example.com"})
    workspace = client.get("/me").get_json()["app"]["id_code"]
    stranger = app.test_client().post(RESET, data={"workspace": workspace, "csrf_token": "x"})
    assert stranger.status_code == 403
    assert client.get("/contacts").get_json()["total_count"] == 1
