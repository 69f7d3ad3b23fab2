"""The workspace both SDK scenarios start from: a real `emulator serve`, 160 users to search
(more than three 50-item pages), a segment and subscription types, which Intercom's API cannot
create, seeded through the control API."""

from __future__ import annotations

import uuid
from typing import Any

BULK = 160  # search's auto-pagination must cross 150 results
SEED = {
    "contacts": [
        {"external_id": f"bulk-{n}", "email": f"bulk{n}@bulk.example.org"} for n in range(BULK)
    ],
    "segments": [
        {
            "name": "Bulk users",
            "query": {"field": "email_domain", "operator": "=", "value": "bulk.example.org"},
        }
    ],
    "subscription_types": [
        {"name": "Newsletter", "consent_type": "opt_in"},
        {"name": "Product updates", "consent_type": "opt_out"},
    ],
}


def seeded_workspace(server: Any) -> str:
    """A fresh workspace's token, the seed loaded and the search lag behind it."""
    token = f"sdk-{uuid.uuid4().hex}"
    with server.session(token) as session:
        return _seed(server, session, token)


def _seed(server: Any, session: Any, token: str) -> str:
    loaded = session.post(f"{server.url}/_emulator/seed", json=SEED, timeout=60)
    assert loaded.status_code == 200, loaded.text
    moved = session.post(f"{server.url}/_emulator/clock", json={"advance": 60}, timeout=30)
    assert moved.status_code == 200, moved.text
    return token
