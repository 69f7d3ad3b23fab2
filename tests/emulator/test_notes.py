"""A contact's notes: create, list, retrieve [S2.11 createNote, listNotes, retrieveNote: Intercom's
2.11 description, paths `/contacts/{contact_id}/notes` and `/notes/{note_id}`]. Every response is
checked against Intercom's `note` and `note_list` schemas by the `client` fixture."""

from __future__ import annotations

import pytest

from tests.emulator.test_companies import first_error, new_contact


def note(client, contact_id, **body):
    response = client.post(f"/contacts/{contact_id}/notes", json={"body": "Hello", **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_note_is_created_retrieved_and_listed_newest_first(client):
    contact_id = new_contact(client)
    admin = client.get("/me").get_json()
    first = note(client, contact_id)
    # [S2.11 createNote examples]: body "Hello" comes back as "<p>Hello</p>".
    assert first["type"] == "note" and first["id"].isdigit()
    assert first["body"] == "<p>Hello</p>"
    assert first["contact"] == {"type": "contact", "id": contact_id}
    assert first["author"]["type"] == "admin" and first["author"]["id"] == admin["id"]
    second = note(client, contact_id, body="<p>Already <b>HTML</b></p>", admin_id=admin["id"])
    assert second["body"] == "<p>Already <b>HTML</b></p>"

    assert client.get(f"/notes/{first['id']}").get_json() == first
    listed = client.get(f"/contacts/{contact_id}/notes").get_json()
    # Newest first, as Intercom's listNotes example lists ids 29, 28, 27.
    assert [n["id"] for n in listed["data"]] == [second["id"], first["id"]]
    assert listed["total_count"] == 2
    assert listed["pages"]["page"] == 1 and listed["pages"]["per_page"] == 15  # "Defaults to 15"


def test_plain_text_is_escaped_into_its_paragraph(client):
    contact_id = new_contact(client)
    assert note(client, contact_id, body="1 < 2 & 3")["body"] == "<p>1 &lt; 2 &amp; 3</p>"


def test_the_contact_object_lists_its_notes(client):
    """The contact's `notes` addressable list leads to `/notes/{id}` (Intercom's contact model:
    `{"type": "note", "id": …, "url": "/notes/…"}`)."""
    contact_id = new_contact(client)
    created = note(client, contact_id)
    shown = client.get(f"/contacts/{contact_id}").get_json()["notes"]
    assert shown["data"] == [
        {"type": "note", "id": created["id"], "url": f"/notes/{created['id']}"}
    ]
    assert shown["url"] == f"/contacts/{contact_id}/notes"
    assert shown["total_count"] == 1 and shown["has_more"] is False
    assert client.get(shown["data"][0]["url"]).status_code == 200
    assert client.get(shown["url"]).status_code == 200


def test_notes_page_by_page_and_per_page(client):
    contact_id = new_contact(client)
    made = [note(client, contact_id, body=f"n{i}")["id"] for i in range(5)]
    page1 = client.get(f"/contacts/{contact_id}/notes?per_page=2").get_json()
    page3 = client.get(f"/contacts/{contact_id}/notes?per_page=2&page=3").get_json()
    assert [n["id"] for n in page1["data"]] == made[::-1][:2]
    assert [n["id"] for n in page3["data"]] == [made[0]]
    assert page1["pages"]["total_pages"] == 3 and page1["pages"]["next"] is not None
    assert page3["pages"]["next"] is None


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/contacts/{}/notes"), ("POST", "/contacts/{}/notes")],
)
def test_an_unknown_contact_is_user_not_found(client, method, path):
    """[S2.11 createNote/listNotes 404 "Contact not found"]: not_found "User Not Found"."""
    response = client.request(method, path.format("0" * 24), json={"body": "x"})
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "User Not Found"}


@pytest.mark.parametrize("note_id", ["999999", "abc", str(10**30)])
def test_an_unknown_note_is_resource_not_found(client, note_id):
    """[S2.11 retrieveNote 404 "Note not found"]: not_found "Resource Not Found"."""
    response = client.get(f"/notes/{note_id}")
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "Resource Not Found"}


def test_an_unknown_admin_is_resource_not_found(client):
    """[S2.11 createNote 404 "Admin not found" example]: not_found "Resource Not Found"."""
    contact_id = new_contact(client)
    response = client.post(f"/contacts/{contact_id}/notes", json={"body": "x", "admin_id": "1"})
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "Resource Not Found"}
    assert client.get(f"/contacts/{contact_id}/notes").get_json()["total_count"] == 0


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({}, "parameter_not_found", "body"),  # [S2.11 createNote] `body` is required
        ({"body": 5}, "parameter_invalid", "body"),
        ({"body": "x", "colour": "red"}, "bad_request", "colour"),
    ],
)
def test_bad_bodies_are_400(client, body, code, field):
    contact_id = new_contact(client)
    response = client.post(f"/contacts/{contact_id}/notes", json=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == code
    assert first_error(response)["field"] == field


def test_notes_belong_to_their_workspace(client, other_client):
    contact_id = new_contact(client)
    created = note(client, contact_id)
    assert other_client.get(f"/notes/{created['id']}").status_code == 404


def test_a_deleted_contacts_notes_go_with_it(client):
    contact_id = new_contact(client)
    created = note(client, contact_id)
    assert client.delete(f"/contacts/{contact_id}").status_code == 200
    assert client.get(f"/notes/{created['id']}").status_code == 404


def test_a_merged_leads_notes_and_subscriptions_move_to_the_user(client):
    """The emulator's choice for what a merge carries over (emulator/store/contacts/merging.py):
    the lead's notes and opt-ins/opt-outs go with its companies and tags to the user."""
    user = client.post("/contacts", json={"email": "sam@example.com", "role": "user"}).get_json()
    lead = client.post("/contacts", json={"role": "lead", "name": "Samwise"}).get_json()
    written = note(client, lead["id"], body="Met at the fair")
    client.post(
        f"/contacts/{lead['id']}/subscriptions", json={"id": "1", "consent_type": "opt_out"}
    )
    assert (
        client.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]}).status_code
        == 200
    )
    notes = client.get(f"/contacts/{user['id']}/notes").get_json()["data"]
    assert [n["id"] for n in notes] == [written["id"]]
    assert notes[0]["contact"] == {"type": "contact", "id": user["id"]}
    subscribed = client.get(f"/contacts/{user['id']}/subscriptions").get_json()["data"]
    assert [t["id"] for t in subscribed] == ["1"]
