from __future__ import annotations

import pytest

from emulator import db as database
from emulator import limits
from emulator.store import companies, workspaces
from emulator.store.context import Context
from tests import intercom_reference
from tests.intercom_errors import first_error


def upsert(client, company_id="acme", **fields):
    return client.post("/companies", json={"company_id": company_id, **fields})


def company(client, company_id="acme", **fields):
    response = upsert(client, company_id, **fields)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def new_contact(client, external_id="u1"):
    body = {"external_id": external_id, "email": f"{external_id}@example.com"}
    response = client.post("/contacts", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def attach(client, contact_id, company_id):
    return client.post(f"/contacts/{contact_id}/companies", json={"id": company_id})


def populated(client, *company_ids):
    """Companies with one contact each: lists and the scroll only show companies with users."""
    created = []
    for number, company_id in enumerate(company_ids):
        found = company(client, company_id)
        assert attach(client, new_contact(client, f"user-{number}"), found["id"]).status_code == 200
        created.append(found["id"])
    return created


def test_upsert_creates_then_updates_the_same_company(client):
    created = company(
        client,
        name="Acme",
        plan="pro",
        size=40,
        website="https://acme.test",
        industry="Anvils",
        monthly_spend=155.98,
        remote_created_at=1374138000,
    )
    assert created["type"] == "company" and created["company_id"] == "acme"
    assert len(created["id"]) == 24 and created["app_id"]
    assert created["monthly_spend"] == 155  # Intercom truncates floats
    assert created["plan"] == {"type": "plan", "id": created["plan"]["id"], "name": "pro"}
    assert created["plan"]["id"].isdigit()
    assert (created["size"], created["industry"], created["remote_created_at"]) == (
        40,
        "Anvils",
        1374138000,
    )
    assert created["tags"] == {"type": "tag.list", "tags": []}
    assert created["segments"] == {"type": "segment.list", "segments": []}
    assert created["user_count"] == 0

    updated = company(client, name="Acme Inc", monthly_spend=10)
    assert updated["id"] == created["id"]
    assert (updated["name"], updated["monthly_spend"]) == ("Acme Inc", 10)
    assert updated["plan"] == created["plan"] and updated["website"] == "https://acme.test"
    assert updated["created_at"] == created["created_at"]


def test_a_new_company_without_optional_fields(client):
    created = company(client, "bare")
    assert created["plan"] == {} and created["custom_attributes"] == {}
    # As in Intercom's examples: remote_created_at defaults to the creation time.
    assert created["remote_created_at"] == created["created_at"]
    assert (created["name"], created["size"], created["monthly_spend"]) == ("", 0, 0)
    assert company(client, 42)["company_id"] == "42"  # a number is taken as its text


def test_custom_attributes_are_checked_and_merged(client):
    for name in ("tier", "region"):
        body = {"name": name, "model": "company", "data_type": "string"}
        assert client.post("/data_attributes", json=body).status_code == 200
    company(client, custom_attributes={"tier": "gold"})
    merged = company(client, custom_attributes={"region": "eu"})
    assert merged["custom_attributes"] == {"tier": "gold", "region": "eu"}
    cleared = company(client, custom_attributes={"tier": None})
    assert cleared["custom_attributes"] == {"region": "eu"}

    refused = upsert(client, custom_attributes={"seats": "12"})
    assert refused.status_code == 400
    assert first_error(refused)["message"] == "Custom attribute 'seats' does not exist"


def test_number_attributes_stay_numbers(client):
    body = {"name": "seats", "model": "company", "data_type": "integer"}
    assert client.post("/data_attributes", json=body).status_code == 200
    # Intercom's 2.11 schema types company custom attribute values as strings, while its own
    # examples hold numbers and booleans: this response cannot pass that schema.
    response = client.post(
        "/companies", json={"company_id": "acme", "custom_attributes": {"seats": 12}}, check=False
    )
    assert response.get_json()["custom_attributes"] == {"seats": 12}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"company_id": "x", "test": "invalid"}, "bad_request", "bad 'test' parameter"),
        ({"name": "No id"}, "parameter_not_found", "company_id not specified"),
        ({"company_id": "x", "size": "big"}, "parameter_invalid", "size must be an integer"),
        ({"company_id": "x", "name": 5}, "parameter_invalid", "name must be a string"),
        ({"company_id": "x", "size": 10**20}, "parameter_invalid", "size is too large"),
        (
            {"company_id": "x", "monthly_spend": 2**31},
            "parameter_invalid",
            "monthly_spend must be at most 2147483647",
        ),
    ],
)
def test_bad_upserts_are_refused_and_change_nothing(client, body, code, message):
    response = client.post("/companies", json=body)
    assert response.status_code == 400
    assert (first_error(response)["code"], first_error(response)["message"]) == (code, message)
    assert client.get("/companies?company_id=x").status_code == 404


def test_lookups_by_id_company_id_and_name(client):
    created = company(client, name="Acme")
    company(client, "other", name="Other")
    assert client.get(f"/companies/{created['id']}").get_json()["id"] == created["id"]
    for query in ("company_id=acme", "name=Acme"):
        found = lookup(client, query)
        assert (found["type"], found["id"]) == ("company", created["id"])


def lookup(client, query):
    """`GET /companies?<query>`, checked against Intercom's `company` schema: Intercom's 2.11
    description says "You can fetch a single company by passing in `company_id` or `name`"
    (`GET /companies`, api.intercom.io.yaml line 1506) and python-intercom 5 / intercom-client 7
    type the answer as company-or-list, while the operation's schema says `company_list`."""
    response = client.get(f"/companies?{query}", check=False)
    assert response.status_code == 200, response.get_json()
    spec = intercom_reference.load()
    if spec is not None:
        assert spec.schema_errors("company", response.get_json()) == []
    return response.get_json()


def test_a_lookup_answers_the_company_itself_not_a_list(client):
    """Code written as `resp["data"][0]` would crash against Intercom; `type == "company"` is
    what a client branches on (issue 14, item 1)."""
    acme = company(client, name="Shared name")
    company(client, "later", name="Shared name")
    assert "data" not in lookup(client, "company_id=acme")
    assert lookup(client, "name=Shared%20name")["id"] == acme["id"]  # the oldest of the two
    tagged = client.get("/companies?tag_id=1").get_json()  # other filters stay lists
    assert tagged["type"] == "list"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/companies/5f4d3c1c7b1b4d7da97e6095"),
        ("GET", "/companies?company_id=nope"),
        ("GET", "/companies?name=Nope"),
        ("PUT", "/companies/5f4d3c1c7b1b4d7da97e6095"),
        ("DELETE", "/companies/5f4d3c1c7b1b4d7da97e6095"),
        ("GET", "/companies/5f4d3c1c7b1b4d7da97e6095/contacts"),
    ],
)
def test_unknown_companies_are_404(client, method, path):
    kwargs = {"json": {"name": "x"}} if method == "PUT" else {}
    response = client.request(method, path, **kwargs)
    assert response.status_code == 404
    assert first_error(response) == {"code": "company_not_found", "message": "Company Not Found"}


def test_update_by_intercom_id_keeps_company_id(client):
    created = company(client, name="Acme")
    response = client.put(
        f"/companies/{created['id']}", json={"name": "Renamed", "company_id": "changed"}
    )
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["company_id"]) == ("Renamed", "acme")
    assert client.get("/companies?company_id=changed").status_code == 404


def test_delete_detaches_contacts(client):
    contact_id = new_contact(client)
    created = company(client)
    attach(client, contact_id, created["id"])
    response = client.delete(f"/companies/{created['id']}")
    assert response.get_json() == {"id": created["id"], "object": "company", "deleted": True}
    assert client.get(f"/companies/{created['id']}").status_code == 404
    assert client.get(f"/contacts/{contact_id}/companies").get_json()["total_count"] == 0
    assert client.get(f"/contacts/{contact_id}").get_json()["companies"]["total_count"] == 0
    assert company(client)["id"] != created["id"]  # the company_id is free again


def test_lists_show_companies_with_users_page_by_page(client):
    expected = populated(client, "a", "b", "c")
    company(client, "no-users")
    seen = []
    for page in (1, 2):
        body = client.post(f"/companies/list?per_page=2&page={page}").get_json()
        assert body["total_count"] == 3
        assert (body["pages"]["page"], body["pages"]["total_pages"]) == (page, 2)
        seen += [c["id"] for c in body["data"]]
    assert body["pages"]["next"] is None
    assert sorted(seen) == sorted(expected)
    listed = client.get("/companies?per_page=2").get_json()
    assert listed["pages"]["next"] == {"page": 2, "per_page": 2}
    descending = [c["id"] for c in client.post("/companies/list").get_json()["data"]]
    ascending = [c["id"] for c in client.post("/companies/list?order=asc").get_json()["data"]]
    assert ascending == descending[::-1]


@pytest.mark.parametrize(
    "query", ["per_page=0", "per_page=61", "page=0", f"page={10**20}", "order=sideways"]
)
def test_bad_list_parameters_are_400(client, query):
    response = client.post(f"/companies/list?{query}")
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_invalid"


def scroll(client, scroll_param=None):
    path = "/companies/scroll" + (f"?scroll_param={scroll_param}" if scroll_param else "")
    # Intercom's example has "pages": null, which its 2.11 schema does not allow (later
    # descriptions do): check everything else against the schema.
    response = client.get(path, check=False)
    body = response.get_json()
    assert response.status_code == 200 and body["pages"] is None
    spec = intercom_reference.load()
    if spec is not None:
        rest = {key: value for key, value in body.items() if key != "pages"}
        assert spec.errors("GET", "/companies/scroll", 200, rest) == []
    return body


def test_scroll_runs_to_an_empty_page(client, monkeypatch):
    monkeypatch.setattr(limits, "COMPANY_SCROLL_PAGE_SIZE", 2)
    expected = populated(client, "a", "b", "c")
    first = scroll(client)
    second = scroll(client, first["scroll_param"])
    last = scroll(client, second["scroll_param"])
    assert [len(page["data"]) for page in (first, second, last)] == [2, 1, 0]
    assert [c["id"] for c in first["data"] + second["data"]] == expected
    assert first["total_count"] is None


def test_a_scroll_until_empty_loop_terminates(client, monkeypatch):
    """Intercom: "If the end of the scroll is reached, "companies" will be empty and the scroll
    parameter will expire" (2.11 `GET /companies/scroll` description). The loop a client writes
    (the Node SDK's `companies.scroll()` is one) ends, and a new scroll may start afterwards."""
    monkeypatch.setattr(limits, "COMPANY_SCROLL_PAGE_SIZE", 2)
    expected = populated(client, "a", "b", "c", "d", "e")
    seen, page, calls = [], scroll(client), 1
    while page["data"]:
        seen += [c["id"] for c in page["data"]]
        page = scroll(client, page["scroll_param"])
        calls += 1
        assert calls <= 10, "the scroll never ended"
    assert seen == expected and calls == 4
    ended = client.get(f"/companies/scroll?scroll_param={page['scroll_param']}")
    assert (ended.status_code, first_error(ended)["code"]) == (404, "not_found")
    assert scroll(client)["data"]  # the workspace's scroll is free again


def test_one_open_scroll_per_workspace(client, other_client, monkeypatch):
    """ "Each app can only have 1 scroll open at a time. You'll get an error message if you try
    to have more than one open per app" (2.11 `GET /companies/scroll` description); the code is
    `scroll_exists` (intercom-ruby's errors, [RUBY] in intercom-api-facts.md §2)."""
    monkeypatch.setattr(limits, "COMPANY_SCROLL_PAGE_SIZE", 1)
    populated(client, "a", "b")
    populated(other_client, "x")
    first = scroll(client)
    second = client.get("/companies/scroll")
    assert second.status_code == 400
    assert first_error(second)["code"] == "scroll_exists"
    assert scroll(other_client)["data"]  # another workspace has its own
    assert scroll(client, first["scroll_param"])["data"]  # the open one goes on


def test_a_scroll_unused_for_a_minute_expires(client, monkeypatch):
    """ "If the scroll isn't used for 1 minute, it expires and calls with that scroll param will
    fail" (2.11 `GET /companies/scroll` description). The workspace clock skips the minute."""
    monkeypatch.setattr(limits, "COMPANY_SCROLL_PAGE_SIZE", 1)
    populated(client, "a", "b", "c")
    client.post("/_emulator/clock", json={"freeze": True, "at": 1_800_000_000})
    first = scroll(client)
    client.post("/_emulator/clock", json={"advance": 59})
    second = scroll(client, first["scroll_param"])  # used in time: the minute starts again
    client.post("/_emulator/clock", json={"advance": 60})
    expired = client.get(f"/companies/scroll?scroll_param={second['scroll_param']}")
    assert expired.status_code == 404
    assert (first_error(expired)["code"], first_error(expired)["field"]) == (
        "not_found",
        "scroll_param",
    )
    assert [c["company_id"] for c in scroll(client)["data"]] == ["a"]  # a new one starts over


def test_scroll_refuses_a_made_up_parameter(client):
    response = client.get("/companies/scroll?scroll_param=not-a-scroll")
    assert response.status_code == 404
    assert first_error(response)["field"] == "scroll_param"


def test_attach_list_and_detach(client):
    contact_id = new_contact(client)
    created = company(client)
    attached = attach(client, contact_id, created["id"])
    assert attached.status_code == 200 and attached.get_json()["user_count"] == 1
    assert attach(client, contact_id, created["id"]).get_json()["user_count"] == 1  # idempotent

    listed = client.get(f"/contacts/{contact_id}/companies").get_json()
    assert [c["id"] for c in listed["companies"]] == [created["id"]]
    assert listed["total_count"] == 1 and listed["pages"]["next"] is None
    summary = client.get(f"/contacts/{contact_id}").get_json()["companies"]
    assert summary["total_count"] == 1 and summary["data"][0]["id"] == created["id"]
    members = client.get(f"/companies/{created['id']}/contacts").get_json()
    assert [c["id"] for c in members["data"]] == [contact_id]

    detached = client.delete(f"/contacts/{contact_id}/companies/{created['id']}")
    assert detached.status_code == 200 and detached.get_json()["user_count"] == 0
    again = client.delete(f"/contacts/{contact_id}/companies/{created['id']}")
    assert again.status_code == 404 and first_error(again)["code"] == "company_not_found"


def test_contact_company_pages_link_to_the_next_page(client):
    contact_id = new_contact(client)
    for company_id in ("a", "b", "c"):
        attach(client, contact_id, company(client, company_id)["id"])
    body = client.get(f"/contacts/{contact_id}/companies?per_page=2").get_json()
    assert len(body["companies"]) == 2 and body["pages"]["total_pages"] == 2
    assert body["pages"]["next"] == f"/contacts/{contact_id}/companies?page=2&per_page=2"


@pytest.mark.parametrize(
    ("contact", "body", "status", "error"),
    [
        ("known", {}, 400, {"code": "parameter_not_found", "message": "company not specified"}),
        (
            "known",
            {"id": "123"},
            404,
            {"code": "company_not_found", "message": "Company Not Found"},
        ),
        ("unknown", "company", 404, {"code": "not_found", "message": "User Not Found"}),
    ],
)
def test_attach_errors(client, contact, body, status, error):
    contact_id = new_contact(client) if contact == "known" else "5ba682d23d7cf92bef87bfd4"
    if body == "company":
        body = {"id": company(client)["id"]}
    response = client.post(f"/contacts/{contact_id}/companies", json=body)
    assert response.status_code == status
    assert {k: first_error(response)[k] for k in ("code", "message")} == error


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("DELETE", "/5f4d3c1c7b1b4d7da97e6095")]
)
def test_unknown_contacts_are_user_not_found(client, method, suffix):
    response = client.request(method, f"/contacts/5ba682d23d7cf92bef87bfd4/companies{suffix}")
    assert response.status_code == 404
    assert first_error(response)["message"] == "User Not Found"


def test_attach_limit_is_1000_companies(app, client, token):
    contact_id = new_contact(client)
    # 1,000 attachments through HTTP would make a slow test: seed them through the store.
    conn = database.connect(app.extensions["emulator"].storage.path)
    ctx = Context(conn, workspaces.find(conn, token), now=1700000000, version="2.11")
    with database.write_transaction(conn):
        for number in range(limits.COMPANIES_PER_CONTACT):
            seeded = companies.upsert(ctx, {"company_id": f"seeded-{number}"})
            companies.attach_company(ctx, contact_id, seeded["id"])
    one_more = company(client, "one-more")["id"]
    refused = attach(client, contact_id, one_more)
    assert refused.status_code == 400
    assert first_error(refused) == {
        **first_error(refused),
        "code": "contact_company_limit_exceeded",
        "message": "Contact has reached the maximum of 1000 company associations",
    }
    assert client.get(f"/companies/{one_more}").get_json()["user_count"] == 0
    assert attach(client, contact_id, seeded["id"]).status_code == 200  # already attached: fine
    listed = client.get(f"/contacts/{contact_id}/companies?per_page=150&page=7").get_json()
    assert listed["total_count"] == 1000 and len(listed["companies"]) == 100


def test_workspaces_never_see_each_others_companies(client, other_client):
    mine = populated(client, "acme")[0]
    assert other_client.get(f"/companies/{mine}").status_code == 404
    assert other_client.get("/companies?company_id=acme").status_code == 404
    assert other_client.post("/companies/list").get_json()["total_count"] == 0
    assert scroll(other_client)["data"] == []
    theirs = company(other_client, "acme")
    assert theirs["id"] != mine
    their_contact = new_contact(other_client)
    response = attach(other_client, their_contact, mine)
    assert response.status_code == 404
    assert client.get(f"/companies/{mine}").get_json()["user_count"] == 1
