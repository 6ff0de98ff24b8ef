"""The subject's voice on the medical record: their own words on a record entry, correction
requests, and a clinician's answer to each (sealed under the subject's data key, append-only).

Revision ID: 299c07e30b9c
Revises: c5e2a7d31f08
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "299c07e30b9c"
down_revision = "c5e2a7d31f08"
branch_labels = None
depends_on = None

TABLE = "record_entry_statements"


def _append_only() -> None:
    """What a person said stays said: the database itself refuses UPDATE and DELETE (and
    TRUNCATE on PostgreSQL), as for the entry's revisions."""
    message = f"{TABLE} is append-only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "own_words",
                "correction",
                "correction_reply",
                name="record_statement_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("answers_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answers_id"],
            [f"{TABLE}.id"],
            name=op.f("fk_record_entry_statements_answers_id_record_entry_statements"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_record_entry_statements_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["record_entries.id"],
            name=op.f("fk_record_entry_statements_entry_id_record_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_entry_statements")),
        sa.UniqueConstraint("answers_id", name="uq_record_entry_statements_answers_id"),
        sa.UniqueConstraint("entry_id", "number", name="uq_record_entry_statements_entry"),
    )
    _append_only()


def downgrade() -> None:
    _drop_append_only()
    op.drop_table(TABLE)
