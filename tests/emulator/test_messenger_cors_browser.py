"""The web Messenger's CORS in a real browser (Debian's Chromium through Playwright, as
test_inspector_browser.py): a page served from another loopback origin posts to
`/messenger/web/ping` of a real `emulator serve` with a header that forces a preflight, and
reads the answer; a browser blocks exactly that unless the preflight and the answer allow it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emulator.testing import EmulatorProcess
from tests.emulator.test_inspector_browser import browser  # noqa: F401 (the shared Chromium)

SHOP_PAGE = b"<!doctype html><title>shop</title><p>a customer's site</p>"


class _Shop(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(SHOP_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def shop() -> Iterator[str]:
    """A customer's site on another loopback port: another origin than the emulator's."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


FETCH = """async ([url, appId]) => {
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded", "X-Shop-Widget": "1"},
    body: new URLSearchParams({app_id: appId, user_data: JSON.stringify({user_id: "shopper"})}),
  });
  return {status: response.status, body: await response.json()};
}"""


def test_a_page_on_another_origin_calls_the_messenger(browser, shop, tmp_path):  # noqa: F811
    with EmulatorProcess(tmp_path / "cors.db", workers=1) as server:
        with server.session(f"cors-{uuid.uuid4().hex}") as api:
            app_id = api.get(f"{server.url}/me", timeout=30).json()["app"]["id_code"]
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(shop)
            answer = page.evaluate(FETCH, [f"{server.url}/messenger/web/ping", app_id])
        finally:
            context.close()
    assert answer["status"] == 200
    assert answer["body"]["user"]["user_id"] == "shopper"
