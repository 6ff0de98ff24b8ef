"""The outbox and its sender, through a real SMTP server on a local port."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from config import SmtpSettings
from peernotes.db import get_database
from peernotes.notifications.mail import queue_mail
from peernotes.notifications.models import OutboxMessage
from tests.notifications.conftest import Inbox, sender_of, sending_to


@pytest.fixture
def config_overrides(smtp_settings: SmtpSettings) -> dict[str, object]:
    return sending_to(smtp_settings)


def test_queued_mail_is_sent_after_the_commit_and_not_before(app: Flask, inbox: Inbox) -> None:
    sender = sender_of(app)
    with app.app_context(), get_database(app).session() as db:
        queue_mail(db, "someone@example.org", "Hello", "A body with a link.")
        db.flush()
        assert sender.wait_idle(5)
        assert inbox.messages == []  # not committed: nothing has woken the sender
        db.commit()
    assert sender.wait_idle(10)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "someone@example.org"
    assert Inbox.text(message).splitlines() == ["Hello", "A body with a link."]
    with app.app_context(), get_database(app).session() as db:
        row = db.scalars(select(OutboxMessage)).one()
        assert row.sent_at is not None and row.attempts == 1 and row.body == b""


def test_a_rolled_back_transaction_sends_nothing(app: Flask, inbox: Inbox) -> None:
    with app.app_context(), get_database(app).session() as db:
        queue_mail(db, "someone@example.org", "Hello", "Body.")
        db.rollback()
    sender = sender_of(app)
    sender.wake()
    assert sender.wait_idle(10)
    assert inbox.messages == []


def test_a_released_savepoint_does_not_wake_the_sender_its_commit_does(
    app: Flask, inbox: Inbox
) -> None:
    """Every step is a savepoint, and SQLAlchemy reports its release as a commit: woken then,
    the sender would look before the mail is committed (and, on PostgreSQL, find nothing)."""
    sender = sender_of(app)
    with app.app_context(), get_database(app).session() as db:
        with db.begin_nested():
            queue_mail(db, "someone@example.org", "Hello", "Body.")
        woken = sender.wakes
        db.flush()
        assert sender.wakes == woken
        db.commit()
    assert sender.wakes == woken + 1
    assert sender.wait_idle(10)
    assert len(inbox.messages) == 1
