"""The migration that adds the wishes and workplace-concern kinds: both tables' CHECKs allow
them (and nothing unknown), every row, index and foreign key survives the SQLite rebuild (the
outbox refers to notifications), and the way down removes only the new kinds' notices."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from peernotes.db import make_engine
from peernotes.migrate import alembic_config

REVISION = "a4f1c9e2b7d5"
NEW_KINDS = ("wishes_sent", "wishes_answered", "workplace_concern", "workplace_answered")


def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    # The app's engine: on SQLite it turns foreign keys on, as the migrations run with them.
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _notice(url: str, person_id: int, kind: str) -> int:
    _run(
        url,
        "INSERT INTO notifications (person_id, kind, about_id, link, created_at)"
        " VALUES (:p, :k, 1, '/x', CURRENT_TIMESTAMP)",
        p=person_id,
        k=kind,
    )
    return int(_run(url, "SELECT max(id) FROM notifications")[0][0])  # type: ignore[arg-type]


def _email(url: str, notification_id: int) -> None:
    _run(
        url,
        "INSERT INTO mail_outbox (to_address, subject, body, notification_id, created_at,"
        " attempts) VALUES ('a@b.example', 's', :b, :n, CURRENT_TIMESTAMP, 0)",
        b=b"sealed",
        n=notification_id,
    )


def _preference(url: str, person_id: int, kind: str) -> None:
    _run(
        url,
        "INSERT INTO notification_email_preferences (person_id, kind, email, updated_at)"
        " VALUES (:p, :k, :e, CURRENT_TIMESTAMP)",
        p=person_id,
        k=kind,
        e=True,
    )


def _shape(url: str) -> tuple[set[str], list[list[str]]]:
    """The two tables' index names, and the outbox's foreign keys' referred tables."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            indexes = {
                str(ix["name"])
                for table in ("notifications", "mail_outbox")
                for ix in found.get_indexes(table)
            }
            keys = [[fk["referred_table"]] for fk in found.get_foreign_keys("mail_outbox")]
    finally:
        engine.dispose()
    return indexes, keys


def _counts(url: str) -> tuple[int, int, int]:
    (row,) = _run(
        url,
        "SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM mail_outbox),"
        " (SELECT count(*) FROM notification_email_preferences)",
    )
    return int(row[0]), int(row[1]), int(row[2])  # type: ignore[call-overload]


def test_the_new_kinds_are_allowed_and_every_row_survives_down_and_up(database_url: str) -> None:
    url = database_url
    cfg = alembic_config(url)
    below = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
    assert isinstance(below, str)
    (person,) = _run(url, "SELECT min(id) FROM users")
    person_id = int(person[0])  # type: ignore[call-overload]
    shape_at_head = _shape(url)
    assert {"ix_notifications_person_id_read_at", "ix_mail_outbox_sent_at_next_try_at"} <= (
        shape_at_head[0]
    )

    # At head: each new kind goes in, on both tables; an unknown kind does not.
    fresh = [_notice(url, person_id, kind) for kind in NEW_KINDS]
    _email(url, fresh[0])
    for kind in NEW_KINDS:
        _preference(url, person_id, kind)
    with pytest.raises(DBAPIError):
        _notice(url, person_id, "bogus")
    with pytest.raises(DBAPIError):
        _preference(url, person_id, "bogus")

    # Down: only the new kinds' notices (and the email of one) go; an older one's email stays.
    old = _notice(url, person_id, "note_to_review")
    _email(url, old)
    before = _counts(url)
    listed = ", ".join(f"'{kind}'" for kind in NEW_KINDS)
    (of_new,) = _run(
        url,
        f"SELECT (SELECT count(*) FROM notifications WHERE kind IN ({listed})),"
        f" (SELECT count(*) FROM notification_email_preferences WHERE kind IN ({listed}))",
    )
    assert int(of_new[0]) >= 4 and int(of_new[1]) == 4  # type: ignore[call-overload]
    command.downgrade(cfg, below)
    gone = (int(of_new[0]), 1, int(of_new[1]))  # type: ignore[call-overload]
    assert _counts(url) == tuple(b - g for b, g in zip(before, gone, strict=True))
    with pytest.raises(DBAPIError):
        _notice(url, person_id, "wishes_sent")
    assert _shape(url) == shape_at_head

    # Up again with an email pointing at a notice: the rebuild keeps both, and the link.
    after_down = _counts(url)
    command.upgrade(cfg, "head")
    assert _counts(url) == after_down
    assert _run(url, "SELECT notification_id FROM mail_outbox WHERE notification_id = :n", n=old)
    assert _shape(url) == shape_at_head
    _notice(url, person_id, "workplace_answered")
    with pytest.raises(DBAPIError):  # the outbox still refers to real notices
        _email(url, 999_999)
