"""Intercom's official Python SDK (`python-intercom`, pinned in pyproject's test extras) runs an
end-to-end scenario against a real `emulator serve`: every call is built and parsed by the SDK
itself, and the failures are the SDK's own exceptions with Intercom's statuses."""

from __future__ import annotations

import time

import httpx
import pytest
from intercom import (
    CreateContactRequestWithExternalId,
    CreateContactRequestWithRole,
    CreateDataAttributeRequestOptions,
    CreateDataAttributeRequestOptionsOptionsItem,
    CreateDataEventRequestWithUserId,
    CreateDataEventSummariesRequestEventSummaries,
    CreateOrUpdateCompanyRequest,
    CreateOrUpdateTagRequest,
    Intercom,
    SingleFilterSearchRequest,
    StartingAfterPaging,
)
from intercom.core.api_error import ApiError

from emulator.testing import EmulatorProcess
from tests.sdk.served import BULK, seeded_workspace


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with EmulatorProcess(tmp_path_factory.mktemp("python-sdk") / "sdk.db") as server:
        yield server, seeded_workspace(server)


@pytest.fixture(scope="module")
def sdk(served):
    server, token = served
    with httpx.Client(timeout=60) as transport:
        yield Intercom(token=token, base_url=server.url, httpx_client=transport)


@pytest.fixture(scope="module")
def user(sdk):
    request = CreateContactRequestWithExternalId(external_id="py-1", email="py1@example.org")
    return sdk.contacts.create(request=request)


QUERY = SingleFilterSearchRequest(field="email", operator="$", value="@bulk.example.org")


def test_the_sdks_search_pager_asks_for_the_first_page_again(sdk):
    """python-intercom 5.0.1's `contacts.search` pager builds its next call with the same
    `pagination` it was given (intercom/contacts/raw_client.py, `search`: `get_next` ignores
    `pages.next.starting_after`), so iterating it never ends, against Intercom as here. The
    emulator answers what Intercom answers: the first page again, with `pages.next` set."""
    first = sdk.contacts.search(query=QUERY, pagination=StartingAfterPaging(per_page=50))
    assert first.has_next and first.response.pages.next.starting_after
    again = first.next_page()
    assert [c.id for c in again.items] == [c.id for c in first.items]


def search_every_page(sdk) -> list:
    """Intercom's documented way through a search: `pages.next.starting_after` into the next
    request's `pagination`, until `pages.next` is absent."""
    found, after = [], None
    while True:
        paging = StartingAfterPaging(per_page=50, starting_after=after)
        page = sdk.contacts.search(query=QUERY, pagination=paging)
        found.extend(page.items)
        following = page.response.pages.next if page.response.pages else None
        if following is None or not following.starting_after:
            return found
        after = following.starting_after


def test_contacts_create_update_find_search_merge_archive_delete(sdk, served, user):
    assert user.role == "user"
    assert sdk.contacts.update(contact_id=user.id, name="Py One").name == "Py One"
    assert sdk.contacts.find(contact_id=user.id).email == "py1@example.org"
    lead = sdk.contacts.create(request=CreateContactRequestWithRole(role="lead"))
    bulk = search_every_page(sdk)
    assert len(bulk) == BULK and len({c.id for c in bulk}) == BULK  # past 150, none twice
    merged = sdk.contacts.merge_lead_in_user(lead_id=lead.id, contact_id=user.id)
    assert merged.id == user.id
    assert sdk.contacts.archive(contact_id=bulk[0].id).archived is True
    assert sdk.contacts.delete(contact_id=bulk[1].id).deleted is True
    # What fails at Intercom fails here as the SDK fails there: 404 for the merged lead under
    # 2.11 (api.intercom.io.yaml 2.11, "Merge a lead and a user": the lead is gone).
    with pytest.raises(ApiError) as missing:
        sdk.contacts.find(contact_id=lead.id)
    assert missing.value.status_code == 404


def company(company_id: str, name: str) -> CreateOrUpdateCompanyRequest:
    return CreateOrUpdateCompanyRequest(company_id=company_id, name=name)


def test_companies_create_find_attach_list_scroll(sdk, user):
    made = sdk.companies.create_or_update(request=company("py-co", "Py Co"))
    found = sdk.companies.retrieve(company_id="py-co")
    assert found.type == "company" and found.id == made.id  # the company itself, not a list
    assert sdk.companies.attach_contact(user.id, company_id=made.id).id == made.id
    for n in range(30):  # Intercom lists and scrolls only companies with users (2.11 list)
        more = sdk.companies.create_or_update(request=company(f"py-co-{n}", f"Co {n}"))
        sdk.companies.attach_contact(user.id, company_id=more.id)
    assert len(list(sdk.companies.list(per_page=10))) == 31
    assert len(list(sdk.companies.scroll())) == 31  # the loop ends: an empty page ends it


def test_tags_and_data_attributes_with_options(sdk, user):
    tag = sdk.tags.create(request=CreateOrUpdateTagRequest(name="py-vip"))
    assert sdk.tags.tag_contact(user.id, tag_id=tag.id).name == "py-vip"
    assert "py-vip" in [t.name for t in sdk.tags.list().data]
    options = [CreateDataAttributeRequestOptionsOptionsItem(value=v) for v in ("free", "pro")]
    # 5.0.1's model has no `name`/`model` fields; it allows extra ones, which it sends.
    request = CreateDataAttributeRequestOptions(
        data_type="options", options=options, name="py_plan", model="contact"
    )
    created = sdk.data_attributes.create(request=request)
    assert created.options == ["free", "pro"]
    assert "py_plan" in [a.name for a in sdk.data_attributes.list(model="contact").data]


def test_events_notes_segments_subscription_types(sdk, user):
    now = int(time.time())
    event = CreateDataEventRequestWithUserId(
        user_id="py-1", event_name="py-ordered", created_at=now
    )
    sdk.events.create(request=event)
    summary = CreateDataEventSummariesRequestEventSummaries(
        event_name="py-imported", count=3, first=now - 100, last=now
    )
    sdk.events.summaries(user_id="py-1", event_summaries=summary)
    listed = sdk.events.list(type="user", user_id="py-1")
    assert [e.event_name for e in listed.events] == ["py-ordered"]
    note = sdk.notes.create(contact_id=user.id, body="<p>hello</p>")
    assert sdk.notes.find(note_id=int(note.id)).id == note.id
    assert len(list(sdk.notes.list(contact_id=user.id))) == 1
    segments = sdk.segments.list().segments
    assert [s.name for s in segments] == ["Bulk users"]
    assert sdk.segments.find(segment_id=segments[0].id).name == "Bulk users"
    types = sdk.subscription_types.list().data
    assert len(types) == 2
    attached = sdk.contacts.attach_subscription(
        contact_id=user.id, subscription_id=types[0].id, consent_type=types[0].consent_type
    )
    assert attached.id == types[0].id


@pytest.mark.parametrize("placeholder", ["None", "undefined"])
def test_a_placeholder_token_is_the_sdks_401(served, placeholder):
    """An unset variable formatted into the token is refused as Intercom refuses a token it
    does not know: 401 `unauthorized` "Access Token Invalid" (intercom-api-facts.md §2)."""
    server, _ = served
    with httpx.Client(timeout=60) as transport, pytest.raises(ApiError) as refused:
        Intercom(token=placeholder, base_url=server.url, httpx_client=transport).admins.identify()
    assert refused.value.status_code == 401
    assert refused.value.body["errors"][0]["code"] == "unauthorized"
