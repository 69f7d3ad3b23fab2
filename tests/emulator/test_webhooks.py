"""Webhooks, in process (the app on a database file, with its delivery thread): subscriptions,
Intercom's notification envelope and signature, the topics, order, and retries.

Sources: [WHS] Intercom's "Signed Notifications" (X-Hub-Signature: sha1= and the hex HMAC-SHA1
of the body keyed with the app's secret; the example request's headers); [WHM] "Webhook
Models" (topics; `*.deleted` items carry identifying fields only) with the 2.5 and 2.6
changelogs' contact topics ([WHM-2.5], [WHM-2.6]); [WHN] "Webhook Notifications" (the retry
delay "starts at 1 minute and extends to 2 hours"); the envelope's fields and their order are
those of notifications Intercom sent, kept as fixtures by third parties (zulip/zulip
`zerver/webhooks/intercom/fixtures/ping.json` [ZULIP-PING]).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from emulator import inprocess
from emulator.store.webhooks import outbox
from emulator.webhook_receiver import WebhookReceiver

ENVELOPE_KEYS = [
    "type",
    "app_id",
    "data",
    "links",
    "id",
    "topic",
    "delivery_status",
    "delivery_attempts",
    "delivered_at",
    "first_sent_at",
    "created_at",
    "self",
]


def app_id(workspace):
    return workspace.get("/me").json()["app"]["id_code"]


def notifications(workspace):
    return workspace.control("GET", "webhooks/notifications")["data"]


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_new_subscription_gets_a_signed_ping(intercom_inprocess_workspace, intercom_webhooks):
    workspace = intercom_inprocess_workspace
    subscription = intercom_webhooks.subscribe(workspace, "contact.user.created")
    assert subscription["id"].startswith("nsub_") and subscription["secret"]
    ping = intercom_webhooks.wait_for("ping")
    # [ZULIP-PING]: the ping's item and the envelope's fields, in Intercom's order.
    assert list(ping) == ENVELOPE_KEYS
    assert ping["type"] == "notification_event"
    assert ping["data"] == {
        "type": "notification_event_data",
        "item": {"type": "ping", "message": "something something interzen"},
    }
    assert ping["app_id"] == app_id(workspace)
    assert ping["delivery_attempts"] == 1 and ping["delivered_at"] == 0
    assert ping["first_sent_at"] >= ping["created_at"] > 0
    received = intercom_webhooks.delivered()[0]
    # [WHS]: sha1= and the hex HMAC-SHA1 of the raw body, keyed with the secret.
    digest = hmac.new(intercom_webhooks.secret.encode(), received.raw, hashlib.sha1).hexdigest()
    assert received.signature == f"sha1={digest}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["User-Agent"] == "intercom-parrot-service-client/1.0"


def test_contact_company_and_tag_topics_arrive_in_order(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    topics = [
        "contact.user.created",
        "contact.lead.created",
        "contact.user.updated",
        "contact.lead.updated",
        "contact.user.tag.created",
        "contact.deleted",
        "company.created",
    ]
    intercom_webhooks.subscribe(workspace, *topics)
    user = workspace.post("/contacts", json={"email": "ada@example.com"}).json()
    lead = workspace.post("/contacts", json={"role": "lead", "name": "Lee"}).json()
    workspace.put(f"/contacts/{user['id']}", json={"name": "Ada"})
    workspace.put(f"/contacts/{lead['id']}", json={"name": "Leah"})
    tag = workspace.post("/tags", json={"name": "vip"}).json()
    workspace.post(f"/contacts/{user['id']}/tags", json={"id": tag["id"]})
    workspace.post(f"/contacts/{user['id']}/tags", json={"id": tag["id"]})  # again: no news
    workspace.delete(f"/contacts/{lead['id']}")
    company = workspace.post("/companies", json={"company_id": "c-1", "name": "Acme"}).json()
    workspace.post("/companies", json={"company_id": "c-1", "plan": "pro"})  # an update
    intercom_webhooks.wait_for("company.created")
    assert intercom_webhooks.topics() == ["ping", *topics]
    events = {r.topic: r.body for r in intercom_webhooks.delivered()}
    assert all(r.signature_valid for r in intercom_webhooks.delivered())
    created = events["contact.user.created"]["data"]["item"]
    assert created["type"] == "contact" and created["id"] == user["id"]
    assert created["email"] == "ada@example.com"
    assert events["contact.user.updated"]["data"]["item"]["name"] == "Ada"
    assert events["contact.lead.created"]["data"]["item"]["role"] == "lead"
    tagged = events["contact.user.tag.created"]["data"]["item"]
    # [WHM-2.5]: the tag topics' item is a ContactTag.
    assert tagged["type"] == "contact_tag"
    assert tagged["tag"] == {"type": "tag", "id": tag["id"], "name": "vip"}
    assert tagged["contact"]["id"] == user["id"]
    # [WHM]: a deleted contact's item identifies it, nothing more.
    assert events["contact.deleted"]["data"]["item"] == {
        "type": "contact",
        "id": lead["id"],
        "external_id": None,
    }
    assert events["company.created"]["data"]["item"]["id"] == company["id"]
    ids = [r.body["id"] for r in intercom_webhooks.delivered()]
    assert len(set(ids)) == len(ids) and all(i.startswith("notif_") for i in ids)


def test_only_subscribed_topics_and_only_committed_changes_are_sent(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, "contact.user.created")
    workspace.post("/contacts", json={"role": "lead", "name": "Lee"})  # a lead: not subscribed
    assert workspace.post("/contacts", json={"email": "u@example.com"}).ok
    # Refused (the email is taken): rolled back with its notification.
    again = workspace.post("/contacts", json={"email": "u@example.com"})
    assert again.status_code == 409
    workspace.post("/contacts", json={"email": "second@example.com"})
    second = intercom_webhooks.wait_for("contact.user.created", count=2)
    workspace.control("POST", "webhooks/deliver_now")
    assert intercom_webhooks.topics() == ["ping", "contact.user.created", "contact.user.created"]
    assert second["data"]["item"]["email"] == "second@example.com"


def test_a_receiver_failing_twice_gets_the_notification_on_the_third_attempt(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, "contact.user.created")
    intercom_webhooks.wait_for("ping")
    intercom_webhooks.fail_next(2)
    workspace.clock(freeze=True)
    workspace.post("/contacts", json={"email": "retry@example.com"})

    def attempts():
        found = [n for n in notifications(workspace) if n["topic"] == "contact.user.created"]
        return found[0]["attempts"] if found else []

    first = wait_until(lambda: len(attempts()) == 1 and attempts())[0]
    assert first["status"] == 500 and first["ok"] is False
    # [WHN]: the next attempt waits a minute on the workspace's clock ...
    time.sleep(1.0)
    assert len(attempts()) == 1
    workspace.clock(advance=60)
    wait_until(lambda: len(attempts()) == 2)
    # ... and the one after, two.
    workspace.clock(advance=60)
    time.sleep(1.0)
    assert len(attempts()) == 2
    workspace.clock(advance=60)
    event = intercom_webhooks.wait_for("contact.user.created")
    wait_until(lambda: len(attempts()) == 3)
    assert [a["status"] for a in attempts()] == [500, 500, 200]
    assert event["delivery_attempts"] == 3
    assert event["first_sent_at"] == first["attempted_at"]
    statuses = [r.status for r in intercom_webhooks.received if r.topic != "ping"]
    assert statuses == [500, 500, 200]
    assert len({r.body["id"] for r in intercom_webhooks.received if r.topic != "ping"}) == 1


def test_deliver_now_sends_retries_at_once_and_keeps_the_order(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, "contact.user.created")
    intercom_webhooks.wait_for("ping")
    intercom_webhooks.fail_next(1)
    first = workspace.post("/contacts", json={"email": "one@example.com"}).json()
    wait_until(lambda: len(intercom_webhooks.received) == 2)
    second = workspace.post("/contacts", json={"email": "two@example.com"}).json()
    time.sleep(1.0)
    # The first one waits for its retry; the second waits behind it.
    assert len(intercom_webhooks.received) == 2
    done = workspace.control("POST", "webhooks/deliver_now")
    assert done["attempts"] == 2 and done["delivered"] == 2
    ids = [r.body["data"]["item"]["id"] for r in intercom_webhooks.delivered()[1:]]
    assert ids == [first["id"], second["id"]]


def test_subscriptions_are_listed_and_removed(intercom_inprocess_workspace, intercom_webhooks):
    workspace = intercom_inprocess_workspace
    made = intercom_webhooks.subscribe(workspace, "company.created")
    listed = workspace.control("GET", "webhooks")["data"]
    assert [s["id"] for s in listed] == [made["id"]]
    assert listed[0]["topics"] == ["company.created"] and listed[0]["url"] == intercom_webhooks.url
    assert workspace.control("DELETE", f"webhooks/{made['id']}") == {
        "id": made["id"],
        "deleted": True,
    }
    assert workspace.control("GET", "webhooks")["data"] == []
    gone = workspace.request("DELETE", f"/_emulator/webhooks/{made['id']}")
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "http://user:pw@127.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "not a url",
        "http://127.0.0.1/" + "x" * 3000,
    ],
)
def test_a_url_off_this_machine_is_refused(intercom_inprocess_workspace, url):
    answer = intercom_inprocess_workspace.request(
        "POST", "/_emulator/webhooks", json={"url": url, "topics": ["ping"]}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "url"
    assert intercom_inprocess_workspace.control("GET", "webhooks")["data"] == []


def test_a_host_named_with_webhook_allowed_host_is_accepted(tmp_path):
    app = inprocess.create_app(tmp_path / "hosts.db")
    app.extensions["webhooks"].allowed_hosts = ("hooks.internal",)
    session = inprocess.requests_session(app, token="t")
    body = {"url": "http://hooks.internal:9/x", "topics": ["ping"]}
    assert session.post("http://e/_emulator/webhooks", json=body).status_code == 200
    body["url"] = "http://other.internal/x"
    assert session.post("http://e/_emulator/webhooks", json=body).status_code == 400


def test_unknown_topics_and_bad_secrets_are_refused(
    intercom_inprocess_workspace, intercom_webhooks
):
    for body in (
        {"url": intercom_webhooks.url, "topics": ["contact.created.typo"]},
        {"url": intercom_webhooks.url, "topics": []},
        {"url": intercom_webhooks.url, "topics": ["ping"], "secret": ""},
        {"url": intercom_webhooks.url, "topics": ["ping"], "extra": 1},
    ):
        answer = intercom_inprocess_workspace.request("POST", "/_emulator/webhooks", json=body)
        assert answer.status_code == 400, body


def test_the_retry_delay_doubles_from_a_minute_to_two_hours():
    # [WHN]: "starts at 1 minute and extends to 2 hours".
    delays = [outbox.retry_delay(n) for n in range(1, outbox.MAX_ATTEMPTS)]
    assert delays[:4] == [60, 120, 240, 480]
    assert max(delays) == 7200 and delays[-1] == 7200


def test_a_receiver_that_never_answers_well_gives_up_after_the_last_attempt(
    intercom_inprocess_workspace,
):
    workspace = intercom_inprocess_workspace
    with WebhookReceiver() as receiver:
        receiver.fail_next(outbox.MAX_ATTEMPTS + 5)
        receiver.subscribe(workspace, "contact.user.created")
        for _ in range(outbox.MAX_ATTEMPTS):
            workspace.control("POST", "webhooks/deliver_now")
        states = {n["topic"]: n for n in notifications(workspace)}
        assert states["ping"]["state"] == "failed"
        assert states["ping"]["delivery_attempts"] == outbox.MAX_ATTEMPTS
        assert workspace.control("POST", "webhooks/deliver_now")["attempts"] == 0
        assert len(receiver.received) == outbox.MAX_ATTEMPTS
        assert json.loads(receiver.received[-1].raw)["delivery_attempts"] == outbox.MAX_ATTEMPTS


def test_the_inspector_shows_each_notification_and_its_attempts(tmp_path):
    app = inprocess.create_app(tmp_path / "inspector.db")
    browser = app.test_client()
    headers = {"Authorization": "Bearer seen"}
    with WebhookReceiver() as receiver:
        receiver.fail_next(1)
        body = {"url": receiver.url, "topics": ["company.created"], "secret": receiver.secret}
        assert browser.post("/_emulator/webhooks", json=body, headers=headers).status_code == 200
        company = {"company_id": "acme", "name": "Acme"}
        browser.post("/companies", json=company, headers=headers)
        wait_until(lambda: len(receiver.received) == 1)  # the ping, refused
        done = browser.post("/_emulator/webhooks/deliver_now", headers=headers).get_json()
        assert done["delivered"] == 2  # the ping again, then what waited behind it
        receiver.wait_for("company.created")
        assert browser.get("/_emulator/?token=seen").status_code == 303
        page = browser.get("/_emulator/?tab=webhooks").get_data(as_text=True)
    assert "Webhook notifications" in page
    assert "<code>company.created</code>" in page and "<code>ping</code>" in page
    assert "#1 500" in page and "#2 200" in page  # the ping: failed once, then delivered


def test_reset_drops_the_notifications_and_keeps_the_subscriptions(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.fail_next(1)
    made = intercom_webhooks.subscribe(workspace, "company.created")
    wait_until(lambda: notifications(workspace) and notifications(workspace)[0]["attempts"])
    workspace.reset()
    assert notifications(workspace) == []
    assert [s["id"] for s in workspace.control("GET", "webhooks")["data"]] == [made["id"]]
    assert workspace.control("POST", "webhooks/deliver_now")["attempts"] == 0
    # The refused ping, waiting for its retry, held nothing back once it was gone.
    workspace.post("/companies", json={"company_id": "after", "name": "After"})
    event = intercom_webhooks.wait_for("company.created", timeout=30)
    assert event["data"]["item"]["company_id"] == "after"
    assert intercom_webhooks.topics() == ["company.created"]


def test_emit_is_the_one_call_a_new_topic_needs(tmp_path):
    """How the conversations part of the store notifies: `webhooks.emit(ctx, topic, item)` in
    the request's transaction; delivered after the commit, never when it rolls back."""
    from emulator import access
    from emulator.store import webhooks

    app = inprocess.create_app(tmp_path / "emit.db")
    session = inprocess.requests_session(app, token="t")
    with WebhookReceiver() as receiver:
        body = {"url": receiver.url, "topics": ["conversation.admin.closed"]}
        body["secret"] = receiver.secret
        assert session.post("http://e/_emulator/webhooks", json=body).status_code == 200
        conversation = {"type": "conversation", "id": "1", "state": "closed"}
        with app.test_request_context(headers={"Authorization": "Bearer t"}):
            with pytest.raises(RuntimeError), access.control_context() as ctx:
                assert webhooks.emit(ctx, "conversation.admin.closed", {"rolled": "back"}) == 1
                raise RuntimeError("the request fails: its notification goes with it")
            with access.control_context() as ctx:
                assert webhooks.emit(ctx, "conversation.admin.closed", conversation) == 1
                assert webhooks.emit(ctx, "conversation.user.created", conversation) == 0
        event = receiver.wait_for("conversation.admin.closed")
        assert event["data"]["item"] == conversation
        session.post("http://e/_emulator/webhooks/deliver_now")
        assert receiver.topics() == ["ping", "conversation.admin.closed"]


def test_a_user_made_through_the_1_4_api_is_announced(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, "contact.user.created")
    headers = {"Intercom-Version": "1.4"}
    body = {"user_id": "u-14", "email": "old@example.com", "custom_attributes": {"plan": "pro"}}
    made = workspace.post("/users", json=body, headers=headers).json()
    workspace.post("/users", json={"user_id": "u-14", "name": "again"}, headers=headers)
    event = intercom_webhooks.wait_for("contact.user.created")
    item = event["data"]["item"]
    assert item["id"] == made["id"] and item["external_id"] == "u-14"
    assert item["custom_attributes"] == {"plan": "pro"}  # the user as the request left it
    workspace.control("POST", "webhooks/deliver_now")
    assert intercom_webhooks.topics() == ["ping", "contact.user.created"]  # an update: none


def test_an_in_memory_app_delivers_at_the_end_of_the_request():
    """No thread for an in-memory database: the request that committed delivers, before its
    answer leaves."""
    session = inprocess.requests_session(token="memory")
    with WebhookReceiver() as receiver:
        body = {"url": receiver.url, "topics": ["contact.user.created"]}
        body["secret"] = receiver.secret
        assert session.post("http://e/_emulator/webhooks", json=body).status_code == 200
        assert receiver.topics() == ["ping"]
        session.post("http://e/contacts", json={"email": "mem@example.com"})
        assert receiver.topics() == ["ping", "contact.user.created"]
        assert all(r.signature_valid for r in receiver.received)


def test_the_control_answers_match_their_description(
    intercom_inprocess_workspace, intercom_webhooks
):
    from jsonschema import Draft202012Validator

    from emulator import openapi

    description = openapi.load()

    def schema(path, method):
        answer = description["paths"][path][method]["responses"]["200"]
        found = answer["content"]["application/json"]["schema"]
        ref = found.get("$ref") or found.get("properties", {}).get("data", {}).get("items", {})
        if isinstance(ref, dict) and "$ref" in ref:
            found = {**found, "properties": {**found["properties"], "data": {"type": "array"}}}
            return found, description["components"]["schemas"][ref["$ref"].split("/")[-1]]
        if isinstance(ref, str):
            return description["components"]["schemas"][ref.split("/")[-1]], None
        return found, None

    def check(path, method, answer):
        outer, items = schema(path, method)
        Draft202012Validator(outer).validate(answer)
        for item in answer.get("data", []) if items else []:
            Draft202012Validator(items).validate(item)

    workspace = intercom_inprocess_workspace
    made = intercom_webhooks.subscribe(workspace, "company.created")
    check("/_emulator/webhooks", "post", made)
    intercom_webhooks.wait_for("ping")
    check("/_emulator/webhooks", "get", workspace.control("GET", "webhooks"))
    done = workspace.control("POST", "webhooks/deliver_now")
    check("/_emulator/webhooks/deliver_now", "post", done)
    listed = workspace.control("GET", "webhooks/notifications")
    assert listed["data"]
    check("/_emulator/webhooks/notifications", "get", listed)
    pinged = workspace.control("POST", f"webhooks/{made['id']}/ping")
    check("/_emulator/webhooks/{subscription_id}/ping", "post", pinged)
    removed = workspace.control("DELETE", f"webhooks/{made['id']}")
    check("/_emulator/webhooks/{subscription_id}", "delete", removed)


def test_the_description_names_every_topic_the_emulator_sends():
    from emulator import openapi
    from emulator.store.webhooks import TOPICS

    operation = openapi.load()["paths"]["/_emulator/webhooks"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["topics"]["items"]["enum"] == list(TOPICS)
