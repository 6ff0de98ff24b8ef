"""The API's endpoints, one module per area, all on one blueprint (`peernotes.api.blueprint`)."""

from __future__ import annotations

from peernotes.api.blueprint import bp
from peernotes.api.views import accesslog, consent, docs, me, notes, records, timeline

__all__ = ["accesslog", "bp", "consent", "docs", "me", "notes", "records", "timeline"]
