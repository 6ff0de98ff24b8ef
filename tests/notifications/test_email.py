"""Notices by email, through a real SMTP server (aiosmtpd) on a local port: sent after the
commit for the kinds each person chose (and always for emergency access), never carrying
anything about anyone, and retried, never in the way of a request, when sending fails."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from config import SmtpSettings
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import PEOPLE
from peernotes.notes.models import Note
from peernotes.notifications import mail
from peernotes.notifications import service as notifications
from peernotes.notifications.kinds import Kind
from peernotes.notifications.models import Notification, OutboxMessage
from peernotes.risk import service as risk
from tests.helpers import post_form
from tests.notifications.conftest import BASE_URL, Inbox, free_port, sender_of, sending_to
from tests.notifications.events import CANARIES, email_everything, ids, trigger_every_kind


@pytest.fixture
def config_overrides(smtp_settings: SmtpSettings) -> dict[str, object]:
    return sending_to(smtp_settings)


def _email(key: str) -> str:
    return next(p.email for p in PEOPLE if p.key == key)


def _outbox(app: Flask) -> list[OutboxMessage]:
    with app.app_context(), get_database(app).session() as db:
        return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _notification_links(inbox: Inbox, key: str) -> list[str]:
    return sorted(
        line.strip()
        for m in inbox.to(_email(key))
        for line in Inbox.text(m).splitlines()
        if line.startswith(f"{BASE_URL}/notifications/") and "settings" not in line
    )


def _last_notification(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        return db.scalar(select(func.max(Notification.id))) or 0


def _ids_of(app: Flask, key: str, kind: Kind, after: int) -> list[str]:
    """Links to this person's notifications of this kind made after the id `after`."""
    person = ids(app)[key]
    with app.app_context(), get_database(app).session() as db:
        rows = db.scalars(
            select(Notification.id).where(
                Notification.person_id == person,
                Notification.kind == kind,
                Notification.id > after,
            )
        )
        return sorted(f"{BASE_URL}/notifications/{i}" for i in rows)


def test_email_goes_for_the_kinds_chosen_and_always_for_emergency_access(
    app: Flask, inbox: Inbox, signed_in
) -> None:  # type: ignore[no-untyped-def]
    # Alex chooses notes only, on the settings page; Jordan chooses nothing.
    client = signed_in("alex")
    response = post_form(client, "/notifications/settings", {"email": "note_to_review"})
    assert response.status_code == 302
    before = _last_notification(app)
    trigger_every_kind(app)
    assert sender_of(app).wait_idle(20)
    assert _notification_links(inbox, "alex") == _ids_of(app, "alex", Kind.NOTE_TO_REVIEW, before)
    assert len(inbox.to(_email("alex"))) == 1  # not his concern, answer or agreement
    # Jordan chose nothing, yet is told of emergency access to his record (and of nothing else).
    emergency = _ids_of(app, "jordan", Kind.EMERGENCY_ACCESS, before)
    assert _notification_links(inbox, "jordan") == emergency
    assert len(inbox.to(_email("jordan"))) == 1
    assert {m["To"] for m in inbox.messages} == {_email("alex"), _email("jordan")}


def test_no_email_carries_any_text_or_name(app: Flask, inbox: Inbox) -> None:
    """Canaries in a note, a record entry, a concern, a delay's reason, an emergency reason,
    a coordinator's answer, an agreement, wishes and their reply, and a workplace concern and
    its answer; every kind is emailed; none of them, and no person's name, is in any email."""
    recipients = ["alex", "jordan", "sam", "dr.chen", "dr.walsh", "tui", "admin"]
    email_everything(app, recipients)
    expected = trigger_every_kind(app)
    assert sender_of(app).wait_idle(30)
    held = [e for e in expected if e.kind is Kind.RISK_ABOUT_YOU][1:]  # the delayed concern
    assert len(inbox.messages) == len(expected) - len(held)
    assert {e.kind for e in expected} == set(Kind)
    names = [p.name for p in PEOPLE] + [p.name.split()[0] for p in PEOPLE]
    for message in inbox.messages:
        text = Inbox.text(message)
        for canary in CANARIES.values():
            assert canary not in text
        for name in names:
            assert name not in text, f"{name!r} in an email"
        assert message["Subject"] == notifications.EMAIL_SUBJECT
        assert text.splitlines()[1] == "Something is waiting for you in PeerNotes."
    # Whatever each says, every message of every kind reads the same but for its link.
    bodies = {Inbox.text(m).replace(_link(m), "<link>") for m in inbox.messages}
    assert len(bodies) == 1
    # The note's words were sealed and the emails sent: the outbox keeps no body once sent.
    assert all(row.body == b"" for row in _outbox(app) if row.sent_at is not None)


def _link(message: object) -> str:
    text = Inbox.text(message)  # type: ignore[arg-type]
    return next(
        line.strip()
        for line in text.splitlines()
        if line.startswith(f"{BASE_URL}/notifications/") and "settings" not in line
    )


def test_a_held_back_email_waits_until_the_person_may_be_told(app: Flask, inbox: Inbox) -> None:
    email_everything(app, ["alex"])
    people = ids(app)
    sam = By(people["sam"], Role.CONSUMER_PEER_WORKER, "t")
    chen = By(people["dr.chen"], Role.CLINICIAN, "t")
    sender = sender_of(app)
    sender.stop()  # this test runs the passes itself, at the moments it chooses
    with app.app_context(), get_database(app).session() as db:
        concern = risk.raise_concern(db, sam, people["alex"], "Seen.", "Now.", "Called.")
        risk.delay(
            db, chen, concern.id, "Telling him today could put him at risk.", 24, max_hours=72
        )
        db.commit()
    report = sender.send_pending()
    assert (report.sent, report.held) == (0, 1)
    [row] = _outbox(app)
    assert row.sent_at is None and row.attempts == 0 and row.next_try_at is not None
    with app.app_context(), get_database(app).session() as db:
        risk.lift_delay(db, chen, concern.id)
        db.commit()
    report = sender.send_pending(now=utcnow() + mail.HELD_RECHECK)
    assert (report.sent, report.held) == (1, 0)
    assert len(inbox.to(_email("alex"))) == 1


# Failing servers ------------------------------------------------------------------------------


def _propose_alexs_draft(app: Flask, signed_in) -> int:  # type: ignore[no-untyped-def]
    """Sam proposes Alex's draft note through the page; returns the note's id."""
    with app.app_context(), get_database(app).session() as db:
        draft = db.scalar(
            select(Note.id).where(Note.subject_id == ids(app)["alex"], Note.state == "draft")
        )
    assert draft is not None
    response = post_form(
        signed_in("sam"), f"/notes/{draft}/propose", {}, form_page=f"/notes/{draft}"
    )
    assert response.status_code == 302  # the request is answered as if mail did not exist
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(Note, draft).state == "proposed"
        assert db.scalar(
            select(Notification.id).where(
                Notification.kind == Kind.NOTE_TO_REVIEW, Notification.about_id == draft
            )
        )
    return draft


class TestNothingListening:
    @pytest.fixture
    def smtp_settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=free_port(), timeout_seconds=2)

    def test_the_request_is_unaffected_and_the_send_is_retried_and_logged(
        self, app: Flask, signed_in, caplog: pytest.LogCaptureFixture
    ) -> None:  # type: ignore[no-untyped-def]
        email_everything(app, ["alex"])
        caplog.set_level(logging.WARNING, logger="peernotes.mail")
        _propose_alexs_draft(app, signed_in)
        sender = sender_of(app)
        assert sender.wait_idle(20)
        [row] = _outbox(app)
        assert row.sent_at is None and row.attempts == 1
        assert row.last_error and "Connection" in row.last_error
        assert row.next_try_at is not None and row.next_try_at > utcnow()
        assert any(
            r.name == "peernotes.mail" and f"mail {row.id} not sent (try 1" in r.getMessage()
            for r in caplog.records
        )
        sender.stop()
        # The next try, when it is due, counts again and waits longer.
        report = sender.send_pending(now=row.next_try_at)
        assert (report.sent, report.failed) == (0, 1)
        [again] = _outbox(app)
        assert again.attempts == 2 and again.next_try_at is not None
        assert again.next_try_at - row.next_try_at == mail.retry_delay(2)
        assert mail.retry_delay(2) > mail.retry_delay(1)

    def test_a_message_is_given_up_after_its_last_try(
        self, app: Flask, signed_in, caplog: pytest.LogCaptureFixture
    ) -> None:  # type: ignore[no-untyped-def]
        email_everything(app, ["alex"])
        sender = sender_of(app)
        sender.stop()
        _propose_alexs_draft(app, signed_in)
        with app.app_context(), get_database(app).session() as db:
            row = db.scalars(select(OutboxMessage)).one()
            row.attempts = mail.MAX_ATTEMPTS - 1
            db.commit()
        caplog.set_level(logging.ERROR, logger="peernotes.mail")
        assert sender.send_pending().failed == 1
        [row] = _outbox(app)
        assert row.attempts == mail.MAX_ATTEMPTS and row.next_try_at is None
        assert row.sent_at is None
        assert any("given up" in r.getMessage() for r in caplog.records)
        assert sender.send_pending(now=utcnow() + timedelta(days=30)).failed == 0


def test_a_server_refusing_with_5xx_leaves_the_request_alone_and_the_next_try_sends(
    app: Flask, inbox: Inbox, signed_in, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    email_everything(app, ["alex"])
    inbox.refuse = True
    caplog.set_level(logging.WARNING, logger="peernotes.mail")
    _propose_alexs_draft(app, signed_in)
    sender = sender_of(app)
    assert sender.wait_idle(20)
    [row] = _outbox(app)
    assert row.sent_at is None and row.attempts == 1 and "554" in (row.last_error or "")
    assert any(f"mail {row.id} not sent" in r.getMessage() for r in caplog.records)
    # A refusal's text quotes the recipient: neither the outbox row nor the log keeps it.
    assert "@" not in (row.last_error or "")
    assert not any("@" in r.getMessage() for r in caplog.records)
    assert inbox.messages == []
    inbox.refuse = False
    sender.stop()
    assert sender.send_pending(now=row.next_try_at).sent == 1
    [sent] = _outbox(app)
    assert sent.sent_at is not None and sent.attempts == 2 and sent.last_error is None
    assert len(inbox.to(_email("alex"))) == 1


def test_the_command_sends_what_is_due(app: Flask, inbox: Inbox, signed_in) -> None:  # type: ignore[no-untyped-def]
    from peernotes.cli import mail_send_pending

    email_everything(app, ["alex"])
    sender_of(app).stop()  # only the command sends here
    _propose_alexs_draft(app, signed_in)
    result = app.test_cli_runner().invoke(mail_send_pending)
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0" in result.output and "Waiting: 0" in result.output
    assert len(inbox.to(_email("alex"))) == 1
