"""The API's blueprint, `/api/v1`: each `views` module adds its endpoints to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
