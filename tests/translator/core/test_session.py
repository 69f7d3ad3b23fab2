"""``translator plan`` over a stream: the run memory ``send`` uses, against consistent dry-run
answers (``translator.core.session.PlanSession``)."""

from __future__ import annotations

from translator import settings_for
from translator.core.session import NOT_FOUND_ATTEMPTS, PlanSession

T = 1_700_000_000


def identify(user: str, **traits) -> dict:
    return {"type": "identify", "userId": user, "traits": {"email": f"{user}@x.io", **traits}}


def group(user: str, group_id: str, **traits) -> dict:
    return {"type": "group", "userId": user, "groupId": group_id, "traits": traits}


def calls(session: PlanSession, raw: dict) -> list[tuple[str, str]]:
    run, _ = session.plan(raw)
    return [(call.method, call.path) for call in run.calls]


def test_a_created_contact_id_is_reused_by_the_users_later_events_without_a_search() -> None:
    session = PlanSession(settings_for("segment"), T)
    assert calls(session, identify("u1")) == [("POST", "/contacts/search"), ("POST", "/contacts")]
    later = calls(session, group("u1", "g1", name="Co"))
    assert ("POST", "/contacts/search") not in later
    assert ("POST", "/contacts/<contact_id:u1>/companies") in later


def test_an_identical_identify_costs_no_call_and_a_changed_one_updates() -> None:
    session = PlanSession(settings_for("rudderstack"), T)
    session.plan(identify("u1", name="Ada"))
    assert calls(session, identify("u1", name="Ada")) == []
    assert calls(session, identify("u1", name="Grace")) == [("PUT", "/contacts/<contact_id:u1>")]


def test_data_attributes_are_read_once_and_each_created_once() -> None:
    session = PlanSession(settings_for("rudderstack"), T)
    first = calls(session, identify("u1", tier="gold"))
    assert first.count(("GET", "/data_attributes")) == 1
    assert first.count(("POST", "/data_attributes")) == 1
    second = calls(session, identify("u2", tier="silver"))
    assert ("GET", "/data_attributes") not in second
    assert ("POST", "/data_attributes") not in second


def test_a_company_attribute_named_like_a_people_one_is_renamed() -> None:
    session = PlanSession(settings_for("rudderstack"), T)
    session.plan(identify("u1", seats=3))
    run, notes = session.plan(group("u1", "g1", name="Co", seats=9))
    company = next(call for call in run.calls if call.path == "/companies")
    assert company.body["custom_attributes"] == {"company_seats": 9}
    assert {note["code"] for note in notes} == {"attribute_name_clash", "attribute_created"}


def test_a_group_of_a_user_never_identified_is_retried_then_fails_contact_not_found() -> None:
    session = PlanSession(settings_for("segment"), T)
    run, _ = session.plan(group("ghost", "g1", name="Co"))
    searches = [call for call in run.calls if call.path == "/contacts/search"]
    assert len(searches) == NOT_FOUND_ATTEMPTS
    assert (run.outcome.status, run.outcome.reason.code) == ("failed", "contact_not_found")
    again, _ = session.plan(group("ghost", "g2", name="Co 2"))
    assert [call.path for call in again.calls].count("/contacts/search") == 1  # no more waits


def test_on_1_4_no_data_attribute_is_checked() -> None:
    session = PlanSession(settings_for("rudderstack", api_version="1.4"), T)
    shown = calls(session, identify("u1", tier="gold"))
    assert all(path != "/data_attributes" for _, path in shown)


def test_without_create_attributes_nothing_is_created() -> None:
    session = PlanSession(settings_for("rudderstack"), T, create_attributes=False)
    assert ("POST", "/data_attributes") not in calls(session, identify("u1", tier="gold"))
