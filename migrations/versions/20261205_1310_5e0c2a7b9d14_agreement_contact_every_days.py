"""Support agreements may say how often to keep in touch ("at least every N days"), so the
worker's home page can say when a longer gap has passed.

Revision ID: 5e0c2a7b9d14
Revises: a6d0c4e81b27
Create Date: 2026-12-05 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e0c2a7b9d14"
down_revision = "a6d0c4e81b27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("support_agreements") as batch:
        batch.add_column(sa.Column("contact_every_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_agreements") as batch:
        batch.drop_column("contact_every_days")
