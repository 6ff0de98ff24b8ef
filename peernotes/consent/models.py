"""Consent directives (versioned, never overwritten) and their provisions. (The other facts
the decision weighs live with their features: training/, flags/ and emergency/ models.)

Every change to a consumer's consent writes a new directive version holding the complete set
of provisions then in force. "What had the consumer agreed to on 3 May?" is the newest version
created on or before that moment. Directive, provision and category rows are append-only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.auth.roles import Role
from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class ConsentDirective(Base):
    __tablename__ = "consent_directives"
    __table_args__ = (
        UniqueConstraint("subject_id", "version", name="uq_consent_directive_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: A worker who recorded the change with the consumer present.
    witnessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class ConsentProvision(Base):
    __tablename__ = "consent_provisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("consent_directives.id"), index=True)
    grantee_kind: Mapped[GranteeKind] = mapped_column(enum_column(GranteeKind, "grantee_kind"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    role: Mapped[Role | None] = mapped_column(enum_column(Role, "grantee_role"), default=None)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    act: Mapped[Act] = mapped_column(enum_column(Act, "consent_act"))
    #: What it is for, in the consumer's words, is sealed in `consent_provision_purposes`.
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    #: The provision this one carries forward from an earlier version (same grant, kept).
    carried_from_id: Mapped[int | None] = mapped_column(Integer, default=None)


class ConsentProvisionCategory(Base):
    """One category of a provision: a row each, so that lists can filter on it in SQL."""

    __tablename__ = "consent_provision_categories"

    provision_id: Mapped[int] = mapped_column(ForeignKey("consent_provisions.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(
        enum_column(Category, "provision_category"), primary_key=True
    )


class ConsentProvisionPurpose(Base):
    """What a provision is for, in the consumer's words, sealed under their data key and bound
    to the provision (`peernotes.crypto.texts`: table "consent_provisions", column "purpose").

    A row of its own because provisions are append-only: the purpose can only be sealed once
    the provision has its id, and the provision can no longer be updated then. Append-only too.
    """

    __tablename__ = "consent_provision_purposes"

    provision_id: Mapped[int] = mapped_column(ForeignKey("consent_provisions.id"), primary_key=True)
    purpose_sealed: Mapped[bytes] = mapped_column(LargeBinary)
