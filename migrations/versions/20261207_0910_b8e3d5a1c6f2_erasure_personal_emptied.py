"""Erasure requests record how much of what the person wrote about themselves ("about me",
and each item of their skills and resources) was emptied at once.

Revision ID: b8e3d5a1c6f2
Revises: a4f1c9e2b7d5
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b8e3d5a1c6f2"
down_revision = "a4f1c9e2b7d5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Requests made before today emptied nothing of the kind: 0.
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("personal_emptied", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_column("personal_emptied")
