"""Email: an outbox written in the request's transaction, and a sender that works after it.

`queue_mail` only adds a row to `mail_outbox`, in the caller's transaction, so an email exists
exactly when the action it tells of was committed. When that transaction commits, the app's
`MailSender` is woken: a background thread that sends what is due with `smtplib` (short
timeouts), outside any request, so sending never slows or fails one. A failed send is logged,
counted and tried again later with a growing wait; `peernotes mail send-pending` does one pass
from the command line (for cron).

Nothing is queued when `PEERNOTES_SMTP_URL` is not set: then people see their notifications in
the app only.

Several processes may send from one outbox (gunicorn workers, cron): each claims a row with a
conditional UPDATE before sending it, so a message is sent once, or again only when a sender
died between sending and recording it.
"""

from __future__ import annotations

import atexit
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from config import Config, SmtpSettings
from peernotes.crypto.keyring import keyring_of, read_secret, store_secret
from peernotes.crypto.keys import new_data_key, seal, unseal
from peernotes.db import Database, get_database, utcnow
from peernotes.notifications.models import OutboxMessage

log = logging.getLogger("peernotes.mail")

EXTENSION_KEY = "peernotes.mail"
#: Set on a session's `info` when it queued mail: its commit wakes the sender.
_QUEUED = "peernotes.mail_queued"
#: The stored secret that outbox bodies are sealed under.
OUTBOX_SECRET = "mail_outbox"

#: A claimed row is left alone by other senders this long (a send takes seconds at most).
CLAIM_LEASE = timedelta(minutes=5)
#: Tries before a message is given up: the waits between them grow from one minute to six
#: hours, so the last try is about 20 hours after the first.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
#: How long the sender sleeps at most before looking for due retries (while any are pending).
LONGEST_SLEEP = timedelta(minutes=5)
BATCH = 50
#: A message held back is looked at again this often (a delay may be lifted early).
HELD_RECHECK = timedelta(minutes=15)
#: How long a process that is exiting gives its sender to finish (a command such as
#: `peernotes demo load` exits right after the commit that queued its mail).
EXIT_GRACE_SECONDS = 15.0

#: Until when the message must wait (the notification it tells of is held back), or None.
HoldCheck = Callable[[Session, int, datetime], datetime | None]


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1, 2, 4, … minutes, at most six hours."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LONGEST_RETRY)


# Queueing (in the caller's transaction) ------------------------------------------------------


def mail_enabled() -> bool:
    """Whether email is set up for the app in context (`PEERNOTES_SMTP_URL`)."""
    return sender_of_current_app() is not None


def sender_of_current_app() -> MailSender | None:
    if not has_app_context():
        return None
    sender: MailSender | None = current_app.extensions.get(EXTENSION_KEY)
    return sender


def queue_mail(
    db: Session, to_address: str, subject: str, body: str, *, notification_id: int | None = None
) -> None:
    """Queue one plain-text email in `db`'s transaction; it is sent once that commits.

    Does nothing when email is not set up. The body is sealed at rest: it may carry a
    one-time link (a password reset's).

    Raises:
        ValueError: an address or subject that would let a header be injected.
    """
    if sender_of_current_app() is None:
        return
    _, address = parseaddr(to_address)
    if "@" not in address or address != to_address.strip() or _has_newline(to_address):
        raise ValueError("not one email address")
    if _has_newline(subject) or len(subject) > 200:
        raise ValueError("a subject is one line of at most 200 characters")
    now = utcnow()
    row = OutboxMessage(
        to_address=address,
        subject=subject,
        body=b"",
        notification_id=notification_id,
        created_at=now,
        attempts=0,
        next_try_at=now,
    )
    db.add(row)
    db.flush()
    row.body = seal(_outbox_key(db, create=True), body.encode(), _aad(row.id))
    db.flush()
    db.info[_QUEUED] = True


def _has_newline(text: str) -> bool:
    return "\r" in text or "\n" in text


def _aad(message_id: int) -> bytes:
    return f"mail_outbox:{message_id}".encode()


def _outbox_key(db: Session, *, create: bool) -> bytes:
    keyring = keyring_of(db.info)
    if keyring is None:
        raise RuntimeError("this session has no master key")
    stored = read_secret(db, keyring, OUTBOX_SECRET)
    if stored is not None:
        return stored
    if not create:
        raise LookupError("no outbox key has been stored yet")
    return store_secret(db, keyring, OUTBOX_SECRET, new_data_key())


# Sending (outside any request) ---------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


@dataclass
class PassReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    held: int = 0
    #: When the earliest message still waiting is due, if any.
    next_due: datetime | None = None


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one message. Raises OSError or smtplib.SMTPException when it does not go."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    try:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username is not None:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


class MailSender:
    """Sends the outbox of one app's database: on demand (`send_pending`), or from a background
    thread woken after each commit that queued mail (`wake`).

    The thread starts on the first wake (creating the app starts nothing). It sleeps until
    woken or until the earliest retry is due, and never lets an error end it.
    """

    def __init__(
        self,
        database: Database,
        settings: SmtpSettings,
        mail_from: str,
        *,
        hold: HoldCheck | None = None,
        deliver: Callable[[SmtpSettings, EmailMessage], None] = deliver,
    ) -> None:
        self.database = database
        self.settings = settings
        self.mail_from = mail_from
        self._hold = hold
        self._deliver = deliver
        self._condition = threading.Condition()
        self._wakeup = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: Wakes asked for, and wakes answered by a finished pass (see `wait_idle`).
        self._asked = 0
        self._answered = 0

    # The background thread.

    def wake(self) -> None:
        """Ask for a pass soon. Never raises and never waits: it is called after a commit."""
        try:
            with self._condition:
                if self._stopping:
                    return
                self._asked += 1
                if self._thread is None or not self._thread.is_alive():
                    if self._thread is None:
                        atexit.register(self._drain_at_exit)
                    self._thread = threading.Thread(
                        target=self._run, name="peernotes-mail", daemon=True
                    )
                    self._thread.start()
            self._wakeup.set()
        except Exception:  # noqa: BLE001 - a request must never fail for its email
            log.exception("could not wake the mail sender")

    @property
    def wakes(self) -> int:
        """How many wakes were asked for (tests count them)."""
        with self._condition:
            return self._asked

    def start(self) -> None:
        """Make sure the thread runs: its first pass also sends what other processes queued and
        never sent (a command that exited, a worker that died)."""
        with self._condition:
            started = self._thread is not None
        if not started:
            self.wake()

    def _drain_at_exit(self) -> None:
        with self._condition:
            if self._stopping:
                return
        self.wait_idle(EXIT_GRACE_SECONDS)
        self.stop(EXIT_GRACE_SECONDS)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every wake asked for so far has been answered by a finished pass."""
        with self._condition:
            return self._condition.wait_for(lambda: self._answered >= self._asked, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        with self._condition:
            self._stopping = True
            thread = self._thread
        self._wakeup.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wakeup.clear()
            with self._condition:
                if self._stopping:
                    return
                asked = self._asked
            next_due: datetime | None = None
            try:
                next_due = self.send_pending().next_due
            except Exception:  # noqa: BLE001 - the thread outlives a bad pass
                log.exception("the mail sender's pass failed; it will try again")
                next_due = utcnow() + FIRST_RETRY
            with self._condition:
                self._answered = max(self._answered, asked)
                self._condition.notify_all()
            timeout: float | None = None
            if next_due is not None:
                wait = min(max(next_due - utcnow(), timedelta(0)), LONGEST_SLEEP)
                timeout = wait.total_seconds()
            self._wakeup.wait(timeout)

    # One pass.

    def send_pending(self, now: datetime | None = None) -> PassReport:
        """Send every message that is due, one at a time; returns what happened."""
        report = PassReport()
        moment = now or utcnow()
        with self.database.session() as db:
            due = list(
                db.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.next_try_at.is_not(None),
                        OutboxMessage.next_try_at <= moment,
                    )
                    .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
                    .limit(BATCH)
                )
            )
            db.commit()
        for message_id in due:
            self._send_one(message_id, now, report)
        with self.database.session() as db:
            report.next_due = db.scalar(
                select(OutboxMessage.next_try_at)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_try_at.is_not(None))
                .order_by(OutboxMessage.next_try_at)
                .limit(1)
            )
            db.commit()
        return report

    def _send_one(self, message_id: int, now: datetime | None, report: PassReport) -> None:
        outgoing = self._claim(message_id, now or utcnow(), report)
        if outgoing is None:
            return
        try:
            self._deliver(self.settings, self._message(outgoing))
        except (OSError, smtplib.SMTPException) as exc:
            report.failed += 1
            self._record_failure(outgoing, exc, now or utcnow())
        else:
            report.sent += 1
            self._record_sent(outgoing.id, now or utcnow())

    def _claim(self, message_id: int, now: datetime, report: PassReport) -> Outgoing | None:
        """Take the message for this sender (other senders skip it for `CLAIM_LEASE`) and open
        it; None when another sender took it first, or it is held back (then it waits)."""
        with self.database.session() as db:
            claimed = db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.next_try_at <= now,
                )
                .values(next_try_at=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                db.rollback()
                return None
            row = db.get_one(OutboxMessage, message_id)
            if row.notification_id is not None and self._hold is not None:
                until = self._hold(db, row.notification_id, now)
                if until is not None:
                    # Not a try: it waits, uncounted, until the person may be told.
                    row.attempts -= 1
                    row.next_try_at = min(until, now + HELD_RECHECK)
                    db.commit()
                    report.held += 1
                    return None
            outgoing = Outgoing(
                row.id,
                row.to_address,
                row.subject,
                unseal(_outbox_key(db, create=False), row.body, _aad(row.id)).decode(),
                row.attempts,
            )
            db.commit()
            return outgoing

    def _message(self, outgoing: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = outgoing.to_address
        message["Subject"] = outgoing.subject
        message["Date"] = format_datetime(utcnow())
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(outgoing.body)
        return message

    def _record_sent(self, message_id: int, now: datetime) -> None:
        with self.database.session() as db:
            row = db.get_one(OutboxMessage, message_id)
            row.sent_at = now
            row.next_try_at = None
            row.last_error = None
            row.body = b""  # sent: nothing left to keep, not even a one-time link
            db.commit()

    def _record_failure(self, outgoing: Outgoing, exc: BaseException, now: datetime) -> None:
        error = _failure_words(exc)
        given_up = outgoing.attempts >= MAX_ATTEMPTS
        next_try = None if given_up else now + retry_delay(outgoing.attempts)
        with self.database.session() as db:
            row = db.get_one(OutboxMessage, outgoing.id)
            row.last_error = error
            row.next_try_at = next_try
            db.commit()
        if given_up:
            log.error(
                "mail %s not sent after %d tries; given up: %s",
                outgoing.id,
                outgoing.attempts,
                error,
            )
        else:
            log.warning(
                "mail %s not sent (try %d of %d), next try at %s: %s",
                outgoing.id,
                outgoing.attempts,
                MAX_ATTEMPTS,
                next_try.isoformat() if next_try else "never",
                error,
            )


def _failure_words(exc: BaseException) -> str:
    """The failure's type and SMTP reply codes, never its text: the text of a refusal quotes
    the recipient's address, and this goes to the logs and to the outbox row."""
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({int(code) for code, _ in exc.recipients.values()})
    elif isinstance(exc, smtplib.SMTPResponseException):
        codes = [int(exc.smtp_code)]
    suffix = " (SMTP " + ", ".join(str(c) for c in codes) + ")" if codes else ""
    return type(exc).__name__ + suffix


# Installing ------------------------------------------------------------------------------------


def install_mail(app: Flask, *, hold: HoldCheck | None = None) -> MailSender | None:
    """Give the app its sender when email is set up, and wake it after each commit that queued
    mail. Creates no thread and opens no connection (the first wake does)."""
    config: Config = app.config["PEERNOTES"]
    if config.smtp is None:
        return None
    database = get_database(app)
    sender = MailSender(database, config.smtp, config.mail_from, hold=hold)
    app.extensions[EXTENSION_KEY] = sender

    @event.listens_for(database.sessions, "after_commit")
    def _wake_after_commit(session: Session) -> None:
        # Also dispatched when a savepoint is released (every step is one): the mail is not
        # committed until the outermost transaction is, so only that wakes the sender.
        if session.get_nested_transaction() is not None:
            return
        if session.info.pop(_QUEUED, False):
            sender.wake()

    @app.before_request
    def _start_sender() -> None:
        sender.start()

    return sender


def outbox_summary(db: Session) -> dict[str, int]:
    """How many messages wait, were sent, and were given up (for the command line)."""

    def count(*where: ColumnElement[bool]) -> int:
        return db.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0

    unsent = OutboxMessage.sent_at.is_(None)
    return {
        "sent": count(OutboxMessage.sent_at.is_not(None)),
        "waiting": count(unsent, OutboxMessage.next_try_at.is_not(None)),
        "given_up": count(unsent, OutboxMessage.next_try_at.is_(None)),
    }
