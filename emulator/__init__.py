"""A local, stateful emulator of Intercom's REST API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # The app (Flask and every store module) is imported on first use, not with the package:
    # `emulator --version` and `--help` need none of it.
    if name == "create_app":
        from emulator.app import create_app

        return create_app
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")
