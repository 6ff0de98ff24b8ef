"""A real SMTP server for the notification tests (aiosmtpd, on a free local port), and an app
that sends to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from config import SmtpSettings
from peernotes.notifications.mail import EXTENSION_KEY, MailSender

BASE_URL = "https://peernotes.test"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What the server received; `refuse` makes it answer every message with a 5xx."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            # Real servers quote the recipient in a refusal, as this one does.
            return f"554 5.7.1 <{', '.join(envelope.rcpt_tos)}>: Refused for the test"
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        """Subject and body, decoded: what a reader of the email would see."""
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return f"{message['Subject']}\n{payload.decode(message.get_content_charset() or 'utf-8')}"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(inbox: Inbox) -> SmtpSettings:
    """Override in a test to send elsewhere (a port where nothing listens)."""
    return SmtpSettings(host="127.0.0.1", port=inbox.port, timeout_seconds=5)


def sending_to(settings: SmtpSettings) -> dict[str, object]:
    """Configuration overrides for an app that emails through `settings`."""
    return {"smtp": settings, "base_url": BASE_URL}


@pytest.fixture
def app(app: Flask) -> Iterator[Flask]:
    """The app of the root conftest, whose mail thread is stopped before its engine is
    disposed of (a thread still sending would hold a connection)."""
    yield app
    sender: MailSender | None = app.extensions.get(EXTENSION_KEY)
    if sender is not None:
        sender.stop()


def sender_of(app: Flask) -> MailSender:
    sender: MailSender | None = app.extensions.get(EXTENSION_KEY)
    assert sender is not None, "email is not set up for this app"
    return sender
