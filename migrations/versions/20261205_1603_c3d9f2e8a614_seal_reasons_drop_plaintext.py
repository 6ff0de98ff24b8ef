"""Drop the plaintext columns of texts about people, once every one is sealed.

`peernotes db upgrade` seals them between the previous revision and this one
(`peernotes.crypto.seal_plaintext`). Run on its own (plain `alembic upgrade`), this revision
refuses while any text is unsealed, rather than lose it.

Revision ID: c3d9f2e8a614
Revises: a5e41c0d7b21
Create Date: 2026-12-05 16:01:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c3d9f2e8a614"
down_revision = "a5e41c0d7b21"
branch_labels = None
depends_on = None

#: (table, plaintext column, its type and NOT NULL default when it is put back by downgrade).
PLAINTEXT = (
    ("emergency_accesses", "reason", sa.Text()),
    ("emergency_accesses", "review_comment", sa.Text()),
    ("safety_flags", "reason", sa.Text()),
    ("safety_flags", "not_told_because", sa.Text()),
    ("support_agreements", "places", sa.String(length=300)),
    ("worker_requests", "decision_note", sa.String(length=500)),
    ("worker_requests", "handover_override_reason", sa.String(length=500)),
    ("risk_concerns", "delay_reason", sa.String(length=1000)),
)

#: Unsealed texts: plaintext left in place, or a consent purpose without its sealed row
#: (provisions are append-only, so their plaintext cannot be emptied, only dropped here).
UNSEALED = [
    f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"
    for table, column, _ in PLAINTEXT
] + [
    "SELECT count(*) FROM consent_provisions p WHERE p.purpose <> '' AND NOT EXISTS "
    "(SELECT 1 FROM consent_provision_purposes s WHERE s.provision_id = p.id)"
]


def upgrade() -> None:
    bind = op.get_bind()
    left = sum(int(bind.execute(sa.text(q)).scalar_one()) for q in UNSEALED)
    if left:
        raise RuntimeError(
            f"{left} texts about people are still in plain text: upgrade with "
            "`peernotes db upgrade`, which seals them with the master key first"
        )
    for table, column, _ in PLAINTEXT:
        op.drop_column(table, column)
    op.drop_column("consent_provisions", "purpose")


def downgrade() -> None:
    # The columns come back empty: the texts stay sealed (no revision holds the key to open
    # them), and the code of that time would show them blank.
    op.add_column(
        "consent_provisions",
        sa.Column("purpose", sa.String(length=200), nullable=False, server_default=""),
    )
    for table, column, kind in reversed(PLAINTEXT):
        nullable = column in ("review_comment", "not_told_because", "delay_reason")
        op.add_column(
            table,
            sa.Column(column, kind, nullable=nullable, server_default=None if nullable else ""),
        )
