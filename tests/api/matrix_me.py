"""The matrix rows of `/api/v1/me` (no web twin: every signed-in role may ask who it is)."""

from __future__ import annotations

from peernotes.auth.roles import Role

API_OWN = {"/api/v1/me": dict.fromkeys(Role, 200)}
