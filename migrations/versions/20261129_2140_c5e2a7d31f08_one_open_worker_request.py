"""One open peer-worker request per person, held by the database: a partial unique index on
worker_requests (subject_id) where state = 'requested'. The application checks first and says
so plainly; the index stops two requests sent at the same moment from both waiting.

Revision ID: c5e2a7d31f08
Revises: b8d41e6f2a90
Create Date: 2026-11-29 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c5e2a7d31f08"
down_revision = "b8d41e6f2a90"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'requested'")


def upgrade() -> None:
    op.create_index(
        "uq_worker_requests_one_open",
        "worker_requests",
        ["subject_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_worker_requests_one_open", table_name="worker_requests")
