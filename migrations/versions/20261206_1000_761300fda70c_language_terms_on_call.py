"""The service's own language terms, and carer peer workers' on-call times (issue 17).

Revision ID: 761300fda70c
Revises: 289fab60fb20
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "761300fda70c"
down_revision = "289fab60fb20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "language_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("suggestion", sa.String(length=300), nullable=False),
        sa.Column("why", sa.String(length=300), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_language_terms_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"], ["users.id"], name=op.f("fk_language_terms_retired_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_language_terms")),
    )
    op.create_table(
        "on_call_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("end_minute", sa.SmallInteger(), nullable=False),
        sa.Column("reach", sa.String(length=200), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_on_call_slots_weekday")),
        sa.CheckConstraint(
            "start_minute BETWEEN 0 AND 1439", name=op.f("ck_on_call_slots_start_minute")
        ),
        sa.CheckConstraint(
            "end_minute BETWEEN 1 AND 1440", name=op.f("ck_on_call_slots_end_minute")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_on_call_slots_worker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_on_call_slots_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_on_call_slots_ended_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_on_call_slots")),
    )
    with op.batch_alter_table("on_call_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_on_call_slots_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("on_call_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_on_call_slots_worker_id"))
    op.drop_table("on_call_slots")
    op.drop_table("language_terms")
