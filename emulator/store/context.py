"""What every store function needs to know about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from emulator.shared import Shared


@dataclass
class Workspace:
    id: str
    name: str
    admin_id: str
    admin_name: str
    admin_email: str
    settings: dict[str, Any]
    created_at: int
    clock_frozen_at: float | None = None
    clock_offset: float = 0.0
    has_fault_rules: bool = True  # False lets a request skip looking for a rule that fires
    row: int = 0  # the workspace's rowid, and its token's (emulator.shared's counter slots)
    token_row: int = 0


@dataclass
class Context:
    """One request's view of the store: its connection, workspace, clock and API version."""

    db: sqlite_utils.Database
    workspace: Workspace
    now: int
    # The Intercom-Version the request runs under (per-version behaviour reads it).
    version: str
    # The memory the server's processes share (emulator.shared): rate counters and the journal's
    # pending entries. The app always sets it; a store-only test may leave it out.
    shared: Shared | None = None
    # Things the emulator changed or ignored without refusing (shown in the request journal).
    warnings: list[str] = field(default_factory=list)

    def setting(self, name: str) -> Any:
        return self.workspace.settings[name]

    def shared_memory(self) -> Shared:
        if self.shared is None:
            raise RuntimeError("this Context was built without the server's shared memory")
        return self.shared
