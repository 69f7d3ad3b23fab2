"""Admin messages, conversation search, tags, contacts, teams and the seed [S2.11 createMessage,
searchConversations, attachTagToConversation, detachTagFromConversation,
attachContactToConversation, detachContactFromConversation, listTeams, retrieveTeam]. Every
response is checked against Intercom's 2.11 description by the `client` fixture."""

from __future__ import annotations

from tests.emulator.test_companies import new_contact
from tests.emulator.test_conversations import admin_id, error, manage, reply, retrieve, start


def message(client, status=200, **body):
    response = client.post("/messages", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def search(client, query, status=200, **extra):
    response = client.post("/conversations/search", json={"query": query, **extra})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def ids(page):
    return [c["id"] for c in page["conversations"]]


def test_an_admin_message_becomes_a_conversation_when_the_contact_replies(client):
    contact_id, admin = new_contact(client), admin_id(client)
    sent = message(
        client,
        message_type="inapp",
        body="heyy",
        subject="heyy",
        **{"from": {"type": "admin", "id": admin}, "to": {"type": "user", "id": contact_id}},
    )
    # [S2.11 createMessage "admin message created"]: admin_message, its owner the admin.
    assert sent["type"] == "admin_message" and sent["message_type"] == "inapp"
    assert sent["owner"]["id"] == admin and sent["body"] == "heyy"
    conversation_id = sent["conversation_id"]
    # "there will be no conversation present until the contact responds" [S2.11 createMessage]
    assert error(client.get(f"/conversations/{conversation_id}"))[0] == 404
    assert client.get("/conversations").get_json()["total_count"] == 0
    answered = reply(
        client,
        conversation_id,
        message_type="comment",
        type="user",
        intercom_user_id=contact_id,
        body="hello back",
    )
    assert answered["source"]["delivered_as"] == "admin_initiated"
    assert answered["source"]["author"]["id"] == admin
    assert answered["state"] == "open" and answered["waiting_since"] is not None
    # "you will have to search for a contact's conversations with the id of the message"
    found = search(client, {"field": "source.id", "operator": "=", "value": sent["id"]})
    assert ids(found) == [conversation_id]


def test_message_refusals_and_email(client):
    contact_id, admin = new_contact(client), admin_id(client)
    route = {"from": {"type": "admin", "id": admin}, "to": {"type": "user", "id": contact_id}}
    # [S2.11 createMessage 422]: parameter_not_found "No subject supplied for email message".
    no_subject = client.post("/messages", json={**route, "message_type": "email", "body": "x"})
    assert error(no_subject)[0] == 422
    assert error(no_subject)[1]["message"] == "No subject supplied for email message"
    # [S2.11 createMessage 400]: parameter_invalid "Body is required".
    no_body = client.post("/messages", json={**route, "message_type": "inapp", "body": None})
    assert error(no_body)[0] == 400 and error(no_body)[1]["message"] == "Body is required"
    email = message(
        client,
        **route,
        message_type="email",
        subject="Hi",
        body="Welcome",
        create_conversation_without_contact_reply=True,
    )
    shown = retrieve(client, email["conversation_id"])
    assert shown["source"]["type"] == "email" and shown["source"]["subject"] == "Hi"
    # A message from a contact starts a conversation [S2.11 "user message created"].
    from_user = message(client, body="heyy", **{"from": {"type": "user", "id": contact_id}})
    assert from_user["type"] == "user_message" and retrieve(client, from_user["conversation_id"])


def test_search_by_state_contact_assignee_and_body_words(client):
    ann, bob, admin = new_contact(client, "ann"), new_contact(client, "bob"), admin_id(client)
    first = start(client, ann, body="I need support")["conversation_id"]
    second = start(client, bob, body="Billing question")["conversation_id"]
    manage(client, second, message_type="close", type="admin", admin_id=admin)
    manage(
        client, first, message_type="assignment", type="admin", admin_id=admin, assignee_id=admin
    )
    assert ids(search(client, {"field": "state", "operator": "=", "value": "closed"})) == [second]
    assert ids(search(client, {"field": "open", "operator": "=", "value": True})) == [first]
    assert ids(search(client, {"field": "contact_ids", "operator": "=", "value": bob})) == [second]
    assigned = {"field": "admin_assignee_id", "operator": "=", "value": int(admin)}
    assert ids(search(client, assigned)) == [first]
    # `source.body` matches a word [S2.11 searchConversations "Accepted Fields"].
    assert ids(search(client, {"field": "source.body", "operator": "=", "value": "support"})) == [
        first
    ]
    assert (
        search(client, {"field": "source.body", "operator": "=", "value": "need support"})[
            "total_count"
        ]
        == 0
    )
    both = {
        "operator": "OR",
        "value": [{"field": "contact_ids", "operator": "IN", "value": [ann, bob]}],
    }
    assert sorted(ids(search(client, both))) == sorted([first, second])


def test_search_refuses_as_contact_search_does(client):
    unknown = client.post(
        "/conversations/search", json={"query": {"field": "nope", "operator": "=", "value": 1}}
    )
    assert error(unknown)[0] == 400 and error(unknown)[1]["field"] == "nope"
    wrong = client.post(
        "/conversations/search",
        json={"query": {"field": "state", "operator": ">", "value": "open"}},
    )
    assert error(wrong)[0] == 400  # `>` is for integers and dates [S2.11 "Accepted Operators"]
    leaf = {"field": "open", "operator": "=", "value": True}
    deep = {
        "operator": "AND",
        "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [leaf]}]}],
    }
    too_deep = client.post("/conversations/search", json={"query": deep})
    assert error(too_deep)[0] == 400  # "a limit of max 2 nested filters" [S2.11]
    wide = {"operator": "OR", "value": [leaf] * 16}
    too_wide = client.post("/conversations/search", json={"query": wide})
    assert error(too_wide)[0] == 400  # "max 15 filters for each AND or OR group" [S2.11]
    paged = search(client, leaf, pagination={"per_page": 5})
    assert paged["pages"]["per_page"] == 5


def test_tags_on_a_conversation(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    tag = client.post("/tags", json={"name": "vip"}).get_json()
    applied = client.post(
        f"/conversations/{conversation_id}/tags", json={"id": tag["id"], "admin_id": admin}
    ).get_json()
    # [S2.11 attachTagToConversation example]: the tag with applied_at and applied_by.
    assert applied["id"] == tag["id"] and applied["applied_by"] == {"type": "admin", "id": admin}
    assert [t["name"] for t in retrieve(client, conversation_id)["tags"]["tags"]] == ["vip"]
    tagged = {"field": "tag_ids", "operator": "=", "value": tag["id"]}
    assert ids(search(client, tagged)) == [conversation_id]
    removed = client.delete(
        f"/conversations/{conversation_id}/tags/{tag['id']}", json={"admin_id": admin}
    )
    assert removed.status_code == 200 and retrieve(client, conversation_id)["tags"]["tags"] == []
    again = client.delete(
        f"/conversations/{conversation_id}/tags/{tag['id']}", json={"admin_id": admin}
    )
    # [S2.11 detachTagFromConversation "Tag not found"]: 404 tag_not_found.
    assert error(again) == (404, {"code": "tag_not_found", "message": "Tag not found"})
    missing = client.post("/conversations/77777/tags", json={"id": tag["id"], "admin_id": admin})
    assert error(missing) == (404, {"code": "not_found", "message": "Conversation not found"})


def test_contacts_join_and_leave_but_never_the_last(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    joined = client.post(
        f"/conversations/{conversation_id}/customers",
        json={"admin_id": admin, "customer": {"email": "newcomer@example.org"}},
    ).get_json()
    # "If you add a contact via the email parameter and there is no user/lead found ... we
    # will create a new contact with `role` set to `lead`" [S2.11 attachContactToConversation].
    newcomer = joined["contacts"]["contacts"][1]["id"]
    assert client.get(f"/contacts/{newcomer}").get_json()["role"] == "lead"
    left = client.delete(
        f"/conversations/{conversation_id}/customers/{newcomer}", json={"admin_id": admin}
    ).get_json()
    assert [c["id"] for c in left["contacts"]["contacts"]] == [contact_id]
    last = client.delete(
        f"/conversations/{conversation_id}/customers/{contact_id}", json={"admin_id": admin}
    )
    # [S2.11 detachContactFromConversation "Last customer"]: 422 parameter_invalid.
    assert error(last) == (
        422,
        {"code": "parameter_invalid", "message": "Removing the last customer is not allowed"},
    )


def test_seeded_admins_teams_and_conversations(client):
    contact_id = new_contact(client, "seeded")
    seed = {
        "admins": [{"name": "Second Admin", "email": "second@example.org", "id": "4242"}],
        "teams": [{"name": "Support", "admin_ids": ["4242"], "id": "77"}],
        "conversations": [
            {
                "from": {"type": "user", "external_id": "seeded"},
                "body": "Seeded question",
                "parts": [
                    {
                        "message_type": "comment",
                        "type": "admin",
                        "admin_id": "4242",
                        "body": "Seeded answer",
                    },
                    {"message_type": "assignment", "type": "team", "assignee_id": "77"},
                    {"message_type": "close"},
                ],
            }
        ],
    }
    loaded = client.post("/_emulator/seed", json=seed)
    assert loaded.status_code == 200, loaded.get_json()
    (conversation_id,) = loaded.get_json()["ids"]["conversations"]
    shown = retrieve(client, conversation_id)
    assert shown["contacts"]["contacts"][0]["id"] == contact_id
    assert shown["state"] == "closed" and shown["team_assignee_id"] == 77
    author = shown["conversation_parts"]["conversation_parts"][0]["author"]
    assert author["id"] == "4242" and author["name"] == "Second Admin"
    # [S2.11 listTeams, `team`]: admin_ids are numbers.
    teams = client.get("/teams").get_json()
    assert teams["type"] == "team.list" and teams["teams"][0]["admin_ids"] == [4242]
    assert client.get("/teams/77").get_json()["name"] == "Support"
    assert error(client.get("/teams/78"))[1]["code"] == "team_not_found"
    assert [a["id"] for a in client.get("/admins").get_json()["admins"]][1:] == ["4242"]
    assert client.get("/admins/4242").get_json()["email"] == "second@example.org"
    bad = client.post(
        "/_emulator/seed",
        json={
            "conversations": [
                {"from": {"type": "user", "email": "nobody@example.org"}, "body": "x"}
            ]
        },
    )
    assert bad.status_code == 400 and retrieve(client, conversation_id)["id"] == conversation_id


def test_the_inspector_lists_conversations_with_their_parts(client):
    contact_id, admin = new_contact(client, "inspected"), admin_id(client)
    conversation_id = start(client, contact_id, body="Where is my order?")["conversation_id"]
    reply(
        client,
        conversation_id,
        message_type="comment",
        type="admin",
        admin_id=admin,
        body="On its way",
    )
    manage(client, conversation_id, message_type="close", type="admin", admin_id=admin)
    browser = client.client
    assert browser.get(f"/_emulator/?token={client.token}").status_code == 303
    page = browser.get("/_emulator/?tab=conversations").get_data(as_text=True)
    section = page[page.index('id="conversations"') :]
    section = section[: section.index("</section>")]
    assert f"<code>{conversation_id}</code>" in section and "closed" in section
    assert "Where is my order?" in section and "On its way" in section
    assert contact_id in section and "3 parts" not in section and "2 parts" in section


def test_reset_clears_conversations_admins_and_teams(client):
    contact_id = new_contact(client, "reset")
    conversation_id = start(client, contact_id)["conversation_id"]
    seed = {
        "admins": [{"name": "A", "email": "a@example.org", "id": "5151"}],
        "teams": [{"name": "T", "id": "61"}],
    }
    assert client.post("/_emulator/seed", json=seed).status_code == 200
    assert client.post("/_emulator/reset").status_code == 200
    assert error(client.get(f"/conversations/{conversation_id}"))[0] == 404
    assert client.get("/teams").get_json()["teams"] == []
    assert len(client.get("/admins").get_json()["admins"]) == 1
