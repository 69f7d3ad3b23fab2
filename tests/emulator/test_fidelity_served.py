"""Issue 14's fidelity items through a real `emulator serve` (one server, one workspace per
test), each citing where Intercom documents the behaviour. The in-process tests beside this file
cover each item in detail; these show the served emulator answers the same."""

from __future__ import annotations

import uuid

import pytest

from tests import intercom_reference
from tests.conftest import checked_session


@pytest.fixture
def api(emulator_server):
    """A checked session (every answer validated against Intercom's 2.11 description) on a
    fresh workspace, its clock frozen so that the search lag is the clock's to skip."""
    session = checked_session(emulator_server, f"served-{uuid.uuid4().hex}")
    session.base = emulator_server.url
    assert session.post(f"{session.base}/_emulator/clock", json={"freeze": True}).ok
    return session


def call(api, method, path, **kwargs):
    return api.request(method, api.base + path, timeout=30, **kwargs)


def contact(api, **body):
    response = call(api, "POST", "/contacts", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def company_with_user(api, company_id, user):
    made = call(api, "POST", "/companies", json={"company_id": company_id, "name": company_id})
    assert made.status_code == 200, made.text
    attached = call(
        api, "POST", f"/contacts/{user['id']}/companies", json={"id": made.json()["id"]}
    )
    assert attached.status_code == 200, attached.text
    return made.json()


def test_company_lookup_and_scroll(emulator_server, api):
    """2.11 `GET /companies`: "You can fetch a single company by passing in `company_id` or
    `name`"; 2.11 `GET /companies/scroll`: one scroll per app, a minute unused expires it, the
    end is an empty page."""
    user = contact(api, external_id="u1", email="u1@example.org")
    acme = company_with_user(api, "acme", user)
    plain = emulator_server.session(api.headers["Authorization"].split()[-1])
    found = plain.get(f"{api.base}/companies", params={"company_id": "acme"}, timeout=30)
    assert found.status_code == 200 and found.json()["type"] == "company"
    assert found.json()["id"] == acme["id"]
    spec = intercom_reference.load()
    if spec is not None:  # Intercom's own `company` schema, as its prose promises
        assert spec.schema_errors("company", found.json()) == []

    def scroll(param=None):
        response = plain.get(
            f"{api.base}/companies/scroll", params={"scroll_param": param} if param else {}
        )
        return response

    first = scroll()
    assert first.status_code == 200 and len(first.json()["data"]) == 1
    assert (scroll().status_code, scroll().json()["errors"][0]["code"]) == (400, "scroll_exists")
    call(api, "POST", "/_emulator/clock", json={"advance": 60})
    expired = scroll(first.json()["scroll_param"])
    assert expired.status_code == 404
    page, pages = scroll().json(), 1
    while page["data"]:
        page, pages = scroll(page["scroll_param"]).json(), pages + 1
        assert pages < 5
    assert pages == 2


def test_merge_rules_per_version(emulator_server, api):
    """2.16 `POST /contacts/merge`: 400 `invalid_merge` unless duplicates or
    `skip_duplicate_validation`; 2.11 `GET /contacts/{id}`: a merged contact is 404, 2.16: 410;
    2.16's `include_merge_history` and `email_verified`."""
    token = api.headers["Authorization"].split()[-1]
    v216 = checked_session(emulator_server, token)
    v216.headers["Intercom-Version"] = "2.16"
    v216.base = api.base
    user = contact(api, external_id="sam", email="sam@example.org")
    stranger = contact(api, role="lead", email="gollum@example.org")
    refused = call(
        v216, "POST", "/contacts/merge", json={"from": stranger["id"], "into": user["id"]}
    )
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (400, "invalid_merge")
    body = {"from": stranger["id"], "into": user["id"], "skip_duplicate_validation": True}
    assert call(v216, "POST", "/contacts/merge", json=body).status_code == 200
    assert call(api, "GET", f"/contacts/{stranger['id']}").status_code == 404
    gone = call(v216, "GET", f"/contacts/{stranger['id']}")
    assert (
        gone.status_code == 410
        and gone.headers["Link"] == f'</contacts/{user["id"]}>; rel="canonical"'
    )
    history = call(v216, "GET", f"/contacts/{user['id']}?include_merge_history=true").json()
    assert [item["source_contact_id"] for item in history["merge_history"]] == [stranger["id"]]
    # 2.16 `create_contact_request.email_verified`: "Must be supplied together with an email".
    verified = {"email": "rosie@example.org", "email_verified": True}
    made = call(v216, "POST", "/contacts", json=verified)
    assert made.status_code == 200
    alone = call(v216, "PUT", f"/contacts/{made.json()['id']}", json={"email_verified": False})
    assert alone.status_code == 400
    assert (
        call(api, "POST", "/contacts", json={**verified, "email": "x@example.org"}).status_code
        == 400
    )


def test_search_pages_past_150_without_per_page(api):
    """2.11 `POST /contacts/search`: "The default is `50` results per page"; the lag ("can take
    a few minutes", 2.16) is skipped with the workspace clock."""
    for number in range(155):
        contact(api, external_id=f"p{number:03}")
    query = {"field": "external_id", "operator": "^", "value": "p"}
    assert call(api, "POST", "/contacts/search", json={"query": query}).json()["total_count"] == 0
    call(api, "POST", "/_emulator/clock", json={"advance": 5})
    seen, pagination = [], None
    while True:
        body = {"query": query, **({"pagination": pagination} if pagination else {})}
        page = call(api, "POST", "/contacts/search", json=body).json()
        assert page["pages"]["per_page"] == 50
        seen += [c["external_id"] for c in page["data"]]
        if not page["pages"].get("next"):
            break
        pagination = {"starting_after": page["pages"]["next"]["starting_after"]}
    assert sorted(seen) == [f"p{number:03}" for number in range(155)]


def test_data_attributes_events_and_summaries(api):
    """2.11 `GET /data_attributes` lists Intercom's own attributes (`custom: false`); 2.16
    `data_type: options`; 2.11 `POST /events`: a lead's events need its `id`; 2.11
    `create_data_event_summaries_request`: a name, a time and a count."""
    listed = call(api, "GET", "/data_attributes", params={"model": "company"}).json()["data"]
    assert {"name", "company_id", "website"} <= {a["full_name"] for a in listed if not a["custom"]}
    taken = call(
        api,
        "POST",
        "/data_attributes",
        json={"name": "email", "model": "contact", "data_type": "string"},
    )
    assert taken.status_code == 400
    options = [{"value": "small"}, {"value": "large"}]
    body = {"name": "size_band", "model": "contact", "data_type": "options", "options": options}
    made = call(api, "POST", "/data_attributes", json=body)
    assert made.status_code == 200 and made.json()["options"] == ["small", "large"]

    lead = contact(api, role="lead", email="lead@example.org")
    event = {"event_name": "visited", "created_at": 1_700_000_000}
    by_email = call(api, "POST", "/events", json={**event, "email": "lead@example.org"})
    assert by_email.status_code == 404
    assert call(api, "POST", "/events", json={**event, "id": lead["id"]}).status_code == 202

    contact(api, external_id="u-sum")
    summary = {
        "user_id": "u-sum",
        "event_summaries": {"event_name": "paid", "count": 2, "last": 1_700_000_000},
    }
    assert call(api, "POST", "/events/summaries", json=summary).status_code == 200


def test_wrong_method_and_1_x_lists(emulator_server, api):
    """Intercom's 2.17 "HTTP responses" page: an unsupported HTTP method gives 404 (facts §1,
    [DOC-HTTP]). Intercom's 1.x reference: `tag.list`, `company.list` (`pages.next` a URL) and
    `data_attribute.list` (`model: customer`), as python-intercom 3.x reads them."""
    for method, path in (("PATCH", "/contacts/abc"), ("DELETE", "/events"), ("PUT", "/tags")):
        wrong = call(api, method, path)
        assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (404, "not_found")
    control = call(api, "DELETE", "/_emulator/health")
    assert control.status_code == 405 and "GET" in control.headers["Allow"]

    token = api.headers["Authorization"].split()[-1]
    with emulator_server.session(token, version="1.4") as legacy:
        for number in range(3):
            user = {"user_id": f"u{number}", "companies": [{"company_id": f"c{number}"}]}
            assert legacy.post(f"{api.base}/users", json=user, timeout=30).status_code == 200
        assert legacy.post(f"{api.base}/tags", json={"name": "vip"}, timeout=30).ok
        tags = legacy.get(f"{api.base}/tags", timeout=30).json()
        assert tags["type"] == "tag.list" and [t["name"] for t in tags["tags"]] == ["vip"]
        page = legacy.get(f"{api.base}/companies", params={"per_page": 2}, timeout=30).json()
        assert page["type"] == "company.list" and len(page["companies"]) == 2
        rest = legacy.get(page["pages"]["next"], timeout=30).json()
        assert len(rest["companies"]) == 1 and rest["pages"]["next"] is None
        scroll = legacy.get(f"{api.base}/companies/scroll", timeout=30).json()
        assert scroll["type"] == "company.list" and len(scroll["companies"]) == 3
        attributes = legacy.get(f"{api.base}/data_attributes", timeout=30).json()
        assert attributes["type"] == "data_attribute.list"
        assert "customer" in {a["model"] for a in attributes["data_attributes"]}
