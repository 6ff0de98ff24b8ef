"""Imports every model module, so that `Base.metadata` is complete (Alembic, tests)."""

from peernotes.audit.models import AuditEntry
from peernotes.auth.models import LoginSession, User
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.db import Base

__all__ = [
    "AuditEntry",
    "Base",
    "CareAssignment",
    "CarerNomination",
    "LoginSession",
    "Team",
    "TeamMembership",
    "User",
]
