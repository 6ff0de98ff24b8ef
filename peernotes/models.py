"""Imports every model module, so that `Base.metadata` is complete (Alembic, tests)."""

from peernotes.aboutme.models import AboutMeVersion
from peernotes.audit.models import AuditEntry
from peernotes.auth.models import ApiToken, LoginSession, PasswordReset, User
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.consent.models import (
    ConsentDirective,
    ConsentProvision,
    ConsentProvisionCategory,
    ConsentProvisionPurpose,
)
from peernotes.crypto.models import DataKey, SpaceKey
from peernotes.db import Base
from peernotes.emergency.models import EmergencyAccess
from peernotes.erasure.models import ErasureRequest
from peernotes.flags.models import SafetyFlag
from peernotes.mfa.models import MfaEnrolment, RecoveryCode
from peernotes.notes.models import Note, NoteEvent, NoteRevision, NoteSectionAudience, NoteStatement
from peernotes.notifications.models import EmailPreference, Notification, OutboxMessage
from peernotes.records.models import RecordEntry, RecordRevision
from peernotes.risk.models import RiskConcern, RiskDelay
from peernotes.skills.models import SkillItem, SkillItemVersion
from peernotes.supervision.models import Supervision, SupervisionSession
from peernotes.training.models import TrainingRecord
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.choosing.models import HandoverSummary, MatchPreference, WorkerRequest
from peernotes.workforce.contacts.models import Contact
from peernotes.workforce.groups.models import Group, GroupParticipant, GroupSession
from peernotes.workforce.profiles.models import WorkerProfile

__all__ = [
    "AboutMeVersion",
    "SkillItem",
    "SkillItemVersion",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CareAssignment",
    "CarerNomination",
    "ConsentDirective",
    "ConsentProvision",
    "ConsentProvisionCategory",
    "ConsentProvisionPurpose",
    "DataKey",
    "EmergencyAccess",
    "ErasureRequest",
    "SpaceKey",
    "MfaEnrolment",
    "RecoveryCode",
    "RecordEntry",
    "RecordRevision",
    "SafetyFlag",
    "TrainingRecord",
    "LoginSession",
    "PasswordReset",
    "Note",
    "NoteEvent",
    "NoteRevision",
    "NoteSectionAudience",
    "NoteStatement",
    "Notification",
    "EmailPreference",
    "OutboxMessage",
    "RiskConcern",
    "RiskDelay",
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
