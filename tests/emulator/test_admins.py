from __future__ import annotations


def test_me_shows_the_workspace_app_and_admin(client):
    response = client.get("/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["type"] == "admin"
    assert len(me["app"]["id_code"]) == 8
    listed = client.get("/admins").get_json()
    assert [admin["id"] for admin in listed["admins"]] == [me["id"]]
    assert client.get(f"/admins/{me['id']}").get_json()["email"] == me["email"]


def test_unknown_admin_is_404(client):
    response = client.get("/admins/1")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "admin_not_found"


def test_each_token_is_its_own_workspace(client, other_client):
    assert (
        client.get("/me").get_json()["app"]["id_code"]
        != other_client.get("/me").get_json()["app"]["id_code"]
    )
