"""Service settings; the profile fields the study's participants named (issue 17, part A).

Revision ID: d8b49c6d4da9
Revises: 761300fda70c
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d8b49c6d4da9"
down_revision = "761300fda70c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_service_settings_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_service_settings")),
    )
    # Plain ALTER TABLE on both engines; existing profiles get the empty values (nothing said,
    # nothing shown).
    op.add_column(
        "worker_profiles",
        sa.Column("recovery_stage", sa.String(length=30), nullable=False, server_default=""),
    )
    op.add_column(
        "worker_profiles",
        sa.Column("further_along", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "worker_profiles",
        sa.Column("sexual_orientation", sa.String(length=60), nullable=False, server_default=""),
    )
    op.add_column(
        "worker_profiles",
        sa.Column("carer_years", sa.String(length=4), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("worker_profiles", schema=None) as batch_op:
        batch_op.drop_column("carer_years")
        batch_op.drop_column("sexual_orientation")
        batch_op.drop_column("further_along")
        batch_op.drop_column("recovery_stage")
    op.drop_table("service_settings")
