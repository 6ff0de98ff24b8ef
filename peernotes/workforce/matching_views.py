"""Placeholder: the matching pages are being built."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("matching", __name__)
