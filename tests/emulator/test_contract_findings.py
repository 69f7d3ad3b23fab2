"""What the schemathesis contract run (contracts/test_schemathesis.py) found wrong, pinned so it
stays fixed: each test is one finding."""

from __future__ import annotations

from typing import Any

import pytest

from tests.intercom_errors import first_error


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("PUT", "/data_attributes/²", {"json": {"archived": True}}),
        ("GET", "/tags/²", {}),
        ("DELETE", "/tags/²", {}),
        ("GET", "/events?type=user&user_id=u-1&before=²", {}),
        ("POST", "/contacts", {"json": {"email": "a@example.com", "owner_id": "²"}}),
    ],
)
def test_digits_of_other_scripts_are_no_number_and_no_server_error(
    client: Any, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    """`"²".isdigit()` is true but `int("²")` fails: these answered 500."""
    response = client.request(method, path, check=False, **kwargs)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    ("method", "path", "body", "key", "expected"),
    [
        ("POST", "/companies", {"company_id": "c-1", "size": 12.0}, "size", 12),
        ("POST", "/events", {"event_name": "x", "created_at": 5.0, "user_id": "u"}, None, None),
        ("PATCH", "/_emulator/settings", {"rate_limit_app": 50.0}, "rate_limit_app", 50),
        ("POST", "/_emulator/faults", {"status": 503.0}, "status", 503),
    ],
)
def test_a_number_without_a_fraction_is_an_integer(
    client: Any, method: str, path: str, body: dict[str, Any], key: str | None, expected: Any
) -> None:
    """JSON Schema reads 12.0 as the integer 12; the store refused it where the description
    (and so request validation) accepted it."""
    client.post("/contacts", json={"external_id": "u", "email": "u@example.com"})
    response = client.request(method, path, json=body)
    assert response.status_code in (200, 202), response.get_json()
    if key is not None:
        value = response.get_json()[key]
        assert value == expected and isinstance(value, int)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/contacts/search", "OPTIONS, POST"),
        ("/contacts/merge", "OPTIONS, POST"),
        ("/companies/list", "OPTIONS, POST"),
        ("/companies/scroll", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_path_of_its_own_is_no_id_of_its_collection(client: Any, path: str, allowed: str) -> None:
    """`OPTIONS /contacts/search` listed GET, PUT and DELETE (those of `/contacts/{id}`)."""
    options = client.request("OPTIONS", path, check=False)
    assert ", ".join(sorted(options.headers["Allow"].split(", "))) == allowed
    wrong = "DELETE" if "GET" in allowed else "GET"
    response = client.request(wrong, path, check=False)
    # A method Intercom does not take is 404 there ([DOC-HTTP] 2.17, facts §1).
    assert response.status_code == 404
    assert first_error(response)["code"] == "not_found"


def test_a_wrong_method_on_the_messenger_is_404_before_the_app_is_looked_up(app: Any) -> None:
    response = app.test_client().put("/messenger/web/ping", data={"app_id": "nope"})
    assert response.status_code == 404


def test_a_data_attribute_name_ending_in_a_newline_is_refused(client: Any) -> None:
    """Python's `$` matches before a final newline, so "tier\\n" passed the name rule."""
    body = {"name": "tier\n", "model": "contact", "data_type": "string"}
    response = client.post("/data_attributes", json=body, check=False)
    assert response.status_code == 400
    assert [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]] == []


@pytest.mark.parametrize(
    ("email", "accepted"),
    [(" frodo@example.com\t", True), ("frodo\x1c@example.com", True), ("\t\n", False)],
)
def test_an_email_may_have_ascii_spaces_around_it_and_no_others(
    client: Any, email: str, accepted: bool
) -> None:
    """The description's pattern and the store agree on what a space is (ASCII whitespace)."""
    response = client.post("/contacts", json={"email": email}, check=False)
    assert (response.status_code == 200) is accepted


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_emulator/faults", {"status": 500, "times": 10**30}),
        ("POST", "/_emulator/faults", {"status": 500, "seed": -(10**30)}),
        ("GET", "/_emulator/journal?status=0", None),
        ("GET", "/_emulator/journal?status=6xx", None),
        ("GET", "/_emulator/journal?since=", None),
        ("POST", "/_emulator/reset?all=maybe", None),
        ("POST", "/_emulator/clock", {"reset": {}}),
        ("GET", "/openapi.json?planned=maybe", None),
    ],
)
def test_the_control_api_refuses_what_its_description_refuses(
    client: Any, method: str, path: str, body: Any
) -> None:
    """Each was accepted (or, for huge integers, a 500) though the description refuses it."""
    response = client.request(method, path, json=body, check=False)
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_invalid"


@pytest.mark.parametrize("body", [b"\n", b" \t\r\n"])
def test_a_body_of_whitespace_alone_is_not_json(client: Any, body: bytes) -> None:
    """`PATCH /_emulator/settings` with the body "\\n" answered 200, read as no body; it is no
    JSON document. With no body at all, the request still changes nothing and succeeds."""
    json_type = {"Content-Type": "application/json"}
    response = client.patch("/_emulator/settings", data=body, headers=json_type)
    first_error(response, 400, "parameter_invalid")
    assert client.patch("/_emulator/settings", headers=json_type).status_code == 200


def test_a_seed_item_is_checked_as_the_request_it_stands_for(client: Any) -> None:
    seed = {"companies": [{"company_id": "c-1", "update_last_request_at": None}]}
    response = client.post("/_emulator/seed", json=seed, check=False)
    assert response.status_code == 400
    assert first_error(response)["field"] == "companies[0].update_last_request_at"
    assert client.get("/companies").get_json()["data"] == []


def test_a_seed_still_tags_its_contacts_by_email(client: Any) -> None:
    seed = {
        "contacts": [{"email": "sam@example.com"}],
        "tags": [{"name": "Gardener", "users": [{"email": "sam@example.com"}]}],
    }
    assert client.post("/_emulator/seed", json=seed).status_code == 200
    contact_id = client.get("/contacts").get_json()["data"][0]["id"]
    names = [tag["name"] for tag in client.get(f"/contacts/{contact_id}/tags").get_json()["data"]]
    assert names == ["Gardener"]


@pytest.mark.parametrize(("remove", "status"), [(True, 200), (False, 400)])
def test_a_company_a_user_leaves_is_read_for_its_company_id_alone(
    client: Any, remove: bool, status: int
) -> None:
    """A leave item's other fields are not read, so the description no longer holds them to a
    join's rules (a 300-character attribute passed there, refused on a join)."""
    company = {"company_id": "c-1", "remove": remove, "custom_attributes": {"motto": "x" * 300}}
    body = {"user_id": "u-1", "companies": [company]}
    response = client.post("/users", json=body, headers={"Intercom-Version": "1.4"}, check=False)
    assert response.status_code == status


@pytest.mark.parametrize("team_id", ["", None, 77, "²"])
def test_a_seeded_team_or_admin_id_is_a_string_of_digits(client: Any, team_id: Any) -> None:
    """A seed's `teams[].id` and `admins[].id` must be digits, as its description says: an empty
    or null id was taken as none and a new one drawn (schemathesis, SEED 1313)."""
    team = client.post(
        "/_emulator/seed", json={"teams": [{"name": "T", "id": team_id}]}, check=False
    )
    admin = {"name": "A", "email": "a@example.org", "id": team_id}
    second = client.post("/_emulator/seed", json={"admins": [admin]}, check=False)
    assert (team.status_code, second.status_code) == (400, 400)
    assert client.get("/teams").get_json()["teams"] == []


@pytest.mark.parametrize("url", ["", "errors", "ftp://127.0.0.1/hook"])
def test_a_webhook_url_that_is_no_http_url_is_refused(client: Any, url: str) -> None:
    body = {"url": url, "topics": ["ping"]}
    response = client.post("/_emulator/webhooks", json=body, check=False)
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_invalid"


def test_options_on_deliver_now_lists_only_what_it_answers(client: Any) -> None:
    """`/_emulator/webhooks/deliver_now` was also matched as a subscription id, so its `Allow`
    listed DELETE (schemathesis's `unsupported_method`)."""
    response = client.request("OPTIONS", "/_emulator/webhooks/deliver_now", check=False)
    assert sorted(response.headers["Allow"].split(", ")) == ["OPTIONS", "POST"]


def test_a_lead_without_an_email_can_author_a_conversation_part(client: Any) -> None:
    """A part's author carries `email` (required by Intercom's schema); a contact without one
    shows "" there, which the emulator's description allows (no `format: email`)."""
    lead = client.post("/contacts", json={"role": "lead", "name": "No Mail"}).get_json()
    opened = {"from": {"type": "lead", "id": lead["id"]}, "body": "Hi"}
    started = client.post("/conversations", json=opened).get_json()
    shown = client.get(f"/conversations/{started['conversation_id']}").get_json()
    assert shown["source"]["author"]["email"] == ""


@pytest.mark.parametrize(
    ("version", "priority", "nobody"), [("2.11", "not_priority", None), ("Preview", "none", 0)]
)
def test_a_conversation_answers_in_the_asked_versions_shape(
    client: Any, version: str, priority: str, nobody: Any
) -> None:
    """Under `Preview` (2.16's rules) a conversation's `priority` is 2.16's "none" and nobody
    assigned is 0 ([S2.16] `conversation`); the contract run held it to 2.11's description."""
    contact = client.post("/contacts", json={"email": "p@example.org"}).get_json()
    opened = {"from": {"type": "user", "id": contact["id"]}, "body": "Hi"}
    started = client.post("/conversations", json=opened).get_json()
    path = f"/conversations/{started['conversation_id']}"
    shown = client.get(path, headers={"Intercom-Version": version}, check=False).get_json()
    assert (shown["priority"], shown["admin_assignee_id"]) == (priority, nobody)


def test_a_seeded_conversation_names_its_contact_and_its_parts_kinds(client: Any) -> None:
    """The seed's description now says what `from` and a part need (schemathesis found `from: {}`
    and `parts: [{}]` valid by the description and refused by the store)."""
    bad = {"conversations": [{"body": "x", "from": {}, "parts": [{}]}]}
    response = client.post("/_emulator/seed", json=bad, check=False)
    assert response.status_code == 400
    assert first_error(response)["field"].startswith("conversations[0]")


def test_a_conversation_attribute_must_be_declared_and_2_16_lists_none(client: Any) -> None:
    """Refusals the description cannot express (contracts/schemathesis_support.py's
    REFUSALS_BEYOND_THE_SCHEMA): `PUT /conversations/{id}` refuses an undeclared attribute
    ("Conversation attribute 'x' does not exist", intercom-api-facts.md §9), 2.16 refuses
    `GET /data_attributes?model=conversation` with 422 (2.16 listDataAttributes example), and
    1.x, whose models were users and companies, with 400 (the contract run met it)."""
    contact = client.post("/contacts", json={"email": "c@example.org"}).get_json()
    opened = {"from": {"type": "user", "id": contact["id"]}, "body": "Hi"}
    started = client.post("/conversations", json=opened).get_json()
    path = f"/conversations/{started['conversation_id']}"
    refused = client.put(path, json={"custom_attributes": {"0": "x"}})
    assert refused.status_code == 400
    assert first_error(refused)["message"] == "Conversation attribute '0' does not exist"
    newer = {"Intercom-Version": "2.16"}
    listed = client.get("/data_attributes?model=conversation", headers=newer, check=False)
    assert listed.status_code == 422
    assert first_error(listed)["message"].startswith("model=conversation is no longer supported")
    # 1.x knew no conversation attributes: the model is refused as any unknown one is there.
    legacy = {"Intercom-Version": "1.4"}
    listed = client.get("/data_attributes?model=conversation", headers=legacy, check=False)
    assert listed.status_code == 400
    assert first_error(listed)["message"] == (
        "The Data Attribute model field must be either contact or company"
    )


def test_allow_lists_what_is_served_not_what_is_not_emulated(client: Any) -> None:
    """`OPTIONS /conversations/{id}` advertised DELETE once 2.16's deleteConversation answered
    501 `not_emulated` there ([S2.16]); `Allow` lists the methods the emulator serves."""
    options = client.request("OPTIONS", "/conversations/123", check=False)
    assert sorted(options.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS", "PUT"]
    assert client.request("DELETE", "/conversations/123", check=False).status_code == 501
    # A path with nothing emulated advertises nothing but OPTIONS.
    articles = client.request("OPTIONS", "/articles", check=False)
    assert articles.headers["Allow"] == "OPTIONS"
