"""Co-authored notes (encrypted, append-only revisions, section audiences, events and the
subject's statements), risk concerns, and peer workers' supervisors.

Revision ID: 7a1c5e9d2b63
Revises: 3d9b6f1a7c42
Create Date: 2026-11-29 15:02:41.907974
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a1c5e9d2b63"
down_revision = "3d9b6f1a7c42"
branch_labels = None
depends_on = None


# History that must never change: the database itself refuses UPDATE and DELETE on these.
APPEND_ONLY = ("note_revisions", "note_section_audiences", "note_events", "note_statements")


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
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "peer",
                "carer_support",
                name="note_kind",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "proposed",
                "shared",
                "changes_requested",
                "declined",
                "withdrawn",
                name="note_state",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=False),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("approved_sha256", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column(
            "in_person",
            sa.Enum(
                "attested",
                "confirmed",
                "disputed",
                name="in_person_review",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_notes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_notes_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "risk_concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("cosigner_id", sa.Integer(), nullable=True),
        sa.Column("cosigned_at", sa.DateTime(), nullable=True),
        sa.Column("delay_reason", sa.String(length=1000), nullable=True),
        sa.Column("delay_until", sa.DateTime(), nullable=True),
        sa.Column("delay_set_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cosigner_id"], ["users.id"], name=op.f("fk_risk_concerns_cosigner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["delay_set_by_id"], ["users.id"], name=op.f("fk_risk_concerns_delay_set_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["users.id"], name=op.f("fk_risk_concerns_raised_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_risk_concerns_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_concerns")),
    )
    with op.batch_alter_table("risk_concerns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_concerns_raised_by_id"), ["raised_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_concerns_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "supervisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["users.id"], name=op.f("fk_supervisions_supervisor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_supervisions_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisions")),
    )
    with op.batch_alter_table("supervisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervisions_supervisor_id"), ["supervisor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supervisions_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "note_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "save",
                "propose",
                "approve",
                "approve_in_person",
                "request_changes",
                "decline",
                "withdraw",
                "confirm_in_person",
                "dispute_in_person",
                name="note_action",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_note_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_events_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_events")),
    )
    with op.batch_alter_table("note_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_events_note_id"), ["note_id"], unique=False)

    op.create_table(
        "note_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_note_revisions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_revisions_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_revisions")),
        sa.UniqueConstraint("note_id", "number", name="uq_note_revisions_note"),
    )
    with op.batch_alter_table("note_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_revisions_note_id"), ["note_id"], unique=False)

    op.create_table(
        "note_section_audiences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "just_us",
                "care_team",
                name="note_audience",
                native_enum=False,
                create_constraint=True,
                length=17,
            ),
            nullable=False,
        ),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_section_audiences_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_note_section_audiences_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_section_audiences")),
        sa.UniqueConstraint("note_id", "revision", "section", name="uq_note_section_audience"),
    )
    with op.batch_alter_table("note_section_audiences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_note_section_audiences_note_id"), ["note_id"], unique=False
        )

    op.create_table(
        "note_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "own_words",
                "correction",
                "correction_reply",
                name="statement_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("replies_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_note_statements_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_statements_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["replies_to_id"],
            ["note_statements.id"],
            name=op.f("fk_note_statements_replies_to_id_note_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_statements")),
    )
    with op.batch_alter_table("note_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_statements_note_id"), ["note_id"], unique=False)

    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        _drop_append_only(table)
    with op.batch_alter_table("note_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_statements_note_id"))

    op.drop_table("note_statements")
    with op.batch_alter_table("note_section_audiences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_section_audiences_note_id"))

    op.drop_table("note_section_audiences")
    with op.batch_alter_table("note_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_revisions_note_id"))

    op.drop_table("note_revisions")
    with op.batch_alter_table("note_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_events_note_id"))

    op.drop_table("note_events")
    with op.batch_alter_table("supervisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervisions_worker_id"))
        batch_op.drop_index(batch_op.f("ix_supervisions_supervisor_id"))

    op.drop_table("supervisions")
    with op.batch_alter_table("risk_concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_concerns_subject_id"))
        batch_op.drop_index(batch_op.f("ix_risk_concerns_raised_by_id"))

    op.drop_table("risk_concerns")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_subject_id"))
        batch_op.drop_index(batch_op.f("ix_notes_author_id"))

    op.drop_table("notes")
