"""Routes for events."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("events", __name__)
