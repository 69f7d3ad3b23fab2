"""Routes for contacts."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("contacts", __name__)
