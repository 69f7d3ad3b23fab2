"""What a run remembers to spare calls (``Memory``) and the data attributes it makes exist
(``AttributeBook``), without a network: every call they would make goes to a fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from translator.core.calls import Call, Reply
from translator.delivery.attributes import AttributeBook
from translator.delivery.memory import Memory
from translator.delivery.state import StateStore

SEARCH = Call("POST", "/contacts/search", body={"query": {}}, purpose="lookup")


def _created(contact_id: str = "c-1") -> tuple[Call, Reply]:
    body = {"role": "user", "external_id": "u-1", "custom_attributes": {"plan": "pro"}}
    return Call("POST", "/contacts", body=body), Reply(200, {"type": "contact", "id": contact_id})


def test_a_created_contact_is_found_without_a_search_and_its_same_traits_are_not_sent_again(
    tmp_path: Path,
) -> None:
    memory = Memory(StateStore(tmp_path / "s.db"))
    assert memory.answer(SEARCH, "user:u-1") is None
    memory.learn(*_created(), "user:u-1")
    found = memory.answer(SEARCH, "user:u-1")
    assert found is not None and found.body["data"] == [{"type": "contact", "id": "c-1"}]
    same = Call(
        "PUT", "/contacts/c-1", body={"external_id": "u-1", "custom_attributes": {"plan": "pro"}}
    )
    assert memory.answer(same, "user:u-1") == Reply(200, {"type": "contact", "id": "c-1"})
    changed = Call(
        "PUT", "/contacts/c-1", body={"external_id": "u-1", "custom_attributes": {"plan": "team"}}
    )
    assert memory.answer(changed, "user:u-1") is None
    assert memory.answered == 2
    # Kept in the state file: the next run finds the contact without a search too.
    assert Memory(StateStore(tmp_path / "s.db")).contact_of("user:u-1") == "c-1"


def test_a_write_that_touches_last_seen_on_intercoms_clock_is_always_sent(tmp_path: Path) -> None:
    memory = Memory(StateStore(tmp_path / "s.db"))
    touch = Call(
        "PUT", "/contacts/c-1", body={"external_id": "u-1", "update_last_request_at": True}
    )
    memory.learn(touch, Reply(200, {"type": "contact", "id": "c-1"}), "user:u-1")
    assert memory.answer(touch, "user:u-1") is None


def test_a_forgotten_contact_is_searched_again_and_nothing_is_remembered_without_remember(
    tmp_path: Path,
) -> None:
    memory = Memory(StateStore(tmp_path / "s.db"))
    memory.learn(*_created(), "user:u-1")
    memory.forget("user:u-1", "c-1")
    assert memory.answer(SEARCH, "user:u-1") is None
    assert StateStore(tmp_path / "s.db").contacts() == {}
    baseline = Memory(StateStore(tmp_path / "b.db"), remember=False)
    baseline.learn(*_created(), "user:u-1")
    assert baseline.answer(SEARCH, "user:u-1") is None


class FakeIntercom:
    """Answers ``/data_attributes`` as Intercom does: names shared by both models, a limit."""

    def __init__(self, existing: dict[str, str], limit: int = 250) -> None:
        self.existing, self.limit = dict(existing), limit
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, call: Call) -> Reply:
        self.calls.append((call.method, call.body))
        if call.method == "GET":
            data = [{"name": name, "model": model} for name, model in self.existing.items()]
            return Reply(200, {"type": "list", "data": data})
        name, model = call.body["name"], call.body["model"]
        if name in self.existing:
            noun = "people" if self.existing[name] == "contact" else "company"
            message = f"You already have '{name}' in your {noun} data."
            return Reply(400, {"type": "error.list", "errors": [{"message": message}]})
        if len(self.existing) >= self.limit:
            return Reply(
                400, {"errors": [{"code": "custom_data_limit_reached", "message": "full"}]}
            )
        self.existing[name] = model
        return Reply(200, {"type": "data_attribute", "name": name, "model": model})


def _write(model: str, custom: dict[str, Any]) -> Call:
    path = "/companies" if model == "company" else "/contacts"
    return Call("POST", path, body={"custom_attributes": custom})


def test_missing_attributes_are_created_once_after_one_read(tmp_path: Path) -> None:
    intercom = FakeIntercom({"plan": "contact"})
    book = AttributeBook(StateStore(tmp_path / "s.db"))
    call, notes = book.prepare(_write("contact", {"plan": "pro", "seats": 3}), intercom)
    assert call.body == {"custom_attributes": {"plan": "pro", "seats": 3}}
    assert [note["code"] for note in notes] == ["attribute_created"]
    book.prepare(_write("contact", {"plan": "team", "seats": 4}), intercom)
    assert intercom.calls == [
        ("GET", None),
        ("POST", {"name": "seats", "model": "contact", "data_type": "integer"}),
    ]
    assert book.created == [("contact", "seats", "integer")]


def test_a_company_attribute_named_like_a_people_one_is_renamed(tmp_path: Path) -> None:
    intercom = FakeIntercom({"seq": "contact"})
    book = AttributeBook(StateStore(tmp_path / "s.db"))
    call, notes = book.prepare(_write("company", {"seq": 7}), intercom)
    assert call.body == {"custom_attributes": {"company_seq": 7}}
    assert [note["code"] for note in notes] == ["attribute_name_clash", "attribute_created"]
    assert intercom.existing["company_seq"] == "company"


def test_past_the_limit_an_attribute_is_left_out_and_noted(tmp_path: Path) -> None:
    intercom = FakeIntercom({"a": "contact"}, limit=1)
    book = AttributeBook(StateStore(tmp_path / "s.db"))
    call, notes = book.prepare(_write("contact", {"a": 1, "b": 2, "c": 3}), intercom)
    assert call.body == {"custom_attributes": {"a": 1}}
    assert [note["code"] for note in notes] == ["attribute_limit_reached"] * 2
    assert [method for method, _ in intercom.calls] == ["GET", "POST"]  # full: no more asking
