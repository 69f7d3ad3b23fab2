from __future__ import annotations

import pytest

from tests.emulator.test_companies import company, first_error, new_contact


def tag(client, name="VIP", **extra):
    response = client.post("/tags", json={"name": name, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_create_find_rename_and_delete(client):
    created = tag(client)
    assert created == {"type": "tag", "id": created["id"], "name": "VIP"}
    assert created["id"].isdigit()
    assert tag(client, "vip")["id"] == created["id"]  # names are case insensitive
    renamed = tag(client, "Very Important", id=created["id"])
    assert renamed == {**created, "name": "Very Important"}
    assert client.get(f"/tags/{created['id']}").get_json()["name"] == "Very Important"
    listed = client.get("/tags").get_json()
    assert [(t["id"], t["name"]) for t in listed["data"]] == [(created["id"], "Very Important")]

    deleted = client.delete(f"/tags/{created['id']}")
    assert deleted.status_code == 200 and deleted.data == b""
    for response in (client.get(f"/tags/{created['id']}"), client.delete(f"/tags/{created['id']}")):
        assert response.status_code == 404
        assert first_error(response) == {"code": "not_found", "message": "Resource Not Found"}
    assert client.get("/tags").get_json()["data"] == []


@pytest.mark.parametrize("tag_id", ["abc", "-1", str(10**20)])
def test_ids_that_are_not_tag_ids_are_404(client, tag_id):
    assert client.get(f"/tags/{tag_id}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"test": "invalid"},
        {},
        {"name": ""},
        {"name": 5},
        {"name": "VIP", "companies": "acme"},
        {"name": "VIP", "companies": [{}]},
        {"name": "VIP", "users": [{"email": "a@example.com"}]},
        {"name": "VIP", "companies": [], "users": []},
    ],
)
def test_unreadable_bodies_are_invalid_tag_parameters(client, body):
    response = client.post("/tags", json=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_invalid"
    assert first_error(response)["message"] == "invalid tag parameters"
    assert client.get("/tags").get_json()["data"] == []


def test_renaming_refuses_unknown_ids_and_taken_names(client):
    assert client.post("/tags", json={"name": "x", "id": "999999"}).status_code == 404
    first, second = tag(client, "one"), tag(client, "two")
    response = client.post("/tags", json={"name": "ONE", "id": second["id"]})
    assert response.status_code == 400
    assert client.get(f"/tags/{first['id']}").get_json()["name"] == "one"


def test_tag_and_untag_companies(client):
    acme, globex = company(client, "acme"), company(client, "globex")
    body = {"name": "Enterprise", "companies": [{"id": acme["id"]}, {"company_id": "globex"}]}
    created = tag(client, **body)  # the tag is created on the way
    tagged = client.get(f"/companies/{acme['id']}").get_json()["tags"]["tags"]
    assert tagged == [{"type": "tag", "id": created["id"], "name": "Enterprise"}]
    by_tag = client.get(f"/companies?tag_id={created['id']}").get_json()
    assert sorted(c["id"] for c in by_tag["data"]) == sorted([acme["id"], globex["id"]])

    tag(client, "Enterprise", companies=[{"company_id": "globex", "untag": True}])
    assert client.get(f"/companies/{globex['id']}").get_json()["tags"]["tags"] == []
    by_tag = client.get(f"/companies?tag_id={created['id']}").get_json()
    assert [c["id"] for c in by_tag["data"]] == [acme["id"]]


def test_tagging_unknown_companies_or_users_changes_nothing(client):
    company(client, "acme")
    body = {"name": "test", "companies": [{"company_id": "acme"}, {"company_id": "123"}]}
    response = client.post("/tags", json=body)
    assert response.status_code == 404
    assert first_error(response) == {"code": "company_not_found", "message": "Company Not Found"}
    response = client.post("/tags", json={"name": "test", "users": [{"id": "123"}]})
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "User Not Found"}
    assert client.get("/tags").get_json()["data"] == []
    untag = {"name": "never made", "companies": [{"company_id": "acme", "untag": True}]}
    assert client.post("/tags", json=untag).status_code == 404


def test_tag_users_and_read_the_contact_tags(client):
    admin_id = client.get("/me").get_json()["id"]
    contact_id = new_contact(client)
    created = tag(client, "Beta", users=[{"id": contact_id}])
    listed = client.get(f"/contacts/{contact_id}/tags").get_json()["data"]
    assert listed == [
        {
            **created,
            "applied_at": listed[0]["applied_at"],
            "applied_by": {"type": "admin", "id": admin_id},
        }
    ]
    assert isinstance(listed[0]["applied_at"], int)
    summary = client.get(f"/contacts/{contact_id}").get_json()["tags"]
    assert summary["total_count"] == 1 and summary["data"][0]["id"] == created["id"]
    tag(client, "Beta", users=[{"id": contact_id, "untag": True}])
    assert client.get(f"/contacts/{contact_id}/tags").get_json()["data"] == []


@pytest.mark.parametrize("as_number", [False, True])
def test_contact_tags_attach_list_detach(client, as_number):
    contact_id = new_contact(client)
    created = tag(client)
    tag_id = int(created["id"]) if as_number else created["id"]
    attached = client.post(f"/contacts/{contact_id}/tags", json={"id": tag_id})
    assert attached.status_code == 200
    assert attached.get_json()["id"] == created["id"]
    assert attached.get_json()["applied_by"]["type"] == "admin"
    again = client.post(f"/contacts/{contact_id}/tags", json={"id": tag_id}).get_json()
    assert again["applied_at"] == attached.get_json()["applied_at"]
    assert len(client.get(f"/contacts/{contact_id}/tags").get_json()["data"]) == 1

    detached = client.delete(f"/contacts/{contact_id}/tags/{created['id']}")
    assert detached.status_code == 200 and detached.get_json()["name"] == "VIP"
    assert client.get(f"/contacts/{contact_id}/tags").get_json()["data"] == []
    assert client.delete(f"/contacts/{contact_id}/tags/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    ("contact", "body", "status", "error"),
    [
        ("known", {"id": "123"}, 404, {"code": "not_found", "message": "Resource Not Found"}),
        ("known", {}, 400, {"code": "parameter_not_found", "message": "tag not specified"}),
        ("unknown", "tag", 404, {"code": "not_found", "message": "User Not Found"}),
    ],
)
def test_contact_tag_errors(client, contact, body, status, error):
    contact_id = new_contact(client) if contact == "known" else "5ba682d23d7cf92bef87bfd4"
    if body == "tag":
        body = {"id": tag(client)["id"]}
    response = client.post(f"/contacts/{contact_id}/tags", json=body)
    assert response.status_code == status
    assert {k: first_error(response)[k] for k in ("code", "message")} == error


def test_deleting_a_tag_removes_it_everywhere(client):
    contact_id = new_contact(client)
    acme = company(client, "acme")
    created = tag(client, "Gone", companies=[{"id": acme["id"]}])
    client.post(f"/contacts/{contact_id}/tags", json={"id": created["id"]})
    assert client.delete(f"/tags/{created['id']}").status_code == 200
    assert client.get(f"/contacts/{contact_id}/tags").get_json()["data"] == []
    assert client.get(f"/companies/{acme['id']}").get_json()["tags"]["tags"] == []


def test_workspaces_never_see_each_others_tags(client, other_client):
    mine = tag(client, "VIP")
    assert other_client.get("/tags").get_json()["data"] == []
    assert other_client.get(f"/tags/{mine['id']}").status_code == 404
    assert other_client.delete(f"/tags/{mine['id']}").status_code == 404
    assert tag(other_client, "VIP")["id"] != mine["id"]
    their_contact = new_contact(other_client)
    response = other_client.post(f"/contacts/{their_contact}/tags", json={"id": mine["id"]})
    assert response.status_code == 404
    renamed = other_client.post("/tags", json={"name": "Mine now", "id": mine["id"]})
    assert renamed.status_code == 404
    assert client.get(f"/tags/{mine['id']}").get_json()["name"] == "VIP"
