"""`/api/v1` endpoints: timeline (being built)."""

from __future__ import annotations

from peernotes.api.blueprint import bp

__all__ = ["bp"]
