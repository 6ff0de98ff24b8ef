"""Sealed columns for every free text about a person that was stored in plain text, a table of
risk-concern delays (every reason kept, not only the last) and one of consent purposes.

The texts themselves are sealed by `peernotes db upgrade` right after this revision (it needs
the master key, which no revision has: `peernotes.crypto.seal_plaintext`); the next revision
drops the plaintext columns.

Revision ID: a5e41c0d7b21
Revises: e7a5c0de1400
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a5e41c0d7b21"
down_revision = "e7a5c0de1400"
branch_labels = None
depends_on = None

#: (table, sealed column) added in place, beside the plaintext they replace.
SEALED = (
    ("emergency_accesses", "reason_sealed"),
    ("emergency_accesses", "review_comment_sealed"),
    ("safety_flags", "reason_sealed"),
    ("safety_flags", "not_told_because_sealed"),
    ("support_agreements", "places_sealed"),
    ("worker_requests", "decision_note_sealed"),
    ("worker_requests", "handover_override_reason_sealed"),
)

# Added, never changed: the database refuses UPDATE and DELETE, as on the other histories.
APPEND_ONLY = ("consent_provision_purposes", "risk_concern_delays")


def _append_only(table: str) -> None:
    message = f"{table} is append-only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both engines (nullable: no table copy, triggers and
    # partial indexes stay as they are).
    for table, column in SEALED:
        op.add_column(table, sa.Column(column, sa.LargeBinary(), nullable=True))
    op.create_table(
        "consent_provision_purposes",
        sa.Column("provision_id", sa.Integer(), nullable=False),
        sa.Column("purpose_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provision_id"],
            ["consent_provisions.id"],
            name=op.f("fk_consent_provision_purposes_provision_id_consent_provisions"),
        ),
        sa.PrimaryKeyConstraint("provision_id", name=op.f("pk_consent_provision_purposes")),
    )
    op.create_table(
        "risk_concern_delays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["risk_concerns.id"],
            name=op.f("fk_risk_concern_delays_concern_id_risk_concerns"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_risk_concern_delays_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_concern_delays")),
        sa.UniqueConstraint("concern_id", "number", name="uq_risk_concern_delays_number"),
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    # Below this revision there is nowhere to keep a sealed text, and no key here to open it:
    # going down would destroy what was written about people. Refuse while any exists.
    bind = op.get_bind()
    counts = [f"SELECT count(*) FROM {t} WHERE {c} IS NOT NULL" for t, c in SEALED]
    counts += [f"SELECT count(*) FROM {t}" for t in APPEND_ONLY]
    kept = sum(int(bind.execute(sa.text(q)).scalar_one()) for q in counts)
    if kept:
        raise RuntimeError(
            f"{kept} sealed texts about people would be lost below revision {revision}; "
            "restore a backup taken before the upgrade instead"
        )
    for table in APPEND_ONLY:
        _drop_append_only(table)
        op.drop_table(table)
    for table, column in reversed(SEALED):
        op.drop_column(table, column)
