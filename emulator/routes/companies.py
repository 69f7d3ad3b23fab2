"""Routes for companies."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("companies", __name__)
