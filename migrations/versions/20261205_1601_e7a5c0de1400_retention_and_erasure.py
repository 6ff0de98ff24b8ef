"""Retention and erasure: peer-space keys (kept in the key vault outside the database, named
here), erasure requests, each note's own content key and whether it is under a peer-space key
or erased, and when a data key was destroyed at the end of retention.

Revision ID: e7a5c0de1400
Revises: 6a1e5d0c9b27
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e7a5c0de1400"
down_revision = "6a1e5d0c9b27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "space_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_space_keys_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_keys")),
        sa.UniqueConstraint("ref", name=op.f("uq_space_keys_ref")),
    )
    op.create_index(op.f("ix_space_keys_subject_id"), "space_keys", ["subject_id"])
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("notes_shredded", sa.Integer(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_erasure_requests_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(op.f("ix_erasure_requests_subject_id"), "erasure_requests", ["subject_id"])
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(length=60), nullable=True))
        batch_op.add_column(sa.Column("space_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notes_space_key_id_space_keys"), "space_keys", ["space_key_id"], ["id"]
        )
    op.add_column("data_keys", sa.Column("destroyed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("data_keys", "destroyed_at")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notes_space_key_id_space_keys", type_="foreignkey")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("space_key_id")
        batch_op.drop_column("wrapped_key")
    op.drop_index(op.f("ix_erasure_requests_subject_id"), table_name="erasure_requests")
    op.drop_table("erasure_requests")
    op.drop_index(op.f("ix_space_keys_subject_id"), table_name="space_keys")
    op.drop_table("space_keys")
