"""About me (versions, sealed) and skills and resources kept together (items and their sealed
versions); consent gains the two kinds "about_me" and "skills".

The consent categories are a VARCHAR with a CHECK constraint naming the allowed values, so the
constraint is replaced. On SQLite a CHECK cannot be altered: the (append-only) table is rebuilt
with its rows, and its append-only triggers made again.

Revision ID: dc7c0d507197
Revises: 6acb1c54c45e
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dc7c0d507197"
down_revision = "6acb1c54c45e"
branch_labels = None
depends_on = None

TABLE = "consent_provision_categories"
CHECK = "ck_consent_provision_categories_provision_category"
BEFORE = (
    "diagnosis",
    "medication",
    "clinical_note",
    "risk_assessment",
    "care_plan",
    "discharge_summary",
    "correspondence",
    "peer_notes",
)
AFTER = (*BEFORE, "about_me", "skills")


def _in(values: tuple[str, ...]) -> str:
    return "category IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _categories(values: tuple[str, ...]) -> None:
    """The categories' CHECK allows exactly `values`."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {CHECK}")
        op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {CHECK} CHECK ({_in(values)})")
        return
    # SQLite: rebuild the table (it is a leaf: nothing refers to it), then its triggers.
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    op.execute(
        f"CREATE TABLE _{TABLE}_new ("
        " provision_id INTEGER NOT NULL,"
        " category VARCHAR(25) NOT NULL,"
        f" CONSTRAINT pk_{TABLE} PRIMARY KEY (provision_id, category),"
        f" CONSTRAINT fk_{TABLE}_provision_id_consent_provisions FOREIGN KEY(provision_id)"
        " REFERENCES consent_provisions (id),"
        f" CONSTRAINT {CHECK} CHECK ({_in(values)}))"
    )
    op.execute(
        f"INSERT INTO _{TABLE}_new (provision_id, category)"
        f" SELECT provision_id, category FROM {TABLE}"
    )
    op.execute(f"DROP TABLE {TABLE}")
    op.execute(f"ALTER TABLE _{TABLE}_new RENAME TO {TABLE}")
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "about_me_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_about_me_versions_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_about_me_versions")),
        sa.UniqueConstraint("subject_id", "version", name=op.f("uq_about_me_version")),
    )
    op.create_index(op.f("ix_about_me_versions_subject_id"), "about_me_versions", ["subject_id"])
    op.create_table(
        "skill_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_skill_items_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"], ["users.id"], name=op.f("fk_skill_items_retired_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_skill_items_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_skill_items_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_items")),
    )
    op.create_index(op.f("ix_skill_items_subject_id"), "skill_items", ["subject_id"])
    op.create_index(op.f("ix_skill_items_worker_id"), "skill_items", ["worker_id"])
    op.create_table(
        "skill_item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["skill_items.id"], name=op.f("fk_skill_item_versions_item_id_skill_items")
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["users.id"],
            name=op.f("fk_skill_item_versions_written_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_item_versions")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_skill_item_version")),
    )
    op.create_index(op.f("ix_skill_item_versions_item_id"), "skill_item_versions", ["item_id"])
    _categories(AFTER)


def downgrade() -> None:
    # Shares of the two kinds are append-only consent history: a downgrade keeps them out of the
    # narrower CHECK only if none were made, and fails (rather than dropping them) otherwise.
    _categories(BEFORE)
    op.drop_index(op.f("ix_skill_item_versions_item_id"), table_name="skill_item_versions")
    op.drop_table("skill_item_versions")
    op.drop_index(op.f("ix_skill_items_worker_id"), table_name="skill_items")
    op.drop_index(op.f("ix_skill_items_subject_id"), table_name="skill_items")
    op.drop_table("skill_items")
    op.drop_index(op.f("ix_about_me_versions_subject_id"), table_name="about_me_versions")
    op.drop_table("about_me_versions")
