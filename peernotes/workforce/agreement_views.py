"""Placeholder: the agreements pages are being built."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("agreements", __name__)
