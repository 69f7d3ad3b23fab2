"""`POST /contacts/merge` and merged contacts per Intercom-Version: 2.11 and 2.16 differ.

Sources: Intercom's 2.11 description (`GET /contacts/{id}` and `POST /contacts/merge`: a merged
contact answers "404 Not Found") and its 2.16 description (`GET /contacts/{contact_id}`: "HTTP 410
Gone" with a `Link` header; `POST /contacts/merge`: 400 `invalid_merge` unless the contacts are
duplicates "(matching email or phone)" or `skip_duplicate_validation` is true;
`include_merge_history` and `merge_history_item`); intercom-api-facts.md §2 and §5.1.
"""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient

NOT_DUPLICATES = (
    "Contacts can only be merged when they are duplicates (matching email or phone)."
    " Pass skip_duplicate_validation=true to override this check."
)


@pytest.fixture
def v216(app, token):
    """The same workspace as `client`, speaking Intercom-Version 2.16."""
    return ApiClient(app.test_client(), token, "2.16")


def create(client, **body):
    response = client.post("/contacts", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error(response):
    return response.get_json()["errors"][0]


def merge(client, lead, user, **extra):
    return client.post("/contacts/merge", json={"from": lead["id"], "into": user["id"], **extra})


def test_under_2_16_only_duplicates_merge(v216):
    user = create(v216, external_id="sam", email="sam@shire.example")
    stranger = create(v216, role="lead", email="gollum@misty.example")
    refused = merge(v216, stranger, user)
    assert refused.status_code == 400
    assert error(refused) == {"code": "invalid_merge", "message": NOT_DUPLICATES}
    assert v216.get(f"/contacts/{stranger['id']}").status_code == 200  # nothing merged

    same_email = create(v216, role="lead", email="SAM@shire.example")
    assert merge(v216, same_email, user).status_code == 200
    phoned = create(v216, external_id="frodo", phone="+44 1")
    same_phone = create(v216, role="lead", phone="+44 1")
    assert merge(v216, same_phone, phoned).status_code == 200


def test_skip_duplicate_validation_merges_anyway_under_2_16(v216):
    user = create(v216, external_id="sam", email="sam@shire.example")
    lead = create(v216, role="lead", email="gollum@misty.example")
    merged = merge(v216, lead, user, skip_duplicate_validation=True)
    assert merged.status_code == 200 and merged.get_json()["id"] == user["id"]
    lead = create(v216, role="lead", email="smeagol@misty.example")
    explicit_false = merge(v216, lead, user, skip_duplicate_validation=False)
    assert error(explicit_false)["code"] == "invalid_merge"


def test_under_2_11_any_lead_merges_and_the_2_16_key_is_unknown(client):
    user = create(client, external_id="sam", email="sam@shire.example")
    lead = create(client, role="lead", email="gollum@misty.example")
    unknown = merge(client, lead, user, skip_duplicate_validation=True)
    assert unknown.status_code == 400
    assert error(unknown) == {
        "code": "bad_request",
        "message": "bad 'skip_duplicate_validation' parameter",
        "field": "skip_duplicate_validation",
    }
    assert merge(client, lead, user).status_code == 200


def test_a_merged_contact_is_404_under_2_11_and_410_under_2_16(client, v216):
    user = create(client, external_id="sam", email="sam@shire.example")
    lead = create(client, role="lead", email="sam@shire.example")
    assert merge(client, lead, user).status_code == 200

    old = client.get(f"/contacts/{lead['id']}")
    assert old.status_code == 404 and "Link" not in old.headers
    assert error(old) == {"code": "not_found", "message": "User Not Found"}

    new = v216.get(f"/contacts/{lead['id']}")
    assert new.status_code == 410
    assert error(new) == {
        "code": "contact_merged",
        "message": "This contact has been merged. See the 'Link' header for the canonical contact.",
    }
    assert new.headers["Link"] == f'</contacts/{user["id"]}>; rel="canonical"'


def test_include_merge_history_under_2_16(client, v216):
    v216.post("/_emulator/clock", json={"freeze": True, "at": 1_800_000_000})
    user = create(v216, external_id="sam", email="sam@shire.example")
    lead = create(v216, role="lead", email="sam@shire.example")
    assert merge(v216, lead, user).status_code == 200
    expected = [
        {
            "type": "merge_history",
            "source_contact_id": lead["id"],
            "source_contact_role": "lead",
            "merged_at": 1_800_000_000,
        }
    ]
    shown = v216.get(f"/contacts/{user['id']}?include_merge_history=true").get_json()
    assert shown["merge_history"] == expected
    listed = v216.get("/contacts?include_merge_history=true").get_json()
    assert [c.get("merge_history") for c in listed["data"]] == [expected]
    # Left out without the parameter, and under 2.11, which does not document it.
    assert "merge_history" not in v216.get(f"/contacts/{user['id']}").get_json()
    old = client.get(f"/contacts/{user['id']}?include_merge_history=true").get_json()
    assert "merge_history" not in old


def test_email_verified_under_2_16_needs_an_email(client, v216):
    """2.16 `create_contact_request.email_verified`: "Must be supplied together with an email in
    the same request; sending it without an email returns a 400"."""
    made = v216.post("/contacts", json={"email": "a@example.org", "email_verified": True})
    assert made.status_code == 200
    alone = v216.put(f"/contacts/{made.get_json()['id']}", json={"email_verified": False})
    assert alone.status_code == 400
    assert error(alone)["field"] == "email_verified"
    older = client.post("/contacts", json={"email": "b@example.org", "email_verified": True})
    assert older.status_code == 400
    assert error(older)["message"] == "bad 'email_verified' parameter"
