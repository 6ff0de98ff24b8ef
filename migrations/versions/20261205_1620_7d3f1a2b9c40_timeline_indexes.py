"""Timeline indexes: a person's notes and record entries newest first, so that the first page
of a timeline reads one page of rows, however many the person has (issue 15, R2); and a
writer's notes by state, for the home page's "back with you" (R3).

Revision ID: 7d3f1a2b9c40
Revises: 5b1e7c2f9a40
Create Date: 2026-12-05 16:20:00
"""

from __future__ import annotations

from alembic import op

revision = "7d3f1a2b9c40"
down_revision = "5b1e7c2f9a40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notes_author_id_state", "notes", ["author_id", "state"])
    op.create_index("ix_notes_subject_id_created_at", "notes", ["subject_id", "created_at", "id"])
    op.create_index(
        "ix_record_entries_subject_id_created_at",
        "record_entries",
        ["subject_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_record_entries_subject_id_created_at", table_name="record_entries")
    op.drop_index("ix_notes_subject_id_created_at", table_name="notes")
    op.drop_index("ix_notes_author_id_state", table_name="notes")
