"""Under `Intercom-Version` 1.x, the lists whose 1.x shape differs from 2.x's answer in it
(emulator/store/legacy_lists.py); the same requests under 2.x keep 2.x's shapes.

Sources: Intercom's 1.2 "List Companies" reference page (`company.list`, `companies`,
`pages.next` a URL); its 1.4 "List Data Attributes" page (`data_attribute.list`,
`data_attributes`, `model: customer`); the 1.x user object's `tags` (`tag.list`, `tags`,
[DOC-1.4-USER]); python-intercom 3.x, whose `CollectionProxy` reads `response["tags"]` /
`response["companies"]` and follows `pages.next`, and whose `ScrollCollectionProxy` reads
`response["companies"]` and `scroll_param`."""

from __future__ import annotations

from urllib.parse import urlsplit

import jsonschema
import pytest

from emulator import openapi
from tests.conftest import ApiClient

DESCRIPTION = openapi.load()


@pytest.fixture
def legacy(app, token):
    return ApiClient(app.test_client(), token, version="1.4")


def described(body, schema):
    """`body` matches the 1.x schema description/ gives it (Intercom publishes none for 1.x)."""
    jsonschema.validate(
        body, {"$ref": f"#/components/schemas/{schema}", "components": DESCRIPTION["components"]}
    )
    return body


def companies_with_users(legacy, count):
    for number in range(count):
        body = {"user_id": f"u{number}", "companies": [{"company_id": f"c{number}"}]}
        assert legacy.post("/users", json=body).status_code == 200


def test_tags_are_a_tag_list(legacy, client):
    assert legacy.post("/tags", json={"name": "vip"}).get_json()["type"] == "tag"
    listed = described(legacy.get("/tags").get_json(), "legacy_tag_list")
    assert listed["type"] == "tag.list"
    assert [(tag["type"], tag["name"]) for tag in listed["tags"]] == [("tag", "vip")]
    assert client.get("/tags").get_json()["type"] == "list"  # 2.x unchanged


def test_companies_are_a_company_list_whose_next_is_a_url(legacy, client):
    companies_with_users(legacy, 3)
    first = described(legacy.get("/companies?per_page=2").get_json(), "legacy_company_list")
    assert (first["type"], first["total_count"], len(first["companies"])) == ("company.list", 3, 2)
    # python-intercom 3.x follows `pages.next` as the path and query of a URL.
    following = urlsplit(first["pages"]["next"])
    second = legacy.get(f"{following.path}?{following.query}").get_json()
    assert len(second["companies"]) == 1 and second["pages"]["next"] is None
    seen = {company["company_id"] for company in first["companies"] + second["companies"]}
    assert seen == {"c0", "c1", "c2"}
    assert client.get("/companies").get_json()["type"] == "list"  # 2.x unchanged
    # A lookup by company_id is the company itself in both families.
    assert legacy.get("/companies?company_id=c1").get_json()["type"] == "company"


def test_the_scroll_pages_under_companies(legacy, client):
    companies_with_users(legacy, 2)
    page = described(legacy.get("/companies/scroll").get_json(), "legacy_company_scroll")
    assert page["type"] == "company.list" and len(page["companies"]) == 2
    end = legacy.get(f"/companies/scroll?scroll_param={page['scroll_param']}").get_json()
    assert end["companies"] == []  # python-intercom 3.x stops on an empty page
    # 2.x unchanged (its `pages: null` is a listed difference from Intercom's schema)
    assert "data" in client.get("/companies/scroll", check=False).get_json()


def test_data_attributes_are_a_data_attribute_list_of_customer_and_company(legacy, client):
    body = {"name": "plan_tier", "model": "contact", "data_type": "string"}
    assert client.post("/data_attributes", json=body).status_code == 200
    listed = described(legacy.get("/data_attributes").get_json(), "legacy_data_attribute_list")
    assert listed["type"] == "data_attribute.list"
    models = {attribute["model"] for attribute in listed["data_attributes"]}
    assert models == {"customer", "company"}
    custom = [a for a in listed["data_attributes"] if a["custom"]]
    assert [(a["name"], a["model"]) for a in custom] == [("plan_tier", "customer")]
    assert client.get("/data_attributes").get_json()["type"] == "list"  # 2.x unchanged


def test_segments_and_admins_keep_the_shape_both_families_share(legacy):
    """`segment.list` / `admin.list` are 1.x's shapes (the Ruby SDK's 1.x fixtures) and 2.x's."""
    assert legacy.get("/segments").get_json()["type"] == "segment.list"
    assert legacy.get("/admins").get_json()["type"] == "admin.list"
