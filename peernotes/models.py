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
from peernotes.language.models import ServiceTerm
from peernotes.mfa.models import MfaEnrolment, RecoveryCode
from peernotes.notes.models import Note, NoteEvent, NoteRevision, NoteSectionAudience, NoteStatement
from peernotes.notifications.models import EmailPreference, Notification, OutboxMessage
from peernotes.records.models import RecordEntry, RecordRevision
from peernotes.risk.models import RiskConcern, RiskDelay
from peernotes.settings.models import ServiceSetting
from peernotes.skills.models import SkillItem, SkillItemVersion
from peernotes.supervision.models import Supervision, SupervisionSession
from peernotes.training.models import TrainingRecord
from peernotes.wishes.models import Wish, WishReply, WishVersion
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.choosing.models import HandoverSummary, MatchPreference, WorkerRequest
from peernotes.workforce.contacts.models import Contact
from peernotes.workforce.groups.models import Group, GroupParticipant, GroupSession
from peernotes.workforce.oncall.models import OnCallSlot
from peernotes.workforce.profiles.models import WorkerProfile
from peernotes.workforce.wellbeing.models import (
    CollapsedTopic,
    WorkplaceConcern,
    WorkplaceConcernMessage,
)

__all__ = [
    "OnCallSlot",
    "ServiceTerm",
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
    "ServiceSetting",
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
    "Wish",
    "WishReply",
    "WishVersion",
    "CollapsedTopic",
    "WorkplaceConcern",
    "WorkplaceConcernMessage",
]
