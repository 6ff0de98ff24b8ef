"""An index on record entries by (subject, category, id): "is anything of this category
withheld from this reader?" becomes one step down it per category, whatever the record's size.

Revision ID: 3d9b6f1a7c42
Revises: e4a17c2b9d50
Create Date: 2026-11-29 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = "3d9b6f1a7c42"
down_revision = "e4a17c2b9d50"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_record_entries_subject_id_category_id",
        "record_entries",
        ["subject_id", "category", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_record_entries_subject_id_category_id", table_name="record_entries")
