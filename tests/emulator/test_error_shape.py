"""Every error path answers Intercom's `error.list` body with the right status, and nothing else.

One place pins the shape (as datasette's test_error_shape does): if a path ever answers HTML, a
bare string or a 500, this file says which.
"""

from __future__ import annotations

import uuid

import pytest

from emulator import create_app
from emulator.limits import MAX_BODY_BYTES
from tests.conftest import ApiClient
from tests.intercom_errors import only_error

DATA_ATTRIBUTE = {"name": "plan_tier", "model": "contact", "data_type": "string"}


def assert_error_list(response, status: int, code: str, message: str | None = None) -> dict:
    """The shape in full: JSON, exactly these keys, a request id, one error with a message."""
    error = only_error(response, status, code=code)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"type", "request_id", "errors"}
    uuid.UUID(body["request_id"])
    assert isinstance(error["message"], str) and error["message"]
    if message is not None:
        assert error["message"] == message
    return error


def test_missing_token_is_401(app):
    response = app.test_client().get("/me")
    assert_error_list(response, 401, "unauthorized", "Access Token Invalid")
    assert "X-RateLimit-Limit" not in response.headers


def test_non_bearer_authorization_is_401(app):
    response = app.test_client().get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error_list(response, 401, "unauthorized", "Access Token Invalid")


def test_unknown_token_is_401_when_tokens_are_restricted(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "TOKENS": ["good"]})
    assert app.test_client().get("/me", headers={"Authorization": "Bearer good"}).status_code == 200
    response = app.test_client().get("/me", headers={"Authorization": "Bearer bad"})
    assert_error_list(response, 401, "unauthorized", "Access Token Invalid")


def test_unknown_version_is_400(client):
    response = client.get("/me", headers={"Intercom-Version": "9.9"}, check=False)
    error = assert_error_list(response, 400, "intercom_version_invalid")
    assert error["message"] == "Requested resource is not available in current API version."


def test_unknown_route_is_404(client):
    response = client.get("/no/such/thing", check=False)
    assert_error_list(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/me"), ("PATCH", "/contacts/abc"), ("DELETE", "/events"), ("PUT", "/tags")],
)
def test_a_method_intercom_does_not_take_is_404_as_an_unknown_route(client, method, path):
    """Intercom's 2.17 "HTTP responses" page: an unsupported HTTP method gives 404
    (reference/intercom-api-facts.md §1, [DOC-HTTP]); its older table lists 405 among the codes
    "often used" without saying when. The emulator follows the specific, newer statement."""
    response = client.request(method, path, check=False)
    error = assert_error_list(response, 404, "not_found")
    assert (
        error["message"]
        == client.get("/no/such/thing", check=False).get_json()["errors"][0]["message"]
    )
    assert "Allow" not in response.headers


def test_the_emulators_own_paths_keep_405_with_allow(client):
    """The control API is the emulator's own: HTTP's 405 with `Allow` there."""
    response = client.request("DELETE", "/_emulator/health", check=False)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post(
        "/data_attributes", data='{"name": ', content_type="application/json", check=False
    )
    error = assert_error_list(response, 400, "parameter_invalid")
    assert error["message"].startswith("The request body is not valid JSON")


def test_invalid_utf8_is_400(client):
    response = client.post(
        "/data_attributes", data=b'{"name": "\xff"}', content_type="application/json", check=False
    )
    assert_error_list(response, 400, "parameter_invalid", "The request body is not valid UTF-8")


def test_json_that_is_not_an_object_is_400(client):
    response = client.post("/data_attributes", json=[1, 2], check=False)
    assert_error_list(response, 400, "parameter_invalid", "The request body must be a JSON object")


def test_deeply_nested_json_is_400(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/data_attributes", data=body, content_type="application/json", check=False
    )
    assert_error_list(response, 400, "parameter_invalid")


def test_wrong_content_type_is_415(client):
    response = client.post(
        "/data_attributes",
        data="name=x",
        content_type="application/x-www-form-urlencoded",
        check=False,
    )
    assert_error_list(response, 415, "unsupported_media_type")


def test_body_too_large_is_413(client):
    response = client.post(
        "/data_attributes",
        data=b" " * (MAX_BODY_BYTES + 1),
        content_type="application/json",
        check=False,
    )
    assert_error_list(response, 413, "request_too_large")


def test_unknown_top_level_key_is_400_bad_request(client):
    response = client.post("/data_attributes", json={**DATA_ATTRIBUTE, "test": 1}, check=False)
    error = assert_error_list(response, 400, "bad_request", "bad 'test' parameter")
    assert error["field"] == "test"


def test_missing_required_field_is_400(client):
    body = {key: value for key, value in DATA_ATTRIBUTE.items() if key != "model"}
    response = client.post("/data_attributes", json=body, check=False)
    error = assert_error_list(response, 400, "parameter_not_found")
    assert error["field"] == "model"


def test_wrong_type_is_400(client):
    response = client.post("/data_attributes", json={**DATA_ATTRIBUTE, "name": 7}, check=False)
    error = assert_error_list(response, 400, "parameter_invalid")
    assert error["field"] == "name"


def test_unacceptable_accept_header_is_406(client):
    response = client.get("/me", headers={"Accept": "text/html"}, check=False)
    assert_error_list(response, 406, "not_acceptable")


def test_rate_limit_is_429_with_headers(client):
    assert client.patch("/_emulator/settings", json={"rate_limit_app": 2}).status_code == 200
    assert client.get("/me").headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/me").headers["X-RateLimit-Remaining"] == "0"
    response = client.get("/me", check=False)
    assert_error_list(
        response, 429, "rate_limit_exceeded", "Exceeded rate limit of 2 in 10_seconds"
    )
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) % 10 == 0


def test_bad_setting_is_400(client):
    response = client.patch("/_emulator/settings", json={"event_name_limit": "many"})
    error = assert_error_list(response, 400, "parameter_invalid")
    assert error["field"] == "event_name_limit"


def test_unexpected_failure_is_500_error_list(app, token, monkeypatch):
    from emulator.store import admins

    def broken(ctx):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(admins, "me", broken)
    response = ApiClient(app.test_client(), token).get("/me", check=False)
    assert_error_list(response, 500, "server_error")


@pytest.mark.parametrize("path", ["/", "/contacts/../../etc/passwd", "/%00", "/me?x=" + "a" * 5000])
def test_odd_paths_never_answer_html(client, path):
    response = client.get(path, check=False)
    assert response.mimetype == "application/json"
    assert response.status_code < 500
