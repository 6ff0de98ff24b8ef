"""The download page (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("export", __name__)
