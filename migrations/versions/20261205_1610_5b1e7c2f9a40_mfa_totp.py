"""Two-step sign-in: authenticator enrolments (their TOTP secret sealed, the last accepted
time step) and one-time recovery codes stored as argon2 hashes.

Revision ID: 5b1e7c2f9a40
Revises: c3d9f2e8a614
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b1e7c2f9a40"
down_revision = "c3d9f2e8a614"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every session open before two-step sign-in came was started with the password alone:
    # end them, so that those who now need a code (or must set one up) sign in again.
    op.execute(
        sa.text(
            "UPDATE login_sessions SET revoked_at = CURRENT_TIMESTAMP,"
            " revoked_reason = 'two_step_introduced' WHERE revoked_at IS NULL"
        )
    )
    op.create_table(
        "mfa_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_enrolments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_enrolments")),
    )
    with op.batch_alter_table("mfa_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_enrolments_user_id"), ["user_id"], unique=False)
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["mfa_enrolments.id"],
            name=op.f("fk_mfa_recovery_codes_enrolment_id_mfa_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
    )
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mfa_recovery_codes_enrolment_id"), ["enrolment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_recovery_codes_enrolment_id"))
    op.drop_table("mfa_recovery_codes")
    with op.batch_alter_table("mfa_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_enrolments_user_id"))
    op.drop_table("mfa_enrolments")
