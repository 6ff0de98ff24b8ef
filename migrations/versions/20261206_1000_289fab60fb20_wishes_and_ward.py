"""'My wishes' at a transition (statements, their versions, the care team's replies), and the
inpatient ward as a place: support agreements say whether visits on the ward are agreed.

Revision ID: 289fab60fb20
Revises: 8e2b4c6d1f30
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "289fab60fb20"
down_revision = "8e2b4c6d1f30"
branch_labels = None
depends_on = None

TRANSITIONS = ("admission", "discharge")


def upgrade() -> None:
    op.create_table(
        "wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column(
            "transition",
            sa.Enum(
                *TRANSITIONS,
                name="wish_transition",
                native_enum=False,
                create_constraint=True,
                length=max(len(t) for t in TRANSITIONS) + 8,
            ),
            nullable=False,
        ),
        sa.Column("helper_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_wishes_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["helper_id"], ["users.id"], name=op.f("fk_wishes_helper_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishes")),
    )
    op.create_index(op.f("ix_wishes_subject_id"), "wishes", ["subject_id"], unique=False)
    op.create_table(
        "wish_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("know_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("call_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("not_want_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_versions_wish_id_wishes")
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"], name=op.f("fk_wish_versions_written_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_versions")),
        sa.UniqueConstraint("wish_id", "version", name="uq_wish_version"),
    )
    op.create_index(op.f("ix_wish_versions_wish_id"), "wish_versions", ["wish_id"], unique=False)
    op.create_table(
        "wish_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_replies_wish_id_wishes")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_wish_replies_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_replies")),
    )
    op.create_index(op.f("ix_wish_replies_wish_id"), "wish_replies", ["wish_id"], unique=False)
    # Agreements made before today did not agree visits on the ward.
    with op.batch_alter_table("support_agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ward_visits", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("support_agreements", schema=None) as batch_op:
        batch_op.drop_column("ward_visits")
    op.drop_index(op.f("ix_wish_replies_wish_id"), table_name="wish_replies")
    op.drop_table("wish_replies")
    op.drop_index(op.f("ix_wish_versions_wish_id"), table_name="wish_versions")
    op.drop_table("wish_versions")
    op.drop_index(op.f("ix_wishes_subject_id"), table_name="wishes")
    op.drop_table("wishes")
