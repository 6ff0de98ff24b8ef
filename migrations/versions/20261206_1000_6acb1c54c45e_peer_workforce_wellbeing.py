"""Care for the peer workforce (issue 17): workplace concerns and their messages, topics a
worker sees collapsed, and a content note on record entries.

Revision ID: 6acb1c54c45e
Revises: d8b49c6d4da9
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6acb1c54c45e"
down_revision = "d8b49c6d4da9"
branch_labels = None
depends_on = None

#: What was said stays said: replies are never changed or deleted.
APPEND_ONLY = "workplace_concern_messages"


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
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def upgrade() -> None:
    op.create_table(
        "workplace_concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("reader_kind", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"], name=op.f("fk_workplace_concerns_reader_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_workplace_concerns_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplace_concerns")),
        sa.UniqueConstraint("token", name=op.f("uq_workplace_concerns_token")),
    )
    with op.batch_alter_table("workplace_concerns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workplace_concerns_reader_id"), ["reader_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workplace_concerns_worker_id"), ["worker_id"], unique=False
        )

    op.create_table(
        "workplace_concern_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status_after", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_workplace_concern_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["workplace_concerns.id"],
            name=op.f("fk_workplace_concern_messages_concern_id_workplace_concerns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplace_concern_messages")),
        sa.UniqueConstraint("token", name=op.f("uq_workplace_concern_messages_token")),
    )
    with op.batch_alter_table("workplace_concern_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workplace_concern_messages_concern_id"), ["concern_id"], unique=False
        )
    _append_only(APPEND_ONLY)

    op.create_table(
        "collapsed_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collapsed_topics_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collapsed_topics")),
        sa.UniqueConstraint("user_id", "topic", name="uq_collapsed_topics_user_topic"),
    )
    with op.batch_alter_table("collapsed_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collapsed_topics_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("record_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_note", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("record_entries", schema=None) as batch_op:
        batch_op.drop_column("content_note")
    with op.batch_alter_table("collapsed_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collapsed_topics_user_id"))
    op.drop_table("collapsed_topics")
    _drop_append_only(APPEND_ONLY)
    with op.batch_alter_table("workplace_concern_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workplace_concern_messages_concern_id"))
    op.drop_table("workplace_concern_messages")
    with op.batch_alter_table("workplace_concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workplace_concerns_worker_id"))
        batch_op.drop_index(batch_op.f("ix_workplace_concerns_reader_id"))
    op.drop_table("workplace_concerns")
