"""Placeholder: the profile pages are being built."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("profile", __name__)
