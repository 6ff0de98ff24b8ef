"""Secrets kept in the database wrapped by the master key (the access log's chain key), so
that they survive master-key rotation.

The table starts empty: the chain key is stored the first time it is needed (the migration
has no master key to wrap it with), and its first value is the one every existing log was
chained under, so nothing needs converting.

Revision ID: e4a17c2b9d50
Revises: 8c3df20ad236
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e4a17c2b9d50"
down_revision = "8c3df20ad236"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wrapped_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("master_key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_wrapped_secrets")),
    )


def downgrade() -> None:
    # After a rotation the stored chain key exists nowhere else: dropping it would leave the
    # access log unverifiable. Only an operator who knows the key was never rotated may.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM wrapped_secrets")).scalar():
        raise RuntimeError(
            "wrapped_secrets holds the access log's chain key; if the master key was never "
            "rotated, delete its rows first, otherwise keep this revision"
        )
    op.drop_table("wrapped_secrets")
