"""The coordinator's reason for confirming a change of peer worker without the handover the
person agreed to (empty for every other request, and for every request decided before now).

Revision ID: 13882ba3a347
Revises: f1d427eaa0dd
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "13882ba3a347"
down_revision = "f1d427eaa0dd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (no batch copy of the table: its partial unique index
    # on open requests stays exactly as it is).
    op.add_column(
        "worker_requests",
        sa.Column(
            "handover_override_reason", sa.String(length=500), nullable=False, server_default=""
        ),
    )


def downgrade() -> None:
    op.drop_column("worker_requests", "handover_override_reason")
