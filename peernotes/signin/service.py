"""The emailed reset link: whether the service can send one, and what the email says.

The email names no one and says nothing about the person's care: only that a reset was asked
for, the link, how long it works, and what to do if they did not ask.
"""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy.orm import Session

from config import Config
from peernotes.auth.models import User
from peernotes.auth.resets import IssuedLink
from peernotes.notifications.mail import mail_enabled, queue_mail

SUBJECT = "Reset your PeerNotes password"


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def resets_by_email() -> bool:
    """Whether people can ask for a reset link by email (`PEERNOTES_SMTP_URL` is set)."""
    return mail_enabled()


def _duration(minutes: int) -> str:
    if minutes % 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def reset_email_body(link: str, minutes: int) -> str:
    lasts = _duration(minutes)
    return (
        "Someone asked to reset the password of the PeerNotes account that uses this email "
        "address.\n\n"
        f"If it was you, open this link within {lasts} to choose a new password:\n\n"
        f"{link}\n\n"
        "The link works once. Choosing a new password signs you out everywhere.\n\n"
        "If it wasn't you, you don't need to do anything: your password stays as it is.\n"
    )


def email_reset_link(db: Session, user: User, link: IssuedLink) -> None:
    """Queue the email; it is sent after the request's transaction commits. The outbox keeps
    its body sealed, so the link is not readable in the database either."""
    config = _config()
    # The service's own address, never the request's Host header: a forged Host must not
    # send someone a link to another site.
    url = config.base_url + url_for("signin.reset_password", token=link.token)
    body = reset_email_body(url, config.reset_email_link_minutes)
    queue_mail(db, user.email, SUBJECT, body)
