"""The inspector page at `/_emulator/`, driven in a real browser (Debian's Chromium through
Playwright) against a real `emulator serve`: what the API stores shows up, archiving an event
name on the page frees a slot the API then uses, refused requests show why.

Chromium comes from the system (`apt-get install chromium`; `.ci/run` installs it). Without it
these tests skip, except in CI (`CI` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.testing import EmulatorProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the inspector's browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(":memory:", workers=1) as running:
        yield running


class Api:
    """One workspace on the server, through its own token."""

    def __init__(self, server: EmulatorProcess) -> None:
        self.url = server.url
        self.token = f"inspector-{uuid.uuid4().hex}"
        self.session = server.session(self.token)
        self.workspace_id = self.get("/me").json()["app"]["id_code"]
        # The page shows the workspace of the token it is opened with (a cookie keeps it).
        self.page_url = f"{self.url}/_emulator/?token={self.token}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url + path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request("POST", self.url + path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request("PATCH", self.url + path, **kwargs)


@pytest.fixture
def api(server: EmulatorProcess) -> Api:
    return Api(server)


def track(api: Api, name: str, user_id: str = "u1", **metadata: Any) -> int:
    body = {"event_name": name, "user_id": user_id, "created_at": 1_700_000_000}
    return api.post("/events", json={**body, "metadata": metadata}).status_code


def fill_workspace(api: Api) -> None:
    attribute = {"name": "plan_tier", "model": "contact", "data_type": "string"}
    api.post("/data_attributes", json=attribute)
    company = {"company_id": "acme", "name": "Acme Inc", "plan": "enterprise"}
    acme = api.post("/companies", json=company).json()
    ada = {"external_id": "u1", "email": "ada@example.com", "name": "Ada Lovelace"}
    ada = api.post("/contacts", json={**ada, "custom_attributes": {"plan_tier": "pro"}}).json()
    api.post("/contacts", json={"external_id": "u2", "email": "grace@example.com", "name": "Grace"})
    api.post(f"/contacts/{ada['id']}/companies", json={"id": acme["id"]})
    api.post("/tags", json={"name": "VIP", "users": [{"id": ada["id"]}]})
    track(api, "signed-up", plan="pro")
    track(api, "invited-teammate", user_id="u2", **{f"key_{n}": n for n in range(7)})
    api.post("/contacts", json={"external_id": "u1"})  # a duplicate: refused with 409


def test_data_created_through_the_api_appears_on_the_page(page, api):
    fill_workspace(api)
    page.goto(api.page_url)
    contacts = page.locator("#contacts")
    assert "ada@example.com" in contacts.inner_text()
    assert 'plan_tier="pro"' in contacts.inner_text()
    assert "Acme Inc" in page.locator("#companies").inner_text()
    assert "plan_tier" in page.locator("#data-attributes").inner_text()
    assert "VIP" in page.locator("#tags").inner_text()
    assert "2 of 120 active" in page.locator("#event-names").inner_text()
    assert "signed-up" in page.locator("#events").inner_text()
    requests_text = page.locator("#requests").inner_text()
    assert "POST /contacts" in requests_text and "accepted" in requests_text
    assert "conflict" in requests_text and "metadata keys dropped" in requests_text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inspector.png"), full_page=True)


def test_archiving_on_the_page_frees_a_slot_the_api_then_uses(page, api):
    assert api.patch("/_emulator/settings", json={"event_name_limit": 2}).status_code == 200
    api.post("/contacts", json={"external_id": "u1"})
    assert [track(api, "first"), track(api, "second"), track(api, "third")] == [202, 202, 422]

    page.goto(api.page_url)
    usage = page.locator("#event-name-usage")
    assert usage.inner_text() == "2 of 2 active"
    page.locator('tr[data-name="first"] button', has_text="Archive").click()
    page.wait_for_url(re.compile(r"#event-names$"))
    assert usage.inner_text() == "1 of 2 active"
    assert "archived" in page.locator('tr[data-name="first"]').inner_text()

    assert track(api, "third") == 202
    page.reload()
    assert usage.inner_text() == "2 of 2 active"
    # Every slot is taken again, so bringing "first" back is refused, and the page says why.
    page.locator('tr[data-name="first"] button', has_text="Unarchive").click()
    page.wait_for_url(re.compile(r"notice="))
    assert "Cannot have more than 2 active event names" in page.locator(".notice").inner_text()


def test_a_refused_request_shows_its_reason_and_warnings_in_the_journal(page, api):
    api.patch("/_emulator/settings", json={"metadata_key_limit": 1})
    page.goto(api.page_url)  # open first: the page must pick the requests up by itself
    assert api.post("/contacts", json={"email": 42}).status_code == 400
    api.post("/contacts", json={"external_id": "u1"})
    track(api, "clicked", colour="red", size="xl")

    refused = page.locator("#requests tr.refused").first
    refused.wait_for()  # appears through the page's own refresh, without a reload
    assert "parameter_invalid" in refused.inner_text()
    assert "email must be a string" in refused.inner_text()
    warning = page.locator("#requests .warning").first
    warning.wait_for()
    assert "metadata keys dropped" in warning.inner_text()

    page.locator("#requests .tabs a", has_text="Refused").click()
    rows = page.locator("#requests tbody tr")
    assert rows.count() == 1 and "400" in rows.first.inner_text()


def test_search_box_filters_contacts_and_survives_the_refresh(page, api):
    fill_workspace(api)
    page.goto(api.page_url)
    search = page.locator("#contacts input[type=search]")
    search.fill("grace")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=grace"))
    rows = page.locator("#contacts tbody tr")
    assert rows.count() == 1 and "grace@example.com" in rows.first.inner_text()
    search.fill("ad")  # half-typed, not submitted
    api.post("/contacts", json={"email": "grace.hopper@example.com"})
    page.locator("#contacts", has_text="grace.hopper@example.com").wait_for()  # a refresh came
    assert search.input_value() == "ad"
    assert search.evaluate("element => element === document.activeElement")


def test_the_bearer_tokens_workspace_is_shown_without_a_workspace_id(page, api):
    api.post("/contacts", json={"email": "token@example.com"})
    page.set_extra_http_headers({"Authorization": api.session.headers["Authorization"]})
    page.goto(f"{api.url}/_emulator/")
    assert "token@example.com" in page.locator("#contacts").inner_text()


def test_an_empty_server_shows_the_first_workspace_once_it_exists(page):
    with EmulatorProcess(":memory:", "--admin-token", "s3cret", workers=1) as empty:
        page.goto(f"{empty.url}/_emulator/?admin_token=s3cret")
        assert "No workspace yet" in page.locator("#welcome").inner_text()
        first = empty.session("first-token")
        first.post(f"{empty.url}/contacts", json={"email": "new@example.com"})
        page.locator("#contacts", has_text="new@example.com").wait_for()


# --- without a browser -------------------------------------------------------------------------


def test_an_unknown_workspace_says_so(server):
    response = server.session("unknown-check").get(f"{server.url}/_emulator/?workspace=nope")
    assert response.status_code == 200
    assert "No workspace with id" in response.text


def test_the_page_needs_the_admin_token_when_the_server_has_one():
    with EmulatorProcess(":memory:", "--admin-token", "s3cret", workers=1) as guarded:
        locked = requests.get(f"{guarded.url}/_emulator/")
        assert locked.status_code == 403 and "admin_token=" in locked.text
        browser_like = requests.Session()
        opened = browser_like.get(f"{guarded.url}/_emulator/?admin_token=s3cret")
        assert opened.status_code == 200 and "admin_token" not in opened.url  # kept in a cookie
        assert browser_like.get(f"{guarded.url}/_emulator/").status_code == 200
        forged = requests.post(
            f"{guarded.url}/_emulator/inspector/event_names/x/archive", data={"workspace": "w"}
        )
        assert forged.status_code == 403
        # The cookie proves the token was given; it does not hold it.
        assert all("s3cret" not in cookie.value for cookie in browser_like.cookies)
