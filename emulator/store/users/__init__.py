"""The legacy 1.4 Users API (`Intercom-Version: 1.4`): `POST /users`, `GET /users`,
`GET /users/{id}`.

Users are the contacts with role `user`, stored with the 2.x Contacts API's: a user created
here is a contact there and the other way round. `save` is shared with the Messenger's ping.
"""

from __future__ import annotations

from emulator.store.users.inputs import UserInput
from emulator.store.users.reading import find, retrieve
from emulator.store.users.writes import save, upsert

__all__ = ["UserInput", "find", "retrieve", "save", "upsert"]
