"""The webhook half of the SDK conversation scenarios: a receiver (emulator.webhook_receiver)
subscribed through the control API of a real `emulator serve`, and the checks both scenarios
make of what it got.

Sources: [WHM] Intercom's "Webhook Models" reference (the conversation topics; a conversation
topic's `data.item` is the conversation; `delivery_attempts`); [WHS] "Signed Notifications"
(`X-Hub-Signature: sha1=` HMAC-SHA1 of the body with the secret); [WHN] "Webhook
Notifications" (a failed notification is sent again later, starting after a minute).
"""

from __future__ import annotations

import time
from typing import Any

from emulator.testing import EmulatorProcess
from emulator.webhook_receiver import Received, WebhookReceiver

TOPICS = (
    "conversation.user.created",
    "conversation.user.replied",
    "conversation.admin.replied",
    "conversation.admin.assigned",
    "conversation.admin.closed",
)


class ServedWorkspace:
    """A workspace of a real server: its token, and just enough of the pytest plugin's
    IntercomWorkspace (`control`) for `WebhookReceiver.subscribe`."""

    def __init__(self, server: EmulatorProcess, token: str) -> None:
        self.url = server.url
        self.token = token
        self.session = server.session(token)
        self.receiver: WebhookReceiver | None = None

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.session.request(method, f"{self.url}/_emulator/{path}", timeout=60, **kwargs)
        assert answer.status_code < 400, answer.text
        return answer.json()

    def seed_second_admin(self, admin_id: str) -> None:
        seed = {"admins": [{"name": "Second", "email": "second@example.org", "id": admin_id}]}
        self.control("POST", "seed", json=seed)

    def listen(self, receiver: WebhookReceiver) -> None:
        """Subscribe `receiver` to the conversation topics; back once its ping came."""
        receiver.subscribe(self, *TOPICS)
        receiver.wait_for("ping", timeout=60)
        self.receiver = receiver

    def attempts_of(self, notification_id: str) -> list[dict[str, Any]]:
        """The attempts the emulator has recorded for a notification (its journal)."""
        listed = self.control("GET", "webhooks/notifications", params={"per_page": 500})
        found = [n for n in listed["data"] if n["id"] == notification_id]
        assert found, f"no notification {notification_id}"
        return list(found[0]["attempts"])

    def close(self) -> None:
        self.session.close()


def wait_until(condition: Any, timeout: float = 60.0, seen: Any = None) -> Any:
    """Poll `condition` until it answers something true; fail after `timeout` seconds,
    saying what `seen()` shows then."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time; {seen() if seen else ''}")
        time.sleep(0.05)


def conversation_notifications(receiver: WebhookReceiver, count: int) -> list[Received]:
    """The first `count` conversation notifications delivered (answered 2xx), in the order
    they came, once that many have; each checked against the receiver's secret [WHS]."""

    def arrived() -> list[Received]:
        found = [r for r in receiver.delivered() if r.topic in TOPICS]
        return found if len(found) >= count else []

    got = wait_until(arrived, seen=lambda: [(r.topic, r.status) for r in receiver.received])
    got = got[:count]
    for received in got:
        assert received.signature_valid, (received.topic, received.signature)
        assert received.signature == receiver.expected_signature(received.raw)
        assert received.body["type"] == "notification_event"
    return got


def check_notified(receiver: WebhookReceiver, expected: list[tuple[str, dict[str, Any]]]) -> None:
    """The receiver got exactly `expected` (topic, the conversation the SDK saw), in order,
    after the subscription's ping, and nothing else."""
    got = conversation_notifications(receiver, len(expected))
    assert [r.topic for r in got] == [topic for topic, _ in expected]
    for received, (topic, conversation) in zip(got, expected, strict=True):
        assert received.body["data"]["item"] == conversation, topic
    assert receiver.topics() == ["ping", *(topic for topic, _ in expected)]
