from __future__ import annotations

import pytest


def create(client, name="plan_tier", model="contact", data_type="string", **extra):
    return client.post(
        "/data_attributes", json={"name": name, "model": model, "data_type": data_type, **extra}
    )


def test_create_list_and_archive(client):
    created = create(client, "Mithril Shirt", model="company")
    assert created.status_code == 200
    attr = created.get_json()
    assert attr["full_name"] == "custom_attributes.Mithril Shirt"
    assert attr["model"] == "company" and attr["custom"] is True
    listed = client.get("/data_attributes?model=company").get_json()["data"]
    assert [a["name"] for a in listed] == ["Mithril Shirt"]
    assert client.get("/data_attributes?model=contact").get_json()["data"] == []
    archived = client.put(f"/data_attributes/{attr['id']}", json={"archived": True}).get_json()
    assert archived["archived"] is True
    assert client.get("/data_attributes?model=company").get_json()["data"] == []
    everything = client.get("/data_attributes?model=company&include_archived=true").get_json()
    assert [a["archived"] for a in everything["data"]] == [True]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"name": "!nv@l!d n@me", "model": "company", "data_type": "string"},
            "Your name for this attribute must only contain alphanumeric characters, currency"
            " symbols, and hyphens",
        ),
        (
            {"name": "dotted.name", "model": "company", "data_type": "string"},
            "Your name for this attribute must only contain alphanumeric characters, currency"
            " symbols, and hyphens",
        ),
        (
            {"name": "The Second Ring", "model": "company", "data_type": "mithril"},
            "Data Type isn't an option",
        ),
        (
            {"name": "The Second Ring", "model": "ticket", "data_type": "string"},
            "The Data Attribute model field must be either contact or company",
        ),
    ],
)
def test_invalid_creates_are_refused(client, body, message):
    response = client.post("/data_attributes", json=body)
    assert response.status_code == 400
    assert response.get_json()["errors"][0] == {
        **response.get_json()["errors"][0],
        "code": "parameter_invalid",
        "message": message,
    }
    assert client.get("/data_attributes").get_json()["data"] == []


def test_duplicate_name_names_the_existing_model(client):
    assert create(client, "The One Ring", model="company").status_code == 200
    response = create(client, "the one ring", model="contact", data_type="integer")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["message"] == (
        "You already have 'the one ring' in your company data. To save this as new people data,"
        " use a different name."
    )


def test_update_unknown_attribute_is_404(client):
    response = client.put("/data_attributes/999999", json={"archived": True})
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "field_not_found"


def test_list_attribute_options_are_strings(client):
    created = create(client, "tier", options=[{"value": "gold"}, {"value": "silver"}]).get_json()
    assert created["options"] == ["gold", "silver"]
    one = create(client, "size_band", options=[{"value": "1-10"}])
    assert one.status_code == 400 and one.get_json()["errors"][0]["field"] == "options"


def test_journal_since_past_sqlite_integers_is_400(client):
    response = client.get(f"/_emulator/journal?since={2**70}")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "since"
