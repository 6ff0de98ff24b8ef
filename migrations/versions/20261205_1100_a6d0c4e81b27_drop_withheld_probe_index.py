"""Drop the index on record entries by (subject, category, id). It served only the records
list's "some information is not shared with you" probe, which is gone: a hint that withheld
entries exist told a reader something about entries they may not read.

Revision ID: a6d0c4e81b27
Revises: 299c07e30b9c
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "a6d0c4e81b27"
down_revision = "299c07e30b9c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_record_entries_subject_id_category_id", table_name="record_entries")


def downgrade() -> None:
    op.create_index(
        "ix_record_entries_subject_id_category_id",
        "record_entries",
        ["subject_id", "category", "id"],
    )
