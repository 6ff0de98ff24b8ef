"""Accounts, sessions, teams, care assignments and carer nominations.

Revision ID: 01a3ec0a00fd
Revises: (none)
Create Date: 2026-11-29 12:05:51.766418
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "01a3ec0a00fd"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "consumer",
                "carer",
                "consumer_peer_worker",
                "carer_peer_worker",
                "clinician",
                "auditor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=28,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "care_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_care_assignments_ends_after_start"),
        ),
        sa.CheckConstraint("worker_id <> subject_id", name=op.f("ck_care_assignments_not_self")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_care_assignments_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_care_assignments_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_care_assignments_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_care_assignments_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_assignments")),
    )
    with op.batch_alter_table("care_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_assignments_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_assignments_worker_id"), ["worker_id"], unique=False
        )

    op.create_table(
        "carer_nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("carer_id", sa.Integer(), nullable=False),
        sa.Column("relationship_label", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["carer_id"], ["users.id"], name=op.f("fk_carer_nominations_carer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["users.id"], name=op.f("fk_carer_nominations_consumer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carer_nominations")),
    )
    with op.batch_alter_table("carer_nominations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_carer_nominations_carer_id"), ["carer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_carer_nominations_consumer_id"), ["consumer_id"], unique=False
        )

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_memberships_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_memberships")),
    )
    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_memberships_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_memberships_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_team_memberships_team_id"))

    op.drop_table("team_memberships")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("carer_nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carer_nominations_consumer_id"))
        batch_op.drop_index(batch_op.f("ix_carer_nominations_carer_id"))

    op.drop_table("carer_nominations")
    with op.batch_alter_table("care_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_assignments_worker_id"))
        batch_op.drop_index(batch_op.f("ix_care_assignments_subject_id"))

    op.drop_table("care_assignments")
    op.drop_table("users")
    op.drop_table("teams")
