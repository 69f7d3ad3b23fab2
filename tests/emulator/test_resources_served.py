"""Notes, segments, subscription types and the 501 of an operation that is not emulated, through
a real `emulator serve` and plain `requests` (issue 14, items 10 and 11). Each response is
checked against Intercom's 2.11 description (`checked_session`): `note`, `segment_list`,
`contact_segments`, `subscription_type` and the `error` of a 501."""

from __future__ import annotations

from tests.conftest import checked_session


def test_notes_segments_subscriptions_and_501_through_a_served_emulator(emulator_server):
    url = emulator_server.url
    api = checked_session(emulator_server, "served-resources")
    seed = {
        "contacts": [{"email": "ada@example.com", "role": "user"}],
        "segments": [
            {
                "name": "Example users",
                "query": {"field": "email_domain", "operator": "=", "value": "example.com"},
            }
        ],
    }
    seeded = api.post(f"{url}/_emulator/seed", json=seed)
    assert seeded.status_code == 200, seeded.text
    contact_id = seeded.json()["ids"]["contacts"][0]
    segment_id = seeded.json()["ids"]["segments"][0]
    assert api.post(f"{url}/_emulator/clock", json={"advance": 3600}).status_code == 200

    # [S2.11 createNote, retrieveNote]; the contact's `notes` leads to the note.
    note = api.post(f"{url}/contacts/{contact_id}/notes", json={"body": "Called back"})
    assert note.status_code == 200, note.text
    assert note.json()["body"] == "<p>Called back</p>"
    link = api.get(f"{url}/contacts/{contact_id}").json()["notes"]["data"][0]["url"]
    assert api.get(f"{url}{link}").json() == note.json()

    # [S2.11 listSegments, listSegmentsForAContact].
    listed = api.get(f"{url}/segments", params={"include_count": "true"}).json()
    assert [(s["id"], s["count"]) for s in listed["segments"]] == [(segment_id, 1)]
    mine = api.get(f"{url}/contacts/{contact_id}/segments").json()["data"]
    assert [s["id"] for s in mine] == [segment_id]

    # [S2.11 attachSubscriptionTypeToContact, listSubscriptionsForAContact].
    types = api.get(f"{url}/subscription_types").json()["data"]
    opt_out = next(t for t in types if t["consent_type"] == "opt_out")
    attached = api.post(
        f"{url}/contacts/{contact_id}/subscriptions",
        json={"id": opt_out["id"], "consent_type": "opt_out"},
    )
    assert attached.status_code == 200, attached.text
    shown = api.get(f"{url}/contacts/{contact_id}/subscriptions").json()["data"]
    assert [t["id"] for t in shown] == [opt_out["id"]]

    # Issue 14 item 11: an operation Intercom has and the emulator does not serve is a 501.
    articles = api.get(f"{url}/articles")
    assert articles.status_code == 501
    assert articles.json()["errors"] == [
        {
            "code": "not_emulated",
            "message": "GET /articles is not emulated (Intercom's listArticles)",
        }
    ]
    assert api.get(f"{url}/articlez").status_code == 404
