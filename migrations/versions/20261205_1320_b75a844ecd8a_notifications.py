"""Notifications: each person's in-app notices, their email choices per kind, and the outbox
that email waits in until it is sent.

Revision ID: b75a844ecd8a
Revises: 5e0c2a7b9d14
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b75a844ecd8a"
down_revision = "5e0c2a7b9d14"
branch_labels = None
depends_on = None

KINDS = (
    "note_to_review",
    "risk_about_you",
    "emergency_access",
    "risk_in_care",
    "cosign_asked",
    "handover_asked",
    "request_answered",
    "agreement_to_confirm",
)


def _kind(name: str) -> sa.Enum:
    return sa.Enum(
        *KINDS,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(k) for k in KINDS) + 8,
    )


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind("notification_kind"), nullable=False),
        sa.Column("about_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_notifications_person_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_person_id_read_at", "notifications", ["person_id", "read_at"]
    )
    op.create_table(
        "notification_email_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind("notification_email_kind"), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["users.id"],
            name=op.f("fk_notification_email_preferences_person_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_email_preferences")),
        sa.UniqueConstraint(
            "person_id", "kind", name=op.f("uq_notification_email_preferences_person_id")
        ),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_mail_outbox_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(
        "ix_mail_outbox_sent_at_next_try_at", "mail_outbox", ["sent_at", "next_try_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_sent_at_next_try_at", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_table("notification_email_preferences")
    op.drop_index("ix_notifications_person_id_read_at", table_name="notifications")
    op.drop_table("notifications")
