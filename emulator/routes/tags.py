"""Routes for tags."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("tags", __name__)
