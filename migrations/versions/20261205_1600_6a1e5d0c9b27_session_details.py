"""Session details for the sessions page: the device in a few words, the client address, and
when the session was last used.

Revision ID: 6a1e5d0c9b27
Revises: 13882ba3a347
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6a1e5d0c9b27"
down_revision = "13882ba3a347"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("client_address", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("client_address")
        batch_op.drop_column("device")
