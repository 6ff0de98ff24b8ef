"""Imports every model module, so that `Base.metadata` is complete (Alembic, tests)."""

from peernotes.audit.models import AuditEntry
from peernotes.auth.models import LoginSession, User
from peernotes.care.models import (
    CareAssignment,
    CarerNomination,
    Supervision,
    Team,
    TeamMembership,
)
from peernotes.consent.models import (
    ConsentDirective,
    ConsentProvision,
    ConsentProvisionCategory,
    EmergencyAccess,
    SafetyFlag,
    TrainingRecord,
)
from peernotes.crypto.models import DataKey
from peernotes.db import Base
from peernotes.notes.models import (
    Note,
    NoteEvent,
    NoteRevision,
    NoteSectionAudience,
    NoteStatement,
    RiskConcern,
)
from peernotes.records.models import RecordEntry, RecordRevision
from peernotes.workforce.models import (
    Contact,
    Group,
    GroupParticipant,
    GroupSession,
    HandoverSummary,
    MatchPreference,
    SupervisionSession,
    SupportAgreement,
    WorkerProfile,
    WorkerRequest,
)

__all__ = [
    "AuditEntry",
    "Base",
    "CareAssignment",
    "CarerNomination",
    "ConsentDirective",
    "ConsentProvision",
    "ConsentProvisionCategory",
    "DataKey",
    "EmergencyAccess",
    "RecordEntry",
    "RecordRevision",
    "SafetyFlag",
    "TrainingRecord",
    "LoginSession",
    "Note",
    "NoteEvent",
    "NoteRevision",
    "NoteSectionAudience",
    "NoteStatement",
    "RiskConcern",
    "Supervision",
    "Team",
    "TeamMembership",
    "User",
    "Contact",
    "Group",
    "GroupParticipant",
    "GroupSession",
    "HandoverSummary",
    "MatchPreference",
    "SupervisionSession",
    "SupportAgreement",
    "WorkerProfile",
    "WorkerRequest",
]
