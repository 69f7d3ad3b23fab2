"""The 1.x shapes of the lists whose 2.x shape differs, for a request under `Intercom-Version`
1.x (the Users API's family; its own `/users` shapes live in emulator.store.users).

Intercom's 1.x lists name their items after the type (`{"type": "tag.list", "tags": [...]}`),
where 2.x has `{"type": "list", "data": [...]}`. The sources:

- `GET /tags`: `tag.list` / `tags` (the 1.x user object's `tags`, [DOC-1.4-USER]; python-intercom
  3.x's `CollectionProxy` reads `response["tags"]`).
- `GET /companies` (a list): `{"type": "company.list", "total_count", "companies", "pages":
  {"type": "pages", "next": <URL or null>, "page", "per_page", "total_pages"}}` (Intercom's 1.2
  "List Companies" reference page; python-intercom 3.x follows `pages.next` as a URL).
- `GET /companies/scroll`: the page's companies under `companies` beside `scroll_param`
  (python-intercom 3.x's `ScrollCollectionProxy` reads `response["companies"]`; the Ruby SDK's
  1.x user scroll fixture is `{"type": "user.list", "scroll_param", "users"}`).
- `GET /data_attributes`: `{"type": "data_attribute.list", "data_attributes": [...]}`, a
  contact's attributes with `model: "customer"` (Intercom's 1.4 "List Data Attributes" page).

`/segments` and `/admins` already answer `segment.list` and `admin.list` in 2.x, as in 1.x.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


def tag_list(listed: dict[str, Any]) -> dict[str, Any]:
    tags = [{"type": "tag", "id": tag["id"], "name": tag["name"]} for tag in listed["data"]]
    return {"type": "tag.list", "tags": tags}


def company_list(listed: dict[str, Any], args: dict[str, str], base_url: str) -> dict[str, Any]:
    pages = listed["pages"]
    following = {**args, "per_page": str(pages["per_page"]), "page": str(pages["page"] + 1)}
    next_url = f"{base_url.rstrip('/')}/companies?{urlencode(following)}"
    return {
        "type": "company.list",
        "total_count": listed["total_count"],
        "companies": listed["data"],
        "pages": {**pages, "next": next_url if pages["next"] is not None else None},
    }


def company_scroll(page: dict[str, Any]) -> dict[str, Any]:
    return {"type": "company.list", "companies": page["data"], "scroll_param": page["scroll_param"]}


def data_attribute_list(listed: dict[str, Any]) -> dict[str, Any]:
    attributes = [
        {**attribute, "model": "customer"} if attribute.get("model") == "contact" else attribute
        for attribute in listed["data"]
    ]
    return {"type": "data_attribute.list", "data_attributes": attributes}
