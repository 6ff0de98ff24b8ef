"""Notifications gain four kinds: wishes sent to a care team, a reply to them, and a workplace
concern's news for its reader and for its worker.

A kind is a VARCHAR with a CHECK constraint naming the allowed values (on both tables that hold
one), so each constraint is replaced. SQLite cannot alter a CHECK: each table is rebuilt from
its own stored definition with only the CHECK changed. `notifications` is referred to by
`mail_outbox`, and dropping a parent while a child row refers to it fails with foreign keys on,
so the outbox is set aside first (its rows copied out, the table dropped) and rebuilt after.

Revision ID: a4f1c9e2b7d5
Revises: dc7c0d507197
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import re

from alembic import op

revision = "a4f1c9e2b7d5"
down_revision = "dc7c0d507197"
branch_labels = None
depends_on = None

BEFORE = (
    "note_to_review",
    "risk_about_you",
    "emergency_access",
    "risk_in_care",
    "cosign_asked",
    "handover_asked",
    "request_answered",
    "agreement_to_confirm",
)
AFTER = (*BEFORE, "wishes_sent", "wishes_answered", "workplace_concern", "workplace_answered")

#: Each table holding a kind, and its CHECK's name (the metadata's naming convention).
CHECKS = {
    "notifications": "ck_notifications_notification_kind",
    "notification_email_preferences": ("ck_notification_email_preferences_notification_email_kind"),
}


def _in(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _definitions(table: str) -> tuple[str, list[str]]:
    """SQLite: the table's CREATE statement and its indexes' (as stored, so rebuilt exactly)."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
        (table,),
    )
    create, indexes = "", []
    for kind, sql in rows:
        if kind == "table":
            create = sql
        elif kind == "index":
            indexes.append(sql)
        else:  # a trigger would be lost by the rebuild: none is expected here
            raise RuntimeError(f"{table} has a {kind}; the rebuild does not keep it")
    return create, indexes


def _rebuild(table: str, check: str, values: tuple[str, ...]) -> None:
    """SQLite: make `table` again with its CHECK allowing exactly `values`, rows kept."""
    create, indexes = _definitions(table)
    new_create, found = re.subn(
        rf"CONSTRAINT {check} CHECK \(kind IN \([^)]*\)\)",
        f"CONSTRAINT {check} CHECK ({_in(values)})",
        create,
    )
    if found != 1:
        raise RuntimeError(f"{table}: its CHECK {check} was not found as expected")
    # A table once renamed is stored with its name quoted.
    new_create, named = re.subn(
        rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE _{table}_new (", new_create
    )
    if named != 1:
        raise RuntimeError(f"{table}: its CREATE statement was not as expected")
    op.execute(new_create)
    op.execute(f"INSERT INTO _{table}_new SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE _{table}_new RENAME TO {table}")
    for sql in indexes:
        op.execute(sql)


def _kinds(values: tuple[str, ...]) -> None:
    """Both tables' CHECKs allow exactly `values`."""
    if op.get_bind().dialect.name == "postgresql":
        for table, check in CHECKS.items():
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({_in(values)})")
        return
    # The outbox refers to notifications: set it aside while its parent is rebuilt.
    outbox_create, outbox_indexes = _definitions("mail_outbox")
    op.execute("CREATE TABLE _mail_outbox_rows AS SELECT * FROM mail_outbox")
    op.execute("DROP TABLE mail_outbox")
    for table, check in CHECKS.items():
        _rebuild(table, check, values)
    op.execute(outbox_create)
    op.execute("INSERT INTO mail_outbox SELECT * FROM _mail_outbox_rows")
    op.execute("DROP TABLE _mail_outbox_rows")
    for sql in outbox_indexes:
        op.execute(sql)


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    # Notifications of the new kinds are a person's own notices, not clinical record: a
    # downgrade removes them (and their emails) rather than fail on them.
    new = ", ".join(f"'{v}'" for v in AFTER if v not in BEFORE)
    op.execute(
        "DELETE FROM mail_outbox WHERE notification_id IN"
        f" (SELECT id FROM notifications WHERE kind IN ({new}))"
    )
    op.execute(f"DELETE FROM notifications WHERE kind IN ({new})")
    op.execute(f"DELETE FROM notification_email_preferences WHERE kind IN ({new})")
    _kinds(BEFORE)
