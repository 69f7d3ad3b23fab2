"""A local, stateful emulator of Intercom's REST API."""

from emulator.app import create_app

__all__ = ["create_app"]
