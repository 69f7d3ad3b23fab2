"""The foundation's promise, through a real `emulator serve` and plain `requests`: a workspace's
data is created, read, searched and related, and all of it is still there after a restart."""

from __future__ import annotations

from tests.conftest import checked_session


def search(session, url, query):
    response = session.post(f"{url}/contacts/search", json={"query": query})
    assert response.status_code == 200, response.text
    return [contact["id"] for contact in response.json()["data"]]


def test_state_round_trip_survives_a_restart(emulator_server):
    url = emulator_server.url
    api = checked_session(emulator_server, "e2e-token")
    assert api.post(f"{url}/_emulator/clock", json={"freeze": True}).status_code == 200

    attribute = api.post(
        f"{url}/data_attributes",
        json={"name": "plan_tier", "model": "contact", "data_type": "string"},
    )
    assert attribute.status_code == 200, attribute.text

    created = api.post(
        f"{url}/contacts",
        json={
            "external_id": "user-1",
            "email": "Ada@Example.com",
            "name": "Ada",
            "custom_attributes": {"plan_tier": "pro"},
        },
    )
    assert created.status_code == 200, created.text
    contact = created.json()
    assert contact["email"] == "ada@example.com"
    assert api.get(f"{url}/contacts/{contact['id']}").json()["custom_attributes"] == {
        "plan_tier": "pro"
    }

    updated = api.put(
        f"{url}/contacts/{contact['id']}",
        json={"name": "Ada Lovelace", "custom_attributes": {"plan_tier": "enterprise"}},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Ada Lovelace"

    # A fresh write reaches search after the workspace's search lag (5 s by default; Intercom:
    # "This delay can take a few minutes", 2.16 POST /contacts/search): advance the clock.
    assert search(api, url, {"field": "email", "operator": "=", "value": "ada@example.com"}) == []
    assert api.post(f"{url}/_emulator/clock", json={"advance": 5}).status_code == 200
    assert search(api, url, {"field": "email", "operator": "=", "value": "ada@example.com"}) == [
        contact["id"]
    ]
    by_attribute = {"field": "custom_attributes.plan_tier", "operator": "=", "value": "enterprise"}
    assert search(api, url, by_attribute) == [contact["id"]]

    company = api.post(f"{url}/companies", json={"company_id": "acme", "name": "Acme"})
    assert company.status_code == 200, company.text
    attached = api.post(
        f"{url}/contacts/{contact['id']}/companies", json={"id": company.json()["id"]}
    )
    assert attached.status_code == 200, attached.text

    for created_at in (1700000000, 1700000100):
        event = api.post(
            f"{url}/events",
            json={
                "event_name": "signed-up",
                "created_at": created_at,
                "user_id": "user-1",
            },
        )
        assert event.status_code == 202, event.text
        assert event.content == b""

    def assert_everything_is_there():
        fetched = api.get(f"{url}/contacts/{contact['id']}").json()
        assert fetched["name"] == "Ada Lovelace"
        assert fetched["custom_attributes"] == {"plan_tier": "enterprise"}
        companies = api.get(f"{url}/contacts/{contact['id']}/companies").json()
        assert [c["company_id"] for c in companies["companies"]] == ["acme"]
        summary = api.get(
            f"{url}/events", params={"type": "user", "user_id": "user-1", "summary": "true"}
        ).json()
        assert [(e["name"], e["count"]) for e in summary["events"]] == [("signed-up", 2)]
        assert search(api, url, by_attribute) == [contact["id"]]
        names = api.get(f"{url}/data_attributes", params={"model": "contact"}).json()["data"]
        assert "plan_tier" in [a["name"] for a in names]

    assert_everything_is_there()
    assert emulator_server.stop() == 0
    emulator_server.start()
    url = emulator_server.url
    api = checked_session(emulator_server, "e2e-token")
    assert_everything_is_there()

    stranger = checked_session(emulator_server, "another-token")
    assert stranger.get(f"{url}/contacts/{contact['id']}").status_code == 404
    assert (
        stranger.post(
            f"{url}/contacts/search",
            json={"query": {"field": "email", "operator": "=", "value": "ada@example.com"}},
        ).json()["data"]
        == []
    )
