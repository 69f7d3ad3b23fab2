"""The legacy 1.4 Users API (`Intercom-Version: 1.4`): the upsert and its lookup rules, custom
attributes created on the fly, companies, sessions, reads, and which versions serve what."""

from __future__ import annotations

import jsonschema
import pytest

from emulator import openapi
from tests.conftest import ApiClient
from tests.intercom_errors import first_error

T0 = 1_700_000_000
DESCRIPTION = openapi.load()
# Every field of the 1.4 user object [DOC-1.4-USER], and `owner_id` (added in 1.4's changelog).
USER_FIELDS = {
    "type", "id", "user_id", "anonymous", "email", "phone", "name", "pseudonym", "avatar",
    "app_id", "owner_id", "companies", "location_data", "last_request_at", "last_seen_ip",
    "created_at", "remote_created_at", "signed_up_at", "updated_at", "session_count",
    "social_profiles", "unsubscribed_from_emails", "user_agent_data", "tags", "segments",
    "custom_attributes",
}  # fmt: skip


@pytest.fixture
def legacy(app, token):
    """The same workspace as `client`, speaking 1.4."""
    return ApiClient(app.test_client(), token, version="1.4")


@pytest.fixture
def frozen(client):
    """The workspace's clock, frozen at T0; `frozen(seconds)` moves it on."""
    assert client.post("/_emulator/clock", json={"freeze": True, "at": T0}).status_code == 200

    def advance(seconds):
        assert client.post("/_emulator/clock", json={"advance": seconds}).status_code == 200

    return advance


def described(body, schema):
    """`body` matches the schema description/ gives it (1.4 is not in Intercom's 2.x one)."""
    jsonschema.validate(
        body, {"$ref": f"#/components/schemas/{schema}", "components": DESCRIPTION["components"]}
    )
    return body


def upsert(legacy, **body):
    response = legacy.post("/users", json=body)
    assert response.status_code == 200, response.get_json()
    return described(response.get_json(), "user")


def refused(response, status, code, message=None, field=None):
    return first_error(response, status, code, message, field)


def user_count(legacy):
    return legacy.get("/users").get_json()["total_count"]


def attribute_names(client, model="contact"):
    listed = [
        a for a in client.get(f"/data_attributes?model={model}").get_json()["data"] if a["custom"]
    ]
    return {a["name"]: a["data_type"] for a in listed}


# --- the upsert -------------------------------------------------------------------------------


def test_upsert_creates_a_user_in_the_1_4_shape(legacy, client, frozen):
    user = upsert(
        legacy,
        user_id="25",
        email="Wash@Serenity.IO",
        name="Hoban Washburne",
        phone="555671243",
        signed_up_at=1392731331,
        last_request_at=1480076371,
        last_seen_ip="1.2.3.4",
        last_seen_user_agent="Mozilla/5.0",
        unsubscribed_from_emails=True,
    )
    assert set(user) == USER_FIELDS
    app_id = client.get("/me").get_json()["app"]["id_code"]
    assert (user["type"], user["app_id"], user["anonymous"]) == ("user", app_id, False)
    assert len(user["id"]) == 24
    assert (user["user_id"], user["email"]) == ("25", "wash@serenity.io")  # email downcased
    assert (user["signed_up_at"], user["remote_created_at"]) == (1392731331, 1392731331)
    assert (user["last_request_at"], user["created_at"], user["updated_at"]) == (1480076371, T0, T0)
    assert (user["last_seen_ip"], user["user_agent_data"]) == ("1.2.3.4", "Mozilla/5.0")
    assert user["unsubscribed_from_emails"] is True and user["session_count"] == 0
    assert user["companies"] == {"type": "company.list", "companies": []}
    assert user["tags"] == {"type": "tag.list", "tags": []}
    assert user["segments"] == {"type": "segment.list", "segments": []}
    assert user["social_profiles"] == {"type": "social_profile.list", "social_profiles": []}
    assert user["avatar"] == {"type": "avatar", "image_url": None}
    assert user["location_data"]["type"] == "location_data"
    assert legacy.get(f"/users/{user['id']}").get_json() == user


def test_a_1_4_user_is_a_2_x_contact_and_the_other_way_round(legacy, client):
    user = upsert(legacy, user_id="25", email="wash@serenity.io", last_request_at=1480076371)
    contact = client.get(f"/contacts/{user['id']}").get_json()
    assert (contact["role"], contact["external_id"], contact["email"]) == (
        "user",
        "25",
        "wash@serenity.io",
    )
    assert contact["last_seen_at"] == 1480076371

    made = client.post("/contacts", json={"external_id": "26", "email": "zoe@serenity.io"})
    found = legacy.get("/users?user_id=26")
    assert found.status_code == 200
    assert described(found.get_json(), "user")["id"] == made.get_json()["id"]


@pytest.mark.parametrize(
    ("second", "same_user", "expected"),
    [
        # id match: user_id and email are updated
        ({"id": "<id>", "user_id": "new", "email": "new@x.io"}, True, ("new", "new@x.io")),
        # user_id match: email is updated
        ({"user_id": "u1", "email": "new@x.io"}, True, ("u1", "new@x.io")),
        # email match on a record without user_id... covered below; here one with user_id u1:
        # a different user_id means someone else, so a new user is created
        ({"user_id": "u2", "email": "a@x.io"}, False, ("u2", "a@x.io")),
        # email alone finds the one user with it
        ({"email": "A@x.io", "name": "Renamed"}, True, ("u1", "a@x.io")),
    ],
)
def test_lookup_order_id_then_user_id_then_email(legacy, second, same_user, expected):
    first = upsert(legacy, user_id="u1", email="a@x.io")
    body = {k: (first["id"] if v == "<id>" else v) for k, v in second.items()}
    user = upsert(legacy, **body)
    assert (user["id"] == first["id"]) is same_user
    assert (user["user_id"], user["email"]) == expected
    assert user_count(legacy) == (1 if same_user else 2)


def test_an_email_match_without_user_id_gets_the_user_id(legacy):
    first = upsert(legacy, email="a@x.io")
    assert first["user_id"] is None
    user = upsert(legacy, user_id="u9", email="a@x.io")
    assert (user["id"], user["user_id"]) == (first["id"], "u9")


def test_an_email_several_users_share_is_409_without_user_id(legacy):
    upsert(legacy, user_id="u1", email="a@x.io")
    upsert(legacy, user_id="u2", email="a@x.io")
    response = legacy.post("/users", json={"email": "a@x.io", "name": "Who?"})
    refused(
        response,
        409,
        "conflict",
        "Multiple existing users match this email address - must be more specific using user_id",
    )
    listed = described(legacy.get("/users?email=a@x.io").get_json(), "user_list")
    assert sorted(u["user_id"] for u in listed["users"]) == ["u1", "u2"]
    assert all(u["name"] is None for u in listed["users"])


@pytest.mark.parametrize(
    ("body", "status", "code", "message", "field"),
    [
        ({"id": "5714dd359a3fd47136000001"}, 404, "not_found", "User Not Found", "id"),
        ({"name": "Nobody"}, 400, "parameter_not_found", "user_id or email not specified", None),
        ({"user_id": "u1", "foo": 1}, 400, "bad_request", "bad 'foo' parameter", "foo"),
        ({"email": "not-an-address"}, 400, "parameter_invalid", None, "email"),
        ({"user_id": "u1", "last_seen_ip": "999.1.1.1"}, 400, "parameter_invalid", None, None),
        ({"user_id": "u1", "signed_up_at": "yesterday"}, 400, "parameter_invalid", None, None),
        ({"user_id": "u1", "companies": {"company_id": "1"}}, 400, "parameter_invalid", None, None),
        (
            {"user_id": "u1", "companies": [{"name": "No id"}]},
            400,
            "parameter_not_found",
            None,
            None,
        ),
    ],
)
def test_bad_upserts_are_refused_and_create_nothing(legacy, body, status, code, message, field):
    refused(legacy.post("/users", json=body), status, code, message, field)
    assert user_count(legacy) == 0


def test_a_user_id_another_contact_holds_is_409(legacy, client):
    lead = client.post("/contacts", json={"role": "lead", "external_id": "taken"}).get_json()
    error = refused(legacy.post("/users", json={"user_id": "taken"}), 409, "conflict")
    assert error["message"].endswith(f"id={lead['id']}")
    assert user_count(legacy) == 0


def test_an_archived_user_posted_again_comes_back(legacy, client):
    user = upsert(legacy, user_id="u1")
    assert client.post(f"/contacts/{user['id']}/archive").status_code == 200
    assert user_count(legacy) == 0
    assert upsert(legacy, user_id="u1", name="Back")["id"] == user["id"]
    assert user_count(legacy) == 1


# --- custom attributes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "data_type"),
    [
        ("paid_subscriber", True, "boolean"),
        ("team_mates", 9, "integer"),
        ("monthly_spend", 155.5, "float"),
        ("last_order_at", 1475569818, "date"),  # "_at" names with timestamps are dates
        ("plan name", "pro", "string"),
    ],
)
def test_unknown_custom_attributes_are_created(legacy, client, name, value, data_type):
    user = upsert(legacy, user_id="u1", custom_attributes={name: value})
    assert user["custom_attributes"] == {name: value}
    assert attribute_names(client) == {name: data_type}


def test_custom_attributes_merge_and_null_removes(legacy, client):
    upsert(legacy, user_id="u1", custom_attributes={"a": 1, "b": "x"})
    user = upsert(legacy, user_id="u1", custom_attributes={"a": None, "c": False, "gone": None})
    assert user["custom_attributes"] == {"b": "x", "c": False}
    assert set(attribute_names(client)) == {"a", "b", "c"}  # a null creates nothing


@pytest.mark.parametrize(
    ("attributes", "name", "message"),
    [
        ({"nested": {"a": 1}}, "nested", "objects and arrays are not supported"),
        ({"listed": [1, 2]}, "listed", "objects and arrays are not supported"),
        ({"long": "x" * 256}, "long", "is 256 characters long; the limit is 255"),
        ({"dotted.name": 1}, "dotted.name", "Custom attribute 'dotted.name' cannot be created"),
        ({"dollar$": 1}, "dollar$", "Custom attribute 'dollar$' cannot be created"),
        ({"n" * 191: 1}, "n" * 191, "cannot be created"),
        ({"ok": 1, "typed": "text"}, "typed", "must be of type integer"),
    ],
)
def test_custom_attribute_refusals_name_the_attribute_and_change_nothing(
    legacy, client, attributes, name, message
):
    client.post(
        "/data_attributes", json={"name": "typed", "model": "contact", "data_type": "integer"}
    )
    before = attribute_names(client)
    response = legacy.post("/users", json={"user_id": "u1", "custom_attributes": attributes})
    error = refused(response, 400, "parameter_invalid", field=f"custom_attributes.{name}")
    assert f"'{name}'" in error["message"] and message in error["message"]
    assert user_count(legacy) == 0
    assert attribute_names(client) == before


def test_the_last_string_that_fits_passes_and_the_limit_follows_the_setting(legacy, client):
    assert upsert(legacy, user_id="u1", custom_attributes={"s": "x" * 255})
    assert client.patch("/_emulator/settings", json={"string_limit": 10}).status_code == 200
    assert upsert(legacy, user_id="u1", custom_attributes={"s": "x" * 10})
    response = legacy.post("/users", json={"user_id": "u1", "custom_attributes": {"s": "x" * 11}})
    refused(response, 400, "parameter_invalid", field="custom_attributes.s")
    assert legacy.get("/users?user_id=u1").get_json()["custom_attributes"] == {"s": "x" * 10}


def test_attributes_are_created_up_to_the_workspace_limit(legacy, client):
    assert (
        client.patch("/_emulator/settings", json={"custom_attribute_limit": 3}).status_code == 200
    )
    upsert(legacy, user_id="u1", custom_attributes={"a": 1, "b": 2, "c": 3})
    response = legacy.post("/users", json={"user_id": "u2", "custom_attributes": {"d": 4}})
    error = refused(response, 400, "custom_data_limit_reached", field="custom_attributes.d")
    assert error["message"].startswith("Custom attribute 'd' cannot be created")
    assert "limit of 3" in error["message"]
    assert set(attribute_names(client)) == {"a", "b", "c"} and user_count(legacy) == 1
    # Known attributes still take values at the limit.
    assert upsert(legacy, user_id="u2", custom_attributes={"a": 5})["custom_attributes"] == {"a": 5}


# --- companies --------------------------------------------------------------------------------


def test_companies_are_created_joined_and_left(legacy, client):
    user = upsert(
        legacy,
        user_id="u1",
        companies=[
            {"company_id": "366", "name": "Serenity", "monthly_spend": 500},
            {"company_id": 7, "name": "Blue Sun", "custom_attributes": {"moons": 2}},
        ],
    )
    joined = user["companies"]["companies"]
    assert [(c["type"], c["company_id"], c["name"]) for c in joined] == [
        ("company", "366", "Serenity"),
        ("company", "7", "Blue Sun"),
    ]
    company = client.get(f"/companies/{joined[0]['id']}").get_json()
    assert (company["monthly_spend"], company["user_count"]) == (500, 1)
    assert attribute_names(client, "company") == {"moons": "integer"}

    left = upsert(legacy, user_id="u1", companies=[{"company_id": "366", "remove": True}])
    assert [c["company_id"] for c in left["companies"]["companies"]] == ["7"]
    # Leaving a company one is not in (or that does not exist) changes nothing.
    again = upsert(legacy, user_id="u1", companies=[{"company_id": "nope", "remove": True}])
    assert again["companies"] == left["companies"]


# --- last seen and sessions -------------------------------------------------------------------


def test_update_last_request_at_uses_the_request_time(legacy, frozen):
    user = upsert(legacy, user_id="u1", last_request_at=5)
    assert user["last_request_at"] == 5
    frozen(60)
    seen = upsert(legacy, user_id="u1", last_request_at=5, update_last_request_at=True)
    assert (seen["last_request_at"], seen["session_count"]) == (T0 + 60, 0)


@pytest.mark.parametrize(
    ("gaps", "sessions"),
    [
        ([], 1),  # the first session
        ([10 * 60, 10 * 60], 1),  # active within 30 minutes: the same session
        ([30 * 60], 1),  # exactly 30 minutes is not "more than 30 minutes"
        ([31 * 60], 2),  # inactive for more than 30 minutes, then back
        ([31 * 60, 31 * 60, 5], 3),
        ([20 * 60] * 72, 1),  # active for exactly 24 hours
        ([20 * 60] * 73, 2),  # active for more than 24 hours
    ],
)
def test_new_session_follows_the_web_session_rules(legacy, frozen, gaps, sessions):
    upsert(legacy, user_id="u1", new_session=True)
    for gap in gaps:
        frozen(gap)
        user = upsert(legacy, user_id="u1", new_session=True)
        assert user["last_request_at"] == user["updated_at"]
    assert legacy.get("/users?user_id=u1").get_json()["session_count"] == sessions


def test_a_new_session_counts_for_the_companies_sent_with_it(legacy, client, frozen):
    user = upsert(legacy, user_id="u1", new_session=True, companies=[{"company_id": "c1"}])
    company = client.get(f"/companies/{user['companies']['companies'][0]['id']}").get_json()
    assert (company["session_count"], company["last_request_at"]) == (1, T0)


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["user_id=nobody", "email=nobody@x.io"])
def test_unknown_users_are_404(legacy, query):
    refused(legacy.get(f"/users?{query}"), 404, "not_found", "User Not Found")


def test_unknown_intercom_id_is_404(legacy):
    refused(legacy.get("/users/5714dd359a3fd47136000001"), 404, "not_found", "User Not Found")


def test_users_list_pages_newest_first(legacy, frozen):
    for number in range(3):
        frozen(1)
        upsert(legacy, user_id=f"u{number}")
    first = described(legacy.get("/users?per_page=2").get_json(), "user_list")
    assert [u["user_id"] for u in first["users"]] == ["u2", "u1"]
    assert (first["total_count"], first["pages"]["total_pages"]) == (3, 2)
    assert first["pages"]["next"].endswith("/users?per_page=2&page=2")
    second = legacy.get("/users?per_page=2&page=2").get_json()
    assert [u["user_id"] for u in second["users"]] == ["u0"]
    assert second["pages"]["next"] is None


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "method", "path"),
    [
        (None, "POST", "/users"),  # the workspace's default version is 2.11
        ("2.11", "GET", "/users?user_id=u1"),
        ("2.0", "GET", "/users/5714dd359a3fd47136000001"),
        ("1.4", "POST", "/contacts"),
        ("1.4", "GET", "/contacts"),
        ("1.0", "POST", "/contacts/search"),
        ("1.4", "GET", "/contacts/5714dd359a3fd47136000001/companies"),
    ],
)
def test_each_api_family_answers_only_its_versions(app, token, version, method, path):
    api = ApiClient(app.test_client(), token, version=version)
    response = api.request(method, path, json={"user_id": "u1", "email": "a@x.io"})
    refused(
        response,
        400,
        "intercom_version_invalid",
        "Requested resource is not available in current API version.",
    )


def test_events_in_their_1_4_form(legacy, frozen):
    upsert(legacy, user_id="u1")
    body = {"event_name": "ordered", "created_at": T0, "user_id": "u1", "metadata": {"n": 1}}
    response = legacy.post("/events", json=body)
    assert (response.status_code, response.data) == (202, b"")
    listed = legacy.get("/events?type=user&user_id=u1", check=False).get_json()
    assert [(e["event_name"], e["metadata"]) for e in listed["events"]] == [("ordered", {"n": 1})]
    refused(legacy.post("/events", json={**body, "user_id": "nobody"}), 404, "not_found")
