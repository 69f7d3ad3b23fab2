"""1.4 created unknown custom attributes on the fly for companies as for users, and took a custom
attribute named like a built-in one.

"In the older integrations leveraging the Intercom API v1.4, you could send a custom attribute
that was not defined in the Intercom dashboard already. Intercom did not validate the attribute
and created a new custom attribute instead" (RudderStack's migration guide, facts §6 "Unknown
CDAs in 1.4"); 1.x company attributes follow the users' rules (facts §8 "Company CDAs (v1)").
2.x refuses both ("Custom attribute 'x' does not exist", facts §9).
"""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.emulator.test_legacy_users import attribute_names, refused


@pytest.fixture
def legacy(app, token):
    return ApiClient(app.test_client(), token, version="1.4")


def test_a_1_4_company_upsert_creates_its_unknown_custom_attributes(legacy, client):
    body = {"company_id": "g1", "name": "Co", "custom_attributes": {"tier": "gold"}}
    response = legacy.post("/companies", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["custom_attributes"] == {"tier": "gold"}
    assert attribute_names(client, "company") == {"tier": "string"}
    assert attribute_names(client) == {}  # people attributes untouched


def test_a_1_4_company_attribute_keeps_the_value_rules(legacy, client):
    body = {"company_id": "g1", "custom_attributes": {"ok": 1, "nested": {"a": 1}}}
    response = legacy.post("/companies", json=body)
    refused(response, 400, "parameter_invalid", field="custom_attributes.nested")
    assert attribute_names(client, "company") == {}  # a refused request creates nothing


def test_2_x_still_refuses_an_unknown_company_attribute(client):
    body = {"company_id": "g1", "custom_attributes": {"tier": "gold"}}
    response = client.post("/companies", json=body)
    error = refused(response, 400, "parameter_invalid", field="custom_attributes.tier")
    assert "does not exist" in error["message"]


def test_a_1_4_user_takes_a_custom_attribute_named_like_a_built_in(legacy, client):
    # Segment's classic destination sent the user id as custom attribute `id` with every
    # identify (docs/translator.md, `user_id_attribute`).
    response = legacy.post("/users", json={"user_id": "u1", "custom_attributes": {"id": "u1"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["custom_attributes"] == {"id": "u1"}
    assert attribute_names(client) == {"id": "string"}
    refusal = client.post(
        "/data_attributes", json={"name": "name", "model": "contact", "data_type": "string"}
    )
    refused(refusal, 400, "parameter_invalid", field="name")  # 2.x's create still refuses
