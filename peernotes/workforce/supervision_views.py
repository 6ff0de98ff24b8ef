"""Placeholder: the supervising pages are being built."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervising", __name__)
