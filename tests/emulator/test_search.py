"""`POST /contacts/search`: Intercom's query language, sorting, pages and the index's lag."""

from __future__ import annotations

import sqlite3

import pytest

from emulator.store import search
from tests.intercom_errors import first_error

DAY = 86_400
JAN_1_2020 = 1_577_836_800  # midnight UTC
NOW = JAN_1_2020 + 10 * DAY + 3600  # the frozen clock: 2020-01-11 01:00 UTC

PEOPLE = [
    {
        "name": "Frodo",
        "email": "frodo@shire.example",
        "external_id": "f1",
        "owner_id": 1,
        "signed_up_at": JAN_1_2020 + 9 * 3600,
        "custom_attributes": {"rings": 1, "height": 1.1, "brave": True, "home": "Bag End"},
    },
    {
        "name": "Samwise",
        "email": "sam@shire.example",
        "external_id": "s2",
        "owner_id": 2,
        "signed_up_at": JAN_1_2020 + DAY + 60,
        "unsubscribed_from_emails": True,
        "custom_attributes": {"rings": 0, "height": 1.2, "brave": True, "joined": "2020-01-02"},
    },
    {
        "name": "Gandalf",
        "email": "gandalf@istari.example",
        "owner_id": 3,
        "signed_up_at": JAN_1_2020 + 2 * DAY,
        "custom_attributes": {"rings": 1, "brave": False, "home": "Valinor"},
    },
    {"role": "lead", "name": "Gollum", "phone": "+44123"},
]
ATTRIBUTES = {"rings": "integer", "height": "float", "brave": "boolean", "home": "string"}


@pytest.fixture
def people(client):
    """Four contacts created one second apart on a frozen clock, by name."""
    client.post("/_emulator/clock", json={"freeze": True, "at": NOW})
    # These tests are about what search finds, not about when: no search lag.
    client.patch("/_emulator/settings", json={"search_lag_seconds": 0})
    for name, data_type in {**ATTRIBUTES, "joined": "date"}.items():
        body = {"name": name, "model": "contact", "data_type": data_type}
        assert client.post("/data_attributes", json=body).status_code == 200
    made = {}
    for person in PEOPLE:
        response = client.post("/contacts", json=person)
        assert response.status_code == 200, response.get_json()
        made[person["name"]] = response.get_json()
        client.post("/_emulator/clock", json={"advance": 1})
    return made


def find(client, query, **extra):
    response = client.post("/contacts/search", json={"query": query, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(client, query, **extra):
    return sorted(c["name"] for c in find(client, query, **extra)["data"])


def refusal(client, query, **extra):
    response = client.post("/contacts/search", json={"query": query, **extra})
    return first_error(response, 400)


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("name", "=", "Frodo", ["Frodo"]),
        ("name", "!=", "Frodo", ["Gandalf", "Gollum", "Samwise"]),
        ("name", "IN", ["Frodo", "Gollum"], ["Frodo", "Gollum"]),
        ("name", "NIN", ["Frodo", "Gollum"], ["Gandalf", "Samwise"]),
        ("name", "~", "o", ["Frodo", "Gollum"]),
        ("name", "!~", "o", ["Gandalf", "Samwise"]),
        ("name", "^", "g", ["Gandalf", "Gollum"]),
        ("name", "$", "ISE", ["Samwise"]),
        ("email", "=", "FRODO@shire.example", ["Frodo"]),
        ("email", "!=", "frodo@shire.example", ["Gandalf", "Gollum", "Samwise"]),
        ("email", "=", None, ["Gollum"]),
        ("email", "!=", None, ["Frodo", "Gandalf", "Samwise"]),
        ("email_domain", "=", "shire.example", ["Frodo", "Samwise"]),
        ("external_id", "IN", ["f1", "s2", "zz"], ["Frodo", "Samwise"]),
        ("role", "=", "lead", ["Gollum"]),
        ("phone", "^", "+44", ["Gollum"]),
        ("owner_id", "=", 2, ["Samwise"]),
        ("owner_id", "!=", 2, ["Frodo", "Gandalf", "Gollum"]),
        ("owner_id", ">", 1, ["Gandalf", "Samwise"]),
        ("owner_id", ">=", "2", ["Gandalf", "Samwise"]),
        ("owner_id", "<", 3, ["Frodo", "Samwise"]),
        ("owner_id", "<=", 1, ["Frodo"]),
        ("owner_id", "IN", [1, 3], ["Frodo", "Gandalf"]),
        ("owner_id", "NIN", [1, 3], ["Gollum", "Samwise"]),
        ("unsubscribed_from_emails", "=", True, ["Samwise"]),
        ("unsubscribed_from_emails", "!=", True, ["Frodo", "Gandalf", "Gollum"]),
        ("unsubscribed_from_emails", "IN", [False], ["Frodo", "Gandalf", "Gollum"]),
        ("has_hard_bounced", "=", False, ["Frodo", "Gandalf", "Gollum", "Samwise"]),
        ("segment_id", "=", "anything", []),
        # Dates match by calendar day [S2.11]: 9:00 on Jan 1st means "Jan 1st".
        ("signed_up_at", "=", JAN_1_2020 + 9 * 3600, ["Frodo"]),
        ("signed_up_at", ">", JAN_1_2020 + 9 * 3600, ["Gandalf", "Samwise"]),
        ("signed_up_at", "<", str(JAN_1_2020 + DAY + 3600), ["Frodo"]),
        ("created_at", "=", NOW, ["Frodo", "Gandalf", "Gollum", "Samwise"]),
        ("created_at", ">", NOW, []),
        ("last_seen_at", "=", None, ["Frodo", "Gandalf", "Gollum", "Samwise"]),
    ],
)
def test_each_operator_on_standard_fields(client, people, field, operator, value, expected):
    assert names(client, {"field": field, "operator": operator, "value": value}) == expected


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "expected"),
    [
        ("rings", "=", 1, ["Frodo", "Gandalf"]),
        ("rings", "<", 1, ["Samwise"]),
        ("rings", "NIN", [0], ["Frodo", "Gandalf", "Gollum"]),
        ("height", ">", 1.15, ["Samwise"]),
        ("height", "=", None, ["Gandalf", "Gollum"]),
        ("brave", "=", True, ["Frodo", "Samwise"]),
        ("brave", "=", "false", ["Gandalf"]),
        ("home", "~", "end", ["Frodo"]),
        ("home", "!=", "Valinor", ["Frodo", "Gollum", "Samwise"]),
        ("joined", "=", JAN_1_2020 + DAY + 7200, ["Samwise"]),
        ("joined", ">", JAN_1_2020, ["Samwise"]),
    ],
)
def test_custom_attributes_compare_by_their_type(
    client, people, attribute, operator, value, expected
):
    query = {"field": f"custom_attributes.{attribute}", "operator": operator, "value": value}
    assert names(client, query) == expected


def test_groups_nest_and_or(client, people):
    shire_or_wizard = {
        "operator": "OR",
        "value": [
            {"field": "email_domain", "operator": "=", "value": "shire.example"},
            {"field": "name", "operator": "=", "value": "Gandalf"},
        ],
    }
    brave_or_lead = {
        "operator": "OR",
        "value": [
            {"field": "custom_attributes.brave", "operator": "=", "value": False},
            {"field": "owner_id", "operator": "=", "value": 2},
        ],
    }
    both = {"operator": "AND", "value": [shire_or_wizard, brave_or_lead]}
    assert names(client, both) == ["Gandalf", "Samwise"]
    assert names(client, {"operator": "AND", "value": [shire_or_wizard]}) == [
        "Frodo",
        "Gandalf",
        "Samwise",
    ]


def test_three_levels_of_groups_are_refused(client, people):
    leaf = {"field": "name", "operator": "=", "value": "Frodo"}
    deep = {
        "operator": "AND",
        "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [leaf]}]}],
    }
    assert refusal(client, deep)["code"] == "parameter_invalid"


@pytest.mark.parametrize(("count", "allowed"), [(15, True), (16, False)])
def test_groups_hold_at_most_fifteen_filters(client, people, count, allowed):
    group = {
        "operator": "OR",
        "value": [
            {"field": "external_id", "operator": "=", "value": f"x{i}"} for i in range(count)
        ],
    }
    response = client.post("/contacts/search", json={"query": group})
    assert (response.status_code == 200) is allowed


@pytest.mark.parametrize(
    ("filter_", "field"),
    [
        ({"field": "created_at", "operator": "!=", "value": NOW}, "created_at"),
        ({"field": "created_at", "operator": ">=", "value": NOW}, "created_at"),
        ({"field": "signed_up_at", "operator": "<=", "value": NOW}, "signed_up_at"),
        ({"field": "updated_at", "operator": "IN", "value": [NOW]}, "updated_at"),
        ({"field": "custom_attributes.joined", "operator": "NIN", "value": [NOW]}, None),
        ({"field": "name", "operator": ">", "value": "A"}, "name"),
        ({"field": "owner_id", "operator": "~", "value": "1"}, "owner_id"),
        ({"field": "unsubscribed_from_emails", "operator": "<", "value": 1}, None),
        ({"field": "tag_id", "operator": "IN", "value": ["1"]}, "tag_id"),
        ({"field": "created_at", "operator": ">", "value": "foobar"}, "created_at"),
        ({"field": "owner_id", "operator": "=", "value": True}, "owner_id"),
        ({"field": "unsubscribed_from_emails", "operator": "=", "value": "maybe"}, None),
        ({"field": "name", "operator": "=", "value": ["Frodo"]}, "name"),
        ({"field": "name", "operator": "IN", "value": "Frodo"}, "name"),
        ({"field": "name", "operator": "IN", "value": []}, "name"),
        ({"field": "name", "operator": "~", "value": None}, "name"),
        ({"field": "name", "operator": "LIKE", "value": "F"}, "name"),
        ({"field": "name", "operator": "="}, "name"),
        ({"field": "nickname", "operator": "=", "value": "F"}, "nickname"),
        ({"field": "custom_attributes.unknown", "operator": "=", "value": "F"}, None),
        ({"field": "owner_id", "operator": ">", "value": 10**30}, "owner_id"),
        ({"operator": "XOR", "value": []}, "query"),
        ({"operator": "AND", "value": []}, "query"),
    ],
)
def test_invalid_filters_are_refused_naming_the_field(client, people, filter_, field):
    found = refusal(client, filter_)
    assert found["code"] == "parameter_invalid"
    assert found["field"] == (field or filter_["field"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query": None},
        {"query": [1]},
        {"query": {}, "page": 2},
        {"query": {"field": "name", "operator": "=", "value": "x"}, "sort": "x"},
        {
            "query": {"field": "name", "operator": "=", "value": "x"},
            "pagination": {"per_page": 2.5},
        },
        {
            "query": {"field": "name", "operator": "=", "value": "x"},
            "pagination": {"per_page": 500},
        },
        {"query": {"field": "name", "operator": "=", "value": "x"}, "pagination": []},
    ],
)
def test_malformed_bodies_are_400(client, body):
    response = client.post("/contacts/search", json=body)
    assert response.status_code == 400


@pytest.mark.parametrize("operator", ["=", ">", "<"])
def test_dates_at_the_end_of_time_are_no_error(client, people, operator):
    query = {"field": "created_at", "operator": operator, "value": 2**63 - 1}
    assert find(client, query)["type"] == "list"


def test_values_never_become_sql(client, people):
    sneaky = "x' OR '1'='1"
    assert names(client, {"field": "name", "operator": "=", "value": sneaky}) == []
    assert names(client, {"field": "name", "operator": "~", "value": "%"}) == []
    compiled = search.compile_query(
        {"field": "name", "operator": "=", "value": sneaky},
        lambda name: search.Field(search.Expr("name"), "string"),
    )
    assert sneaky not in compiled.sql and compiled.params == (sneaky,)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Gollum", "Gandalf", "Samwise", "Frodo"]),
        ({"field": "created_at", "order": "ascending"}, ["Frodo", "Samwise", "Gandalf", "Gollum"]),
        ({"field": "name", "order": "ascending"}, ["Frodo", "Gandalf", "Gollum", "Samwise"]),
        ({"field": "name"}, ["Samwise", "Gollum", "Gandalf", "Frodo"]),
        (
            {"field": "signed_up_at", "order": "ascending"},
            ["Gollum", "Frodo", "Samwise", "Gandalf"],
        ),
        (
            {"field": "custom_attributes.height", "order": "descending"},
            ["Samwise", "Frodo", "Gollum", "Gandalf"],  # no value sorts lowest; ties: newest first
        ),
    ],
)
def test_sort(client, people, sort, expected):
    extra = {"sort": sort} if sort else {}
    found = find(client, {"field": "name", "operator": "!=", "value": "nobody"}, **extra)
    assert [c["name"] for c in found["data"]] == expected


@pytest.mark.parametrize("order", ["desc", "ASC", 1])
def test_invalid_sort_order(client, people, order):
    found = refusal(
        client, {"field": "name", "operator": "=", "value": "Frodo"}, sort={"order": order}
    )
    assert found == {
        "code": "invalid_sort_order",
        "message": f"Invalid sort order '{order}'. Must be one of: ascending, descending",
    }


@pytest.mark.parametrize("field", ["nickname", "tag_id", 5])
def test_unknown_sort_field_is_refused(client, people, field):
    query = {"field": "name", "operator": "=", "value": "Frodo"}
    assert refusal(client, query, sort={"field": field})["field"] == "sort"


@pytest.mark.parametrize(("sort_field", "per_page"), [("created_at", 1), ("name", 3)])
def test_search_pages_cover_every_match_once(client, people, sort_field, per_page):
    query = {"field": "role", "operator": "IN", "value": ["user", "lead"]}
    seen, cursor, pages = [], None, []
    while True:
        pagination = {"per_page": per_page, **({"starting_after": cursor} if cursor else {})}
        body = find(client, query, pagination=pagination, sort={"field": sort_field})
        seen += [c["name"] for c in body["data"]]
        pages.append(body["pages"]["page"])
        if "next" not in body["pages"]:
            break
        cursor = body["pages"]["next"]["starting_after"]
        # Added meanwhile: it sorts before the cursor, so it must not shift the pages.
        client.post("/contacts", json={"role": "lead", "name": "Nazgul"})
    assert sorted(seen) == sorted(people)
    assert pages == list(range(1, len(pages) + 1))


def test_archived_and_merged_contacts_are_not_found(client, people):
    client.post(f"/contacts/{people['Frodo']['id']}/archive")
    client.post(
        "/contacts/merge", json={"from": people["Gollum"]["id"], "into": people["Samwise"]["id"]}
    )
    assert names(client, {"field": "name", "operator": "!=", "value": "x"}) == [
        "Gandalf",
        "Samwise",
    ]


def test_search_lag_hides_fresh_writes(client, people):
    client.patch("/_emulator/settings", json={"search_lag_seconds": 5})
    query = {"field": "name", "operator": "^", "value": "Arag"}
    created = client.post("/contacts", json={"external_id": "aragorn", "name": "Aragorn"})
    assert created.status_code == 200
    assert names(client, query) == []
    assert client.get("/contacts").get_json()["total_count"] == 5  # the list does not lag
    client.post("/_emulator/clock", json={"advance": 4})
    assert names(client, query) == []
    client.post("/_emulator/clock", json={"advance": 1})
    assert names(client, query) == ["Aragorn"]
    client.put(f"/contacts/{created.get_json()['id']}", json={"name": "Elessar"})
    assert names(client, {"field": "name", "operator": "=", "value": "Elessar"}) == []


def test_tag_id_matches_tagged_contacts(client, people, db_path):
    with sqlite3.connect(db_path) as conn:
        tag = conn.execute(
            "INSERT INTO tags (workspace_id, name, created_at) VALUES (?, 'hobbit', 1)",
            [people["Frodo"]["workspace_id"]],
        ).lastrowid
        for name in ("Frodo", "Samwise"):
            conn.execute(
                "INSERT INTO contact_tags (contact_id, tag_id, applied_at) VALUES (?, ?, 1)",
                [people[name]["id"], tag],
            )
    assert names(client, {"field": "tag_id", "operator": "=", "value": str(tag)}) == [
        "Frodo",
        "Samwise",
    ]
    assert names(client, {"field": "tag_id", "operator": "!=", "value": tag}) == [
        "Gandalf",
        "Gollum",
    ]


def test_workspaces_search_only_their_own_contacts(client, other_client, people):
    other_client.patch("/_emulator/settings", json={"search_lag_seconds": 0})
    other_client.post("/contacts", json={"email": "frodo@shire.example", "name": "Frodo"})
    query = {"field": "email", "operator": "=", "value": "frodo@shire.example"}
    assert [c["id"] for c in find(client, query)["data"]] == [people["Frodo"]["id"]]
    assert find(other_client, query)["total_count"] == 1


def test_search_without_per_page_pages_past_150_with_starting_after(client):
    """`pagination.per_page` is optional: 2.11 `POST /contacts/search` says "The default is `50`
    results per page" (its schema's `required: [per_page]` notwithstanding; the Node SDK's
    iterator asks for later pages without it). A client following `starting_after` sees every
    one of 160 contacts once, past the 150 a page can hold at most [DOC-PAG]."""
    client.post("/_emulator/clock", json={"freeze": True, "at": NOW})
    for number in range(160):
        assert client.post("/contacts", json={"external_id": f"c{number:03}"}).status_code == 200
    client.post("/_emulator/clock", json={"advance": 3600})  # past the search lag
    query = {"field": "external_id", "operator": "^", "value": "c"}
    seen, sizes, pagination = [], [], {}
    while True:
        body = {"query": query, **({"pagination": pagination} if pagination else {})}
        page = client.post("/contacts/search", json=body).get_json()
        seen += [contact["external_id"] for contact in page["data"]]
        sizes.append(len(page["data"]))
        assert page["pages"]["per_page"] == 50 and page["total_count"] == 160
        following = page["pages"].get("next")
        if not following:
            break
        pagination = {"starting_after": following["starting_after"]}
    assert sizes == [50, 50, 50, 10]
    assert sorted(seen) == [f"c{number:03}" for number in range(160)]
