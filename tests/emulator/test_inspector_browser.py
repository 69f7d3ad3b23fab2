"""The inspector page at `/_emulator/`, driven in a real browser (Debian's Chromium through
Playwright) against a real `emulator serve`: what the API stores shows up, one section at a
time; long tables page; refused requests say what and why; warnings, rate limits and injected
faults each have their view; search, reset and archiving work; nothing scrolls sideways at
820 px, in light or dark mode. Screenshots at 1400 and 820 px go to each test's tmp dir.

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
WIDE, NARROW = 1400, 820


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
    context = browser.new_context(viewport={"width": WIDE, "height": 1000})
    context.set_default_timeout(10_000)
    yield context.new_page()  # a dialog no test listens for is dismissed
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


def shoot(page: Any, folder: Path, name: str) -> None:
    """Screenshots at both widths; at the narrow one, the page must not scroll sideways."""
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": WIDE, "height": 1000})


def assert_no_sideways_scroll(page: Any) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"{page.url}: {scroll_width} px wide in {inner_width}"


def open_section(page: Any, label: str) -> None:
    page.locator("nav.sections a", has_text=label).first.click()
    page.wait_for_selector(f'nav.sections a.on:has-text("{label}")')


def text(locator: Any) -> str:
    """What a user reads there, its white space made single spaces."""
    return " ".join(locator.inner_text().split())


def journal_rows(page: Any) -> Any:
    return page.locator("#requests tbody tr")


def test_each_section_is_a_tab_and_shows_what_the_api_stored(page, api, tmp_path):
    fill_workspace(api)
    never = {"method": "DELETE", "path": "/companies/*", "status": 503, "times": 2}
    assert api.post("/_emulator/faults", json=never).status_code == 200
    page.goto(api.page_url)
    assert page.locator("#requests").is_visible()  # the first section, without asking
    assert page.locator("#contacts").count() == 0  # one section at a time
    expected = [
        ("Contacts", "#contacts", ["ada@example.com", 'plan_tier="pro"']),
        ("Companies", "#companies", ["Acme Inc"]),
        ("Events", "#events", ["signed-up", "invited-teammate"]),
        ("Event names", "#event-names", ["2 of 120 active"]),
        ("Data attributes", "#data-attributes", ["plan_tier"]),
        ("Tags", "#tags", ["VIP"]),
        ("Settings & faults", "#settings", ["event_name_limit"]),
        ("Settings & faults", "#faults", ["/companies/*", "503"]),
    ]
    for label, selector, texts in expected:
        open_section(page, label)
        shown = page.locator(selector).inner_text()
        assert all(text in shown for text in texts), (label, shown)
        shoot(page, tmp_path, selector.removeprefix("#"))
    nav = text(page.locator("nav.sections"))
    assert "Contacts 2" in nav and "Companies 1" in nav
    open_section(page, "Requests")
    shown = page.locator("#requests").inner_text()
    assert "POST /contacts" in shown and "accepted" in shown and "conflict" in shown
    shoot(page, tmp_path, "requests")


def test_the_refused_121st_event_says_which_event_it_was(page, api, tmp_path):
    """Intercom keeps 120 active event names (intercom-api-facts.md section 7, [HC-EV]; the
    setting `event_name_limit`); the row of the one refused names it, bodies still folded."""
    api.post("/contacts", json={"external_id": "u1"})
    assert {track(api, f"step-{n:03}") for n in range(1, 121)} == {202}
    assert track(api, "step-121") == 422
    page.goto(api.page_url)
    refused = page.locator("#requests tr.refused").first
    assert refused.locator("details").get_attribute("open") is None  # bodies closed
    visible = refused.inner_text()
    assert 'event_name: "step-121"' in visible
    assert "unprocessable_entity" in visible and "more than 120 active event names" in visible
    assert "Refused 1" in text(page.locator("#request-kinds"))
    shoot(page, tmp_path, "refused")


def test_paging_moves_through_the_journal_and_the_contacts(page, api):
    for n in range(30):
        api.post("/contacts", json={"external_id": f"user-{n:02}"})
    page.goto(api.page_url)  # 31 requests: /me, then 30 contacts
    assert "1–25 of 31" in page.locator("nav.pager").inner_text()
    newest = journal_rows(page).first.get_attribute("data-entry")
    page.locator("nav.pager a", has_text="Older").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "26–31 of 31" in page.locator("nav.pager").inner_text()
    assert journal_rows(page).count() == 6
    assert newest not in [row.get_attribute("data-entry") for row in journal_rows(page).all()]
    assert "GET /me" in journal_rows(page).last.inner_text()  # the oldest request, last
    page.locator("nav.pager a", has_text="Newer").click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert journal_rows(page).first.get_attribute("data-entry") == newest

    open_section(page, "Contacts")
    assert page.locator("#contacts tbody tr").count() == 25
    page.locator("nav.pager a", has_text="Older").click()
    page.wait_for_url(re.compile(r"tab=contacts.*page=2|page=2.*tab=contacts"))
    rows = page.locator("#contacts tbody tr")
    assert rows.count() == 5 and "user-00" in rows.last.inner_text()


def test_search_finds_requests_by_text_path_and_status(page, api):
    fill_workspace(api)
    page.goto(api.page_url)
    search = page.locator("#requests input[type=search]")
    for query, expected in [
        ("grace@example.com", ["POST /contacts"]),  # text of a body
        ("409", ["409"]),  # a status
        ("POST /tags", ["POST /tags"]),  # a method and a path
        ("/data_attributes", ["POST /data_attributes"]),  # a path alone
    ]:
        search.fill(query)
        search.press("Enter")
        page.wait_for_url(re.compile(r"q="))
        rows = journal_rows(page).all()
        assert len(rows) == 1, (query, [row.inner_text() for row in rows])
        assert all(text in rows[0].inner_text() for text in expected)
    search.fill("4xx")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=4xx"))
    assert [row.locator(".pill").first.inner_text() for row in journal_rows(page).all()] == ["409"]
    page.locator("#request-kinds a", has_text="clear").click()
    page.wait_for_url(lambda url: "q=" not in url)
    assert journal_rows(page).count() > 5


def test_the_warnings_view_lists_the_202_that_dropped_metadata_keys(page, api, tmp_path):
    api.patch("/_emulator/settings", json={"metadata_key_limit": 1})
    api.post("/contacts", json={"external_id": "u1"})
    assert track(api, "clicked", colour="red", size="xl") == 202
    assert track(api, "viewed", colour="red") == 202
    page.goto(api.page_url)
    page.locator("#request-kinds a", has_text="Warnings").click()
    page.wait_for_url(re.compile(r"kind=warnings"))
    rows = journal_rows(page).all()
    assert len(rows) == 1
    text = rows[0].inner_text()
    assert "202" in text and 'event_name: "clicked"' in text and "metadata keys dropped" in text
    shoot(page, tmp_path, "warnings")
    page.locator("#request-kinds a", has_text="Refused").click()
    page.wait_for_url(re.compile(r"kind=refused"))
    assert "No refused requests" in page.locator("#requests").inner_text()


def test_rate_limits_and_injected_faults_are_counted_apart_from_refusals(page, api):
    fault = {"method": "GET", "path": "/tags", "status": 503, "times": 1}
    assert api.post("/_emulator/faults", json=fault).status_code == 200
    assert api.get("/tags").status_code == 503
    assert api.get("/contacts/nope").status_code == 404  # a refusal by Intercom's rules
    api.patch("/_emulator/settings", json={"rate_limit_app": 3})
    statuses = [api.get("/me").status_code for _ in range(5)]
    api.patch("/_emulator/settings", json={"rate_limit_app": 1666})
    limited = statuses.count(429)
    assert limited >= 1
    page.goto(api.page_url)
    kinds = text(page.locator("#request-kinds"))
    assert "Refused 1" in kinds and f"Rate-limited (429) {limited}" in kinds
    assert "Injected faults 1" in kinds
    for label, expected in [("Refused", ["404"]), ("Rate-limited", ["429"] * limited)]:
        page.locator("#request-kinds a", has_text=label).click()
        page.wait_for_url(re.compile(r"kind="))
        statuses_shown = [
            row.locator(".pill").first.inner_text() for row in journal_rows(page).all()
        ]
        assert statuses_shown == expected
    page.locator("#request-kinds a", has_text="Injected faults").click()
    page.wait_for_url(re.compile(r"kind=faults"))
    rows = journal_rows(page).all()
    assert len(rows) == 1 and "fault #" in rows[0].inner_text() and "503" in rows[0].inner_text()


def test_reset_asks_first_then_empties_the_workspace(page, api):
    fill_workspace(api)
    page.goto(api.page_url)
    reset = page.locator("form.reset button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    reset.click()
    assert api.get("/contacts").json()["total_count"] == 2  # dismissed: nothing happened
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    reset.click()
    page.wait_for_url(re.compile(r"notice="))
    assert "was reset" in page.locator(".notice").inner_text()
    assert asked and "Reset" in asked[0]
    assert api.get("/contacts").json()["total_count"] == 0
    assert "Contacts 0" in text(page.locator("nav.sections"))
    assert "ada@example.com" not in page.locator("#requests").inner_text()


def test_dark_mode_follows_the_system_and_nothing_scrolls_sideways(browser, api, tmp_path):
    fill_workspace(api)
    context = browser.new_context(viewport={"width": NARROW, "height": 1000}, color_scheme="dark")
    try:
        dark = context.new_page()
        dark.goto(api.page_url)
        background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(part) for part in re.findall(r"\d+", background)[:3])
        assert max(red, green, blue) < 60, background
        shoot(dark, tmp_path, "dark")
    finally:
        context.close()


def test_stored_text_is_shown_as_text_never_run(page, api):
    hostile = "<img src=x onerror=alert(1)>"
    api.post("/contacts", json={"external_id": "x1", "name": hostile})
    assert track(api, "<script>alert(2)</script>", user_id="x1") == 202
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(api.page_url)
    assert "<script>alert(2)</script>" in page.locator("#requests").inner_text()
    open_section(page, "Contacts")
    assert hostile in page.locator("#contacts").inner_text()
    open_section(page, "Events")
    assert "<script>alert(2)</script>" in page.locator("#events").inner_text()
    assert page.locator("#contacts img").count() == 0 and alerts == []


def test_archiving_on_the_page_frees_a_slot_the_api_then_uses(page, api):
    assert api.patch("/_emulator/settings", json={"event_name_limit": 2}).status_code == 200
    api.post("/contacts", json={"external_id": "u1"})
    assert [track(api, "first"), track(api, "second"), track(api, "third")] == [202, 202, 422]

    page.goto(api.page_url)
    open_section(page, "Event names")
    usage = page.locator("#event-name-usage")
    assert usage.inner_text() == "2 of 2 active"
    page.locator('tr[data-name="first"] button', has_text="Archive").click()
    page.wait_for_url(re.compile(r"tab=event-names"))
    page.locator("#event-name-usage", has_text="1 of 2 active").wait_for()
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
    assert "email: 42" in refused.inner_text()
    warning = page.locator("#requests .warning").first
    warning.wait_for()
    assert "metadata keys dropped" in warning.inner_text()

    page.locator("#request-kinds a", has_text="Refused").click()
    page.wait_for_url(re.compile(r"kind=refused"))
    rows = journal_rows(page)
    assert rows.count() == 1 and "400" in rows.first.inner_text()


def test_search_box_filters_contacts_and_survives_the_refresh(page, api):
    fill_workspace(api)
    page.goto(api.page_url)
    open_section(page, "Contacts")
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
    page.goto(f"{api.url}/_emulator/?tab=contacts")
    assert "token@example.com" in page.locator("#contacts").inner_text()


def test_the_picker_names_workspaces_by_config_name_or_token_ends(page, tmp_path):
    config = tmp_path / "emulator.toml"
    config.write_text('[[workspaces]]\nname = "Acme staging"\ntokens = ["acme-secret-1"]\n')
    with EmulatorProcess(
        ":memory:", "--config", str(config), "--admin-token", "s3cret", workers=1
    ) as admin:
        admin.session("ci-token").get(f"{admin.url}/me")
        page.goto(f"{admin.url}/_emulator/?admin_token=s3cret")
        options = page.locator("#picker option").all_inner_texts()
        assert sorted(option.strip() for option in options) == ["Acme staging", "ci-…ken"]
        assert "ci-token" not in page.content() and "acme-secret-1" not in page.content()
        page.locator("#picker select").select_option(label="Acme staging")
        page.locator("h2", has_text="Acme staging").wait_for()


def test_an_empty_server_shows_the_first_workspace_once_it_exists(page):
    with EmulatorProcess(":memory:", "--admin-token", "s3cret", workers=1) as empty:
        page.goto(f"{empty.url}/_emulator/?admin_token=s3cret")
        assert "No workspace yet" in page.locator("#welcome").inner_text()
        first = empty.session("first-token")
        first.post(f"{empty.url}/contacts", json={"email": "new@example.com"})
        page.locator("#requests", has_text="new@example.com").wait_for()


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
