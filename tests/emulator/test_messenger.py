"""The web Messenger's ping and events: booting users, custom attributes it creates, identity
verification, and the cap on active event names."""

from __future__ import annotations

import hashlib
import hmac
import json

import jsonschema
import pytest

from emulator import openapi
from tests.conftest import ApiClient
from tests.intercom_errors import only_error

T0 = 1_700_000_000
SECRET = "s3cret"
DESCRIPTION = openapi.load()
IV_FAILED = {
    "code": "hmac_mismatch",
    "message": "Failed Identity Verification check",
    "field": "user_hash",
}


def user_hash(subject, secret=SECRET):
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def app_id(client):
    return client.get("/me").get_json()["app"]["id_code"]


@pytest.fixture
def browser(app):
    """A client with no bearer token, as a browser is."""
    return app.test_client()


@pytest.fixture
def legacy(app, token):
    return ApiClient(app.test_client(), token, version="1.4")


@pytest.fixture
def enforced(client):
    changes = {"identity_verification": "enforced", "identity_verification_secret": SECRET}
    assert client.patch("/_emulator/settings", json=changes).status_code == 200


@pytest.fixture
def frozen(client):
    assert client.post("/_emulator/clock", json={"freeze": True, "at": T0}).status_code == 200


def ping(browser, app_id, **user_data):
    form = {"app_id": app_id, "user_data": json.dumps(user_data), "v": "3", "platform": "web"}
    return browser.post("/messenger/web/ping", data=form)


def track(browser, app_id, name="clicked", user_data=None, **fields):
    form = {"app_id": app_id, "event_name": name, **fields}
    form["user_data"] = json.dumps({"user_id": "u1"} if user_data is None else user_data)
    return browser.post("/messenger/web/events", data=form)


def described(response, schema):
    """A 200 whose body matches the schema emulator/description/ gives it."""
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    reference = {"$ref": f"#/components/schemas/{schema}"}
    jsonschema.validate(body, {**reference, "components": DESCRIPTION["components"]})
    return body


def booted(response):
    return described(response, "messenger_ping_response")


def contacts(client):
    return client.get("/contacts").get_json()["data"]


def events_of(client, user_id="u1"):
    listed = client.get(f"/events?type=user&user_id={user_id}", check=False).get_json()
    return [(e["event_name"], e["created_at"], e["metadata"]) for e in listed["events"]]


# --- ping -------------------------------------------------------------------------------------


def test_ping_boots_a_user(browser, app_id, client, legacy, frozen):
    body = booted(
        ping(
            browser,
            app_id,
            user_id="u1",
            email="Mal@Serenity.io",
            name="Mal",
            created_at=1392731331,
            plan="captain",  # intercomSettings style: a top-level custom attribute
            custom_attributes={"crew": 9},
            company={"company_id": "c1", "name": "Serenity", "created_at": 1300000000, "ships": 1},
            hide_default_launcher=True,  # a Messenger setting, not an attribute
        )
    )
    assert body["type"] == "messenger.ping"
    assert body["app"]["id_code"] == app_id and body["app"]["name"]
    contact = contacts(client)[0]
    assert body["user"] == {
        "id": contact["id"],
        "user_id": "u1",
        "email": "mal@serenity.io",
        "anonymous": False,
    }
    assert (contact["name"], contact["signed_up_at"], contact["last_seen_at"]) == (
        "Mal",
        1392731331,
        T0,
    )
    assert contact["custom_attributes"] == {"plan": "captain", "crew": 9}
    user = legacy.get("/users?user_id=u1").get_json()
    assert user["session_count"] == 1
    assert [c["company_id"] for c in user["companies"]["companies"]] == ["c1"]
    company = client.get(f"/companies/{user['companies']['companies'][0]['id']}", check=False)
    assert company.get_json()["custom_attributes"] == {"ships": 1}
    assert company.get_json()["remote_created_at"] == 1300000000
    listed = [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]]
    assert {(a["model"], a["name"], a["data_type"]) for a in listed} == {
        ("contact", "plan", "string"),
        ("contact", "crew", "integer"),
        ("company", "ships", "integer"),
    }


def test_ping_updates_the_user_found_by_user_id_then_email(browser, app_id, client):
    first = booted(ping(browser, app_id, email="a@x.io"))["user"]
    second = booted(ping(browser, app_id, user_id="u1", email="a@x.io", name="A"))["user"]
    third = booted(ping(browser, app_id, user_id="u1", name="B"))["user"]
    assert first["id"] == second["id"] == third["id"]
    assert [(c["external_id"], c["name"]) for c in contacts(client)] == [("u1", "B")]


def test_an_anonymous_visitor_is_answered_and_not_stored(browser, app_id, client):
    body = booted(ping(browser, app_id, hide_default_launcher=False))
    assert body["user"] == {"id": None, "user_id": None, "email": None, "anonymous": True}
    assert contacts(client) == []


@pytest.mark.parametrize("form", [{"app_id": "nosuchap"}, {}])
def test_an_unknown_app_is_404(browser, form):
    response = browser.post("/messenger/web/ping", data={**form, "user_data": "{}"})
    assert only_error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize("user_data", ["{not json", "[1, 2]", '"text"'])
def test_user_data_must_be_a_json_object(browser, app_id, user_data):
    form = {"app_id": app_id, "user_data": user_data}
    error = only_error(browser.post("/messenger/web/ping", data=form), 400)
    assert (error["code"], error["field"]) == ("parameter_invalid", "user_data")


@pytest.mark.parametrize(
    ("attributes", "name"),
    [({"bio": "x" * 256}, "bio"), ({"tags": ["a"]}, "tags"), ({"a.b": 1}, "a.b")],
)
def test_custom_attribute_refusals_name_the_attribute_and_store_nothing(
    browser, app_id, client, attributes, name
):
    response = ping(browser, app_id, user_id="u1", **attributes)
    error = only_error(response, 400)
    assert error["field"] == f"custom_attributes.{name}" and f"'{name}'" in error["message"]
    assert contacts(client) == []
    assert [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]] == []


def test_the_messenger_is_not_rate_limited(browser, app_id, client):
    assert client.patch("/_emulator/settings", json={"rate_limit_app": 1}).status_code == 200
    for _ in range(3):
        response = ping(browser, app_id, user_id="u1")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def test_pings_are_journaled(browser, app_id, client):
    ping(browser, app_id, user_id="u1")
    newest = client.get("/_emulator/journal").get_json()["data"][0]
    assert (newest["method"], newest["path"], newest["status"]) == (
        "POST",
        "/messenger/web/ping",
        200,
    )


# --- identity verification --------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_data",
    [
        {"user_id": "u1"},  # no user_hash
        {"user_id": "u1", "user_hash": ""},
        {"user_id": "u1", "user_hash": "0" * 64},
        {"user_id": "u1", "user_hash": user_hash("u1", secret="another")},
        # the user_id takes preference over the email [HC-IV]
        {"user_id": "u1", "email": "a@x.io", "user_hash": user_hash("a@x.io")},
        {"email": "a@x.io", "user_hash": user_hash("A@x.io")},
        {"user_id": "u1", "user_hash": 12345},
    ],
)
def test_enforced_verification_refuses_a_missing_or_wrong_hash(
    browser, app_id, client, enforced, user_data
):
    response = ping(browser, app_id, **user_data, plan="pro")
    assert only_error(response, 403) == IV_FAILED
    assert contacts(client) == []
    assert [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]] == []


@pytest.mark.parametrize(
    "user_data",
    [
        {"user_id": "u1", "user_hash": user_hash("u1")},
        {"user_id": "u1", "user_hash": user_hash("u1").upper()},
        {"user_id": "u1", "email": "a@x.io", "user_hash": user_hash("u1")},
        {"email": "a@x.io", "user_hash": user_hash("a@x.io")},
        {},  # anonymous visitors are not verified
    ],
)
def test_enforced_verification_accepts_the_right_hash(browser, app_id, enforced, user_data):
    booted(ping(browser, app_id, **user_data))


def test_the_hash_is_compared_in_constant_time(browser, app_id, enforced, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(given, expected):
        calls.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    booted(ping(browser, app_id, user_id="u1", user_hash=user_hash("u1")))
    assert calls == [(user_hash("u1").encode(), user_hash("u1").encode())]


def test_without_enforcement_user_hash_is_ignored(browser, app_id, client):
    booted(ping(browser, app_id, user_id="u1", user_hash="wrong"))
    assert [c["external_id"] for c in contacts(client)] == ["u1"]
    assert contacts(client)[0]["custom_attributes"] == {}


# --- events -----------------------------------------------------------------------------------


def test_an_event_is_recorded_for_the_booted_user(browser, app_id, client, frozen):
    booted(ping(browser, app_id, user_id="u1"))
    metadata = json.dumps({"price": {"amount": 1000, "currency": "usd"}, "coupon": "X"})
    response = track(browser, app_id, "Order.Completed", metadata=metadata)
    assert described(response, "messenger_event") == {
        "type": "event",
        "event_name": "order-completed",
        "created_at": T0,
    }
    assert track(browser, app_id, "viewed", created_at=str(T0 - 5)).status_code == 200
    assert events_of(client) == [
        ("order-completed", T0, {"price": {"amount": 1000, "currency": "usd"}, "coupon": "X"}),
        ("viewed", T0 - 5, {}),
    ]


def test_an_event_finds_the_user_by_email(browser, app_id, client, frozen):
    booted(ping(browser, app_id, user_id="u1", email="a@x.io"))
    assert track(browser, app_id, user_data={"email": "A@x.io"}).status_code == 200
    assert [name for name, _, _ in events_of(client)] == ["clicked"]


@pytest.mark.parametrize("user_data", [{"user_id": "nobody"}, {"email": "no@x.io"}, {}])
def test_an_event_for_an_unknown_user_is_404(browser, app_id, user_data):
    error = only_error(track(browser, app_id, user_data=user_data), 404)
    assert (error["code"], error["message"]) == ("not_found", "User Not Found")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"created_at": "yesterday"}, "created_at"),
        ({"metadata": "{broken"}, "metadata"),
        ({"metadata": json.dumps({"nested": {"a": 1}})}, "metadata.nested"),
    ],
)
def test_bad_events_are_refused(browser, app_id, client, fields, field):
    booted(ping(browser, app_id, user_id="u1"))
    error = only_error(track(browser, app_id, **fields), 400)
    assert error["field"] == field
    assert events_of(client) == []


def test_event_names_past_the_cap_are_422(browser, app_id, client, frozen):
    assert client.patch("/_emulator/settings", json={"event_name_limit": 2}).status_code == 200
    booted(ping(browser, app_id, user_id="u1"))
    assert track(browser, app_id, "one").status_code == 200
    assert track(browser, app_id, "two").status_code == 200
    error = only_error(track(browser, app_id, "three"), 422)
    assert error["message"] == "Cannot have more than 2 active event names"
    assert track(browser, app_id, "ONE", created_at=str(T0 + 1)).status_code == 200
    assert sorted(name for name, _, _ in events_of(client)) == ["one", "one", "two"]


def test_events_are_verified_too(browser, app_id, client, enforced, frozen):
    booted(ping(browser, app_id, user_id="u1", user_hash=user_hash("u1")))
    assert only_error(track(browser, app_id), 403) == IV_FAILED
    verified = {"user_id": "u1", "user_hash": user_hash("u1")}
    assert track(browser, app_id, "verified", user_data=verified).status_code == 200
    assert [name for name, _, _ in events_of(client)] == ["verified"]
