"""Index the access log by time: the auditors' filters by date and the insight dashboard read
a window of days, and without it each of them scans the whole log.

Revision ID: 8039ce77c499
Revises: b75a844ecd8a
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = "8039ce77c499"
down_revision = "b75a844ecd8a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_occurred_at_us", "audit_log", ["occurred_at_us"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_occurred_at_us", table_name="audit_log")
