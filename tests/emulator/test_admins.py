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


def test_an_admins_avatar_is_its_url_from_2_16(app, token):
    """Intercom's 2.16 `admin.avatar` is a string ("Image for the associated team or
    teammate"); 2.11's is `{"image_url": …}`; `admin_with_app.avatar` (`GET /me`) is an object
    in both."""
    from tests.conftest import ApiClient

    older = ApiClient(app.test_client(), token, version="2.11")
    newer = ApiClient(app.test_client(), token, version="2.16")
    admin_id = older.get("/me").get_json()["id"]
    assert older.get(f"/admins/{admin_id}").get_json()["avatar"]["image_url"].startswith("https")
    assert newer.get(f"/admins/{admin_id}").get_json()["avatar"].startswith("https://")
    assert newer.get("/admins").get_json()["admins"][0]["avatar"].startswith("https://")
    assert newer.get("/me").get_json()["avatar"]["type"] == "avatar"
