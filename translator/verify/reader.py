"""A reader of what an Intercom-compatible API (the emulator or real Intercom) holds.

Only documented Intercom reads are used (``GET /contacts``, ``GET /events``,
``GET /contacts/{id}/companies``, ``GET /companies?company_id=``), so the same checks run against
either target; the deletes are ``DELETE /contacts/{id}`` and ``DELETE /companies/{id}``.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import requests


class IntercomReader:
    """Reads back what a workspace holds, and deletes what a run made."""

    def __init__(self, base_url: str, token: str, version: str = "2.11") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Intercom-Version": version,
            }
        )

    def _send(self, method: str, path: str, **params: Any) -> requests.Response:
        for _ in range(20):  # real Intercom rate-limits reads too
            response = self.session.request(method, self.base_url + path, params=params, timeout=30)
            if response.status_code != 429:
                break
            time.sleep(2)
        return response

    def _get(self, path: str, **params: Any) -> Any:
        response = self._send("GET", path, **params)
        response.raise_for_status()
        return response.json()

    def contacts(self) -> list[dict[str, Any]]:
        """Every contact, following the cursor."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"per_page": 150}
        while True:
            page = self._get("/contacts", **params)
            found += page["data"]
            cursor = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return found
            params["starting_after"] = cursor

    def contacts_by_external_id(self) -> dict[str, list[dict[str, Any]]]:
        """Every contact with an external_id, by it, from one listing: search lags behind
        writes (Intercom: "This delay can take a few minutes"), the list does not."""
        found: dict[str, list[dict[str, Any]]] = {}
        for contact in self.contacts():
            if contact.get("external_id"):
                found.setdefault(contact["external_id"], []).append(contact)
        return found

    def contact(self, external_id: str) -> dict[str, Any] | None:
        """The one contact with this external_id (None when there is none or several)."""
        data = self.contacts_by_external_id().get(external_id, [])
        return data[0] if len(data) == 1 else None

    def events(self, user_id: str) -> Counter:
        """(lower-cased name, created_at) of every event of a user, each with its count."""
        found: Counter = Counter()
        page = self._get("/events", type="user", user_id=user_id, per_page=150)
        while True:
            for event in page["events"]:
                found[(event["event_name"].lower(), event["created_at"])] += 1
            following = (page.get("pages") or {}).get("next")
            if not following:
                return found
            response = self.session.get(following, timeout=30)
            response.raise_for_status()
            page = response.json()

    def company_ids_of(self, contact_id: str) -> set[str]:
        page = self._get(f"/contacts/{contact_id}/companies")
        # Intercom's 2.11 example lists them under `data`, its schema under `companies`.
        listed = page.get("data") or page.get("companies") or []
        return {company["company_id"] for company in listed}

    def delete_contact(self, contact_id: str) -> bool:
        return self._send("DELETE", f"/contacts/{contact_id}").status_code == 200

    def delete_company(self, company_id: str) -> bool | None:
        """Delete the company whose ``company_id`` (ours) this is; None when there is none."""
        response = self._send("GET", "/companies", company_id=company_id)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return self._send("DELETE", f"/companies/{response.json()['id']}").status_code == 200
