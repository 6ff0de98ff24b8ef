"""Medical records (encrypted, append-only revisions), data keys, versioned consent,
training, safety flags and emergency access.

Revision ID: 8c3df20ad236
Revises: 5b7f2c9d1e04
Create Date: 2026-11-29 12:53:57.728525
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8c3df20ad236"
down_revision = "5b7f2c9d1e04"
branch_labels = None
depends_on = None


# History that must never change: the database itself refuses UPDATE and DELETE on these.
APPEND_ONLY = (
    "record_revisions",
    "consent_directives",
    "consent_provisions",
    "consent_provision_categories",
)


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
        "consent_directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("witnessed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_consent_directives_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_consent_directives_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["witnessed_by_id"],
            ["users.id"],
            name=op.f("fk_consent_directives_witnessed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_directives")),
        sa.UniqueConstraint("subject_id", "version", name="uq_consent_directive_version"),
    )
    with op.batch_alter_table("consent_directives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_directives_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("master_key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_data_keys_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_data_keys_subject_id")),
    )
    op.create_table(
        "emergency_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column(
            "review_outcome",
            sa.Enum(
                "justified",
                "not_justified",
                name="review_outcome",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=True,
        ),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["users.id"], name=op.f("fk_emergency_accesses_clinician_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_emergency_accesses_reviewed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_emergency_accesses_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_accesses")),
    )
    with op.batch_alter_table("emergency_accesses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergency_accesses_clinician_id"), ["clinician_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_emergency_accesses_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "record_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "diagnosis",
                "medication",
                "clinical_note",
                "risk_assessment",
                "care_plan",
                "discharge_summary",
                "correspondence",
                "peer_notes",
                name="record_category",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("latest_revision", sa.Integer(), nullable=False),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_record_entries_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_record_entries_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_entries")),
    )
    with op.batch_alter_table("record_entries", schema=None) as batch_op:
        batch_op.create_index("ix_record_entries_subject_id_id", ["subject_id", "id"], unique=False)

    op.create_table(
        "safety_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "family_violence",
                "serious_harm",
                name="flag_kind",
                native_enum=False,
                create_constraint=True,
                length=23,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("not_told_because", sa.Text(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_safety_flags_lifted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_safety_flags_set_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_safety_flags_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_flags")),
    )
    with op.batch_alter_table("safety_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_flags_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "module",
            sa.Enum(
                "note_writing",
                "confidentiality",
                "duty_of_care",
                name="training_module",
                native_enum=False,
                create_constraint=True,
                length=23,
            ),
            nullable=False,
        ),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_training_records_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_records_user_id"), ["user_id"], unique=False)

    op.create_table(
        "consent_provisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column(
            "grantee_kind",
            sa.Enum(
                "person",
                "role",
                "team",
                name="grantee_kind",
                native_enum=False,
                create_constraint=True,
                length=14,
            ),
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "consumer",
                "carer",
                "consumer_peer_worker",
                "carer_peer_worker",
                "clinician",
                "auditor",
                "admin",
                name="grantee_role",
                native_enum=False,
                create_constraint=True,
                length=28,
            ),
            nullable=True,
        ),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column(
            "act",
            sa.Enum(
                "read",
                "contribute",
                name="consent_act",
                native_enum=False,
                create_constraint=True,
                length=18,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["consent_directives.id"],
            name=op.f("fk_consent_provisions_directive_id_consent_directives"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_consent_provisions_person_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_consent_provisions_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_provisions")),
    )
    with op.batch_alter_table("consent_provisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_provisions_directive_id"), ["directive_id"], unique=False
        )

    op.create_table(
        "record_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "original",
                "amendment",
                "entered_in_error",
                name="revision_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_record_revisions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["record_entries.id"],
            name=op.f("fk_record_revisions_entry_id_record_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_revisions")),
        sa.UniqueConstraint("entry_id", "number", name="uq_record_revisions_entry"),
    )
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_revisions_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "consent_provision_categories",
        sa.Column("provision_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "diagnosis",
                "medication",
                "clinical_note",
                "risk_assessment",
                "care_plan",
                "discharge_summary",
                "correspondence",
                "peer_notes",
                name="provision_category",
                native_enum=False,
                create_constraint=True,
                length=25,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["provision_id"],
            ["consent_provisions.id"],
            name=op.f("fk_consent_provision_categories_provision_id_consent_provisions"),
        ),
        sa.PrimaryKeyConstraint(
            "provision_id", "category", name=op.f("pk_consent_provision_categories")
        ),
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        _drop_append_only(table)

    op.drop_table("consent_provision_categories")
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_revisions_entry_id"))

    op.drop_table("record_revisions")
    with op.batch_alter_table("consent_provisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_provisions_directive_id"))

    op.drop_table("consent_provisions")
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_records_user_id"))

    op.drop_table("training_records")
    with op.batch_alter_table("safety_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_flags_subject_id"))

    op.drop_table("safety_flags")
    with op.batch_alter_table("record_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_record_entries_subject_id_id")

    op.drop_table("record_entries")
    with op.batch_alter_table("emergency_accesses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_accesses_subject_id"))
        batch_op.drop_index(batch_op.f("ix_emergency_accesses_clinician_id"))

    op.drop_table("emergency_accesses")
    op.drop_table("data_keys")
    with op.batch_alter_table("consent_directives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_directives_subject_id"))

    op.drop_table("consent_directives")
