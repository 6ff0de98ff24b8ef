"""The Apps and tokens page (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tokens", __name__)
