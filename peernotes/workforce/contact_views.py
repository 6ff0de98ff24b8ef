"""Placeholder: the contacts pages are being built."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("contacts", __name__)
