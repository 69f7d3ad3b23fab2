"""The 2.x Contacts API through HTTP: create, read, update, archive, delete, list, merge."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from tests.intercom_errors import first_error


def create(client, **body):
    response = client.post("/contacts", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error(response):
    return first_error(response)


def define_attribute(client, name, data_type="string"):
    body = {"name": name, "model": "contact", "data_type": data_type}
    assert client.post("/data_attributes", json=body).status_code == 200


def test_create_answers_the_full_contact(client):
    contact = create(
        client,
        email="Frodo@Shire.example",
        external_id="ring-bearer",
        name="Frodo",
        phone="+441234",
        avatar="https://example.org/frodo.png",
        signed_up_at=1_600_000_000,
        owner_id=7,
    )
    app_id = client.get("/me").get_json()["app"]["id_code"]
    assert len(contact["id"]) == 24 and int(contact["id"], 16) >= 0
    assert contact["workspace_id"] == app_id
    assert contact["role"] == "user"
    assert contact["email"] == "frodo@shire.example"
    assert contact["email_domain"] == "shire.example"
    assert contact["avatar"] == {"type": "avatar", "image_url": "https://example.org/frodo.png"}
    assert contact["signed_up_at"] == 1_600_000_000 and contact["owner_id"] == 7
    assert contact["location"]["type"] == "location" and contact["browser"] is None
    assert contact["tags"] == {
        "type": "list",
        "data": [],
        "url": f"/contacts/{contact['id']}/tags",
        "total_count": 0,
        "has_more": False,
    }
    assert client.get(f"/contacts/{contact['id']}").get_json() == contact


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "parameter_not_found"),
        ({"name": "Nobody"}, 400, "parameter_not_found"),
        ({"external_id": ""}, 400, "parameter_not_found"),
        ({"email": "", "role": "lead"}, 400, "parameter_invalid"),
        ({"email": "a@b.example", "nickname": "x"}, 400, "bad_request"),
        ({"role": "admin"}, 400, "parameter_invalid"),
        ({"email": 42}, 400, "parameter_invalid"),
        ({"email": "not-an-address"}, 400, "parameter_invalid"),
        ({"email": None}, 400, "parameter_invalid"),
        ({"role": "user", "signed_up_at": "yesterday"}, 400, "parameter_invalid"),
        ({"role": "user", "unsubscribed_from_emails": "yes"}, 400, "parameter_invalid"),
        ({"role": "user", "custom_attributes": {"unknown": 1}}, 400, "parameter_invalid"),
        ({"role": "user", "custom_attributes": ["x"]}, 400, "parameter_invalid"),
        ({"role": "user", "signed_up_at": 2**64}, 400, "parameter_invalid"),
        ({"role": "user", "owner_id": "99999999999999999999999"}, 400, "parameter_invalid"),
    ],
)
def test_invalid_creates_are_refused(client, body, status, code):
    response = client.post("/contacts", json=body)
    assert response.status_code == status
    assert error(response)["code"] == code
    assert client.get("/contacts").get_json()["total_count"] == 0


def test_unknown_key_names_the_key(client):
    response = client.post("/contacts", json={"email": "a@b.example", "user_id": "1"})
    assert error(response) == {
        "code": "bad_request",
        "message": "bad 'user_id' parameter",
        "field": "user_id",
    }


@pytest.mark.parametrize("number", ["Infinity", "NaN"])
def test_non_finite_custom_attribute_is_refused(client, number):
    define_attribute(client, "score", "float")
    raw = '{"role": "user", "custom_attributes": {"score": NUMBER}}'.replace("NUMBER", number)
    response = client.post("/contacts", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert error(response)["field"] == "custom_attributes.score"


def test_numeric_external_id_is_kept_as_text(client):
    assert create(client, external_id=1234)["external_id"] == "1234"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"email": "sam@shire.example"}, {"email": "SAM@shire.example"}),
        ({"external_id": "sam"}, {"external_id": "sam", "email": "other@shire.example"}),
        ({"external_id": "sam", "role": "lead"}, {"external_id": "sam"}),
    ],
)
def test_second_user_with_the_same_identity_is_a_conflict(client, first, second):
    existing = create(client, **first)
    response = client.post("/contacts", json=second)
    assert response.status_code == 409
    assert error(response) == {
        "code": "conflict",
        "message": f"A contact matching those details already exists with id={existing['id']}",
    }


def test_conflict_with_an_archived_contact_says_so(client):
    existing = create(client, email="merry@shire.example")
    client.post(f"/contacts/{existing['id']}/archive")
    response = client.post("/contacts", json={"email": "merry@shire.example"})
    assert response.status_code == 409
    assert error(response)["message"] == (
        f"An archived contact matching those details already exists with id={existing['id']}"
    )


def test_leads_may_share_an_email_with_each_other_and_a_user(client):
    user = create(client, email="pippin@shire.example")
    first = create(client, role="lead", email="pippin@shire.example")
    second = create(client, role="lead", email="pippin@shire.example")
    assert len({user["id"], first["id"], second["id"]}) == 3
    assert [first["role"], second["role"]] == ["lead", "lead"]


def test_update_changes_only_what_is_sent(client):
    contact = create(client, email="bilbo@shire.example", name="Bilbo", phone="+1")
    client.post("/_emulator/clock", json={"advance": 5})
    updated = client.put(f"/contacts/{contact['id']}", json={"name": "Bilbo Baggins"}).get_json()
    assert updated["name"] == "Bilbo Baggins"
    assert updated["phone"] == "+1" and updated["email"] == "bilbo@shire.example"
    assert updated["updated_at"] > contact["updated_at"]
    assert updated["created_at"] == contact["created_at"]
    cleared = client.put(f"/contacts/{contact['id']}", json={"phone": None}).get_json()
    assert cleared["phone"] is None and cleared["name"] == "Bilbo Baggins"


def test_custom_attributes_merge_and_null_clears(client):
    define_attribute(client, "ring_count", "integer")
    define_attribute(client, "home")
    contact = create(client, email="a@b.example", custom_attributes={"ring_count": 1})
    assert contact["custom_attributes"] == {"ring_count": 1}
    path = f"/contacts/{contact['id']}"
    merged = client.put(path, json={"custom_attributes": {"home": "Bag End"}}).get_json()
    assert merged["custom_attributes"] == {"ring_count": 1, "home": "Bag End"}
    cleared = client.put(path, json={"custom_attributes": {"ring_count": None}}).get_json()
    assert cleared["custom_attributes"] == {"home": "Bag End"}
    refused = client.put(path, json={"custom_attributes": {"ring_count": "many"}})
    assert refused.status_code == 400
    assert error(refused)["field"] == "custom_attributes.ring_count"


@pytest.mark.parametrize(
    "change",
    [{"email": "TAKEN@shire.example"}, {"external_id": "taken"}],
)
def test_update_onto_another_users_identity_is_a_conflict(client, change):
    taken = create(client, email="taken@shire.example", external_id="taken")
    contact = create(client, email="free@shire.example")
    response = client.put(f"/contacts/{contact['id']}", json=change)
    assert response.status_code == 409
    assert taken["id"] in error(response)["message"]
    assert client.get(f"/contacts/{contact['id']}").get_json()["email"] == "free@shire.example"


def test_lead_becoming_a_user_meets_the_users_email(client):
    user = create(client, email="gandalf@istari.example")
    lead = create(client, role="lead", email="gandalf@istari.example")
    response = client.put(f"/contacts/{lead['id']}", json={"role": "user"})
    assert response.status_code == 409
    assert user["id"] in error(response)["message"]


def test_user_cannot_become_a_lead(client):
    user = create(client, email="gandalf@istari.example")
    response = client.put(f"/contacts/{user['id']}", json={"role": "lead"})
    assert response.status_code == 400
    assert error(response)["field"] == "role"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/archive"), ("POST", "/unarchive")],
)
def test_unknown_contact_is_404(client, method, suffix):
    kwargs = {"json": {"name": "x"}} if method == "PUT" else {}
    response = client.request(method, f"/contacts/5ba682d23d7cf92bef87bfd4{suffix}", **kwargs)
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "message": "User Not Found"}


def test_delete_answers_and_forgets(client):
    contact = create(client, external_id="boromir", email="boromir@gondor.example")
    response = client.delete(f"/contacts/{contact['id']}")
    assert response.get_json() == {
        "id": contact["id"],
        "external_id": "boromir",
        "type": "contact",
        "deleted": True,
    }
    assert client.get(f"/contacts/{contact['id']}").status_code == 404
    assert create(client, external_id="boromir")["id"] != contact["id"]


def test_archive_hides_from_list_but_not_from_retrieval(client):
    contact = create(client, external_id="faramir")
    archived = client.post(f"/contacts/{contact['id']}/archive").get_json()
    assert archived == {
        "id": contact["id"],
        "external_id": "faramir",
        "type": "contact",
        "archived": True,
    }
    assert client.get("/contacts").get_json()["data"] == []
    assert client.get(f"/contacts/{contact['id']}").status_code == 200
    unarchived = client.post(f"/contacts/{contact['id']}/unarchive").get_json()
    assert unarchived["archived"] is False
    assert [c["id"] for c in client.get("/contacts").get_json()["data"]] == [contact["id"]]


def walk(client, per_page, between_pages=None):
    """Every contact id the list shows, following `next` cursors, and the pages seen."""
    seen, pages, cursor = [], [], None
    while True:
        query = f"/contacts?per_page={per_page}"
        if cursor:
            query += f"&starting_after={cursor}"
        body = client.get(query).get_json()
        seen += [c["id"] for c in body["data"]]
        pages.append(body["pages"])
        if "next" not in body["pages"]:
            return seen, pages
        cursor = body["pages"]["next"]["starting_after"]
        if between_pages:
            between_pages()


def test_list_pages_follow_cursors_without_gaps_or_repeats(client):
    ids = [create(client, external_id=f"u{i}")["id"] for i in range(7)]
    seen, pages = walk(client, per_page=3)
    assert seen == ids
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert {p["total_pages"] for p in pages} == {3}
    assert pages[0]["next"]["page"] == 2


def test_list_cursor_is_stable_while_contacts_are_added(client):
    ids = [create(client, external_id=f"u{i}")["id"] for i in range(5)]
    added = []
    seen, _ = walk(client, 2, lambda: added.append(create(client, role="lead")["id"]))
    assert seen == ids + added
    assert len(set(seen)) == len(seen)


def test_empty_list(client):
    assert client.get("/contacts").get_json() == {
        "type": "list",
        "data": [],
        "total_count": 0,
        "pages": {"type": "pages", "page": 1, "per_page": 50, "total_pages": 0},
    }


def cursor_of(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "query",
    [
        "per_page=151",
        "per_page=0",
        "per_page=many",
        "page=0",
        "starting_after=bm90LWEtY3Vyc29y",
        f"starting_after={cursor_of([2, 10**30, 1])}",
        f"starting_after={cursor_of([2, 1, -1])}",
        f"starting_after={cursor_of([1, 1, 1])}",
        f"starting_after={cursor_of({'page': 2})}",
        "starting_after=%C3%A9",
    ],
)
def test_bad_list_parameters_are_400(client, query):
    create(client, role="lead")
    response = client.get(f"/contacts?{query}")
    assert response.status_code == 400
    assert error(response)["code"] == "parameter_invalid"


def test_find_by_external_id_finds_users_only(client):
    user = create(client, external_id="aragorn")
    create(client, role="lead", external_id="strider")
    found = client.get("/contacts/find_by_external_id/aragorn")
    assert found.status_code == 200 and found.get_json()["id"] == user["id"]
    for external_id in ("strider", "nobody"):
        response = client.get(f"/contacts/find_by_external_id/{external_id}")
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


def test_merge_moves_a_lead_into_a_user(client):
    define_attribute(client, "favourite_food")
    define_attribute(client, "home")
    user = create(client, external_id="sam", name="Sam", custom_attributes={"home": "Shire"})
    lead = create(
        client,
        role="lead",
        email="Sam@Shire.example",
        name="Samwise",
        phone="+44",
        custom_attributes={"favourite_food": "potatoes", "home": "Bag End"},
    )
    merged = client.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]})
    assert merged.status_code == 200
    body = merged.get_json()
    assert body["id"] == user["id"] and body["role"] == "user"
    assert (body["name"], body["email"], body["phone"]) == ("Sam", "sam@shire.example", "+44")
    assert body["custom_attributes"] == {"favourite_food": "potatoes", "home": "Shire"}
    # 2.11: "requesting it by its original ID will return a `404 Not Found` error" (2.11
    # `GET /contacts/{id}` description); 2.16 answers 410 (tests/emulator/test_merge_versions.py).
    gone = client.get(f"/contacts/{lead['id']}")
    assert gone.status_code == 404
    assert error(gone) == {"code": "not_found", "message": "User Not Found"}
    assert [c["id"] for c in client.get("/contacts").get_json()["data"]] == [user["id"]]


@pytest.mark.parametrize(
    ("pair", "status", "field"),
    [
        (("user", "user"), 400, "from"),
        (("lead", "lead"), 400, "into"),
        (("lead", "missing"), 404, None),
        (("missing", "user"), 404, None),
        (("lead", None), 400, "into"),
    ],
)
def test_merge_refuses_wrong_roles_and_unknown_ids(client, pair, status, field):
    ids = {
        "user": create(client, external_id="user")["id"],
        "lead": create(client, role="lead")["id"],
        "missing": "5ba682d23d7cf92bef87bfd4",
    }
    body = {key: ids[kind] for key, kind in zip(("from", "into"), pair, strict=True) if kind}
    if pair == ("user", "user"):
        body["into"] = create(client, external_id="other")["id"]
    response = client.post("/contacts/merge", json=body)
    assert response.status_code == status
    assert error(response).get("field") == field


def test_two_tokens_see_disjoint_contacts(client, other_client):
    mine = create(client, email="shared@example.org")
    theirs = other_client.post("/contacts", json={"email": "shared@example.org"})
    assert theirs.status_code == 200
    assert other_client.get(f"/contacts/{mine['id']}").status_code == 404
    assert [c["id"] for c in other_client.get("/contacts").get_json()["data"]] == [
        theirs.get_json()["id"]
    ]
    assert client.put(f"/contacts/{theirs.get_json()['id']}", json={}).status_code == 404


def test_tags_and_companies_appear_up_to_ten(client, db_path):
    contact = create(client, email="legolas@mirkwood.example")
    with sqlite3.connect(db_path) as conn:
        workspace_id = contact["workspace_id"]
        for n in range(12):
            tag = conn.execute(
                "INSERT INTO tags (workspace_id, name, created_at) VALUES (?, ?, 1)",
                [workspace_id, f"tag {n}"],
            ).lastrowid
            conn.execute(
                "INSERT INTO contact_tags (contact_id, tag_id, applied_at) VALUES (?, ?, ?)",
                [contact["id"], tag, n],
            )
        conn.execute(
            "INSERT INTO companies (id, workspace_id, company_id, created_at, updated_at)"
            " VALUES ('c0ffee', ?, 'mirkwood', 1, 1)",
            [workspace_id],
        )
        conn.execute(
            "INSERT INTO contact_companies (contact_id, company_id, created_at) VALUES (?, ?, 1)",
            [contact["id"], "c0ffee"],
        )
    shown = client.get(f"/contacts/{contact['id']}").get_json()
    assert len(shown["tags"]["data"]) == 10
    assert shown["tags"]["total_count"] == 12 and shown["tags"]["has_more"] is True
    assert shown["tags"]["data"][0]["type"] == "tag"
    assert shown["companies"]["data"] == [
        {"type": "company", "id": "c0ffee", "url": "/companies/c0ffee"}
    ]
    assert shown["companies"]["has_more"] is False
