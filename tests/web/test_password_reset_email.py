"""Asking for a reset link by email, through a real SMTP server on a local port (aiosmtpd):
one answer for every address, the email carries the link and nothing personal, and the
requests are throttled and logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from config import SmtpSettings
from peernotes.notifications.mail import EXTENSION_KEY, MailSender
from peernotes.signin.service import SUBJECT, reset_email_body
from tests.helpers import count_rows, demo_email, post_form, sign_in, user_id
from tests.notifications.conftest import BASE_URL, Inbox, sender_of
from tests.notifications.conftest import inbox as inbox  # noqa: F401 - the fixture
from tests.web.test_password_reset import (
    NEW_PASSWORD,
    _audit,
    _every_value_in_the_database,
    _issue,
    _main,
    _use,
)

SENT = "If that address has an account, we have sent a link"
TOKEN_IN_BODY = re.compile(re.escape(BASE_URL) + r"/password/reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def config_overrides(inbox: Inbox) -> dict[str, object]:
    return {
        "smtp": SmtpSettings(host="127.0.0.1", port=inbox.port, timeout_seconds=5),
        "base_url": BASE_URL,
        "reset_requests_per_account": 3,
        "reset_requests_per_address": 10,
    }


@pytest.fixture
def app(app: Flask) -> Iterator[Flask]:
    """Stop the mail thread before the engine goes (a thread still sending holds a connection)."""
    yield app
    sender: MailSender | None = app.extensions.get(EXTENSION_KEY)
    if sender is not None:
        sender.stop()


def _ask(client: FlaskClient, email: str, **headers: str) -> TestResponse:
    page = client.get("/password/forgot", headers=headers)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": token.group(1)},
        headers=headers,
    )


def _delivered(app: Flask, inbox: Inbox) -> None:
    assert sender_of(app).wait_idle(10)


def test_the_sign_in_page_offers_an_emailed_link(app: Flask) -> None:
    login = app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login
    assert "We can email you a link" in login
    assert "Your coordinator can give you" not in login


def test_a_known_address_gets_an_email_with_the_link_and_nothing_else(
    app: Flask, inbox: Inbox
) -> None:
    response = _ask(app.test_client(), demo_email("alex"))
    assert response.status_code == 200
    assert SENT in response.get_data(as_text=True)
    _delivered(app, inbox)
    [message] = inbox.to(demo_email("alex"))
    text = Inbox.text(message).replace("\r\n", "\n")
    match = TOKEN_IN_BODY.search(text)
    assert match is not None, text
    token = match.group(1)
    # The whole email is the fixed wording around the link: no name, no address, no care.
    expected = reset_email_body(f"{BASE_URL}/password/reset/{token}", 60)
    assert text.rstrip("\n") == f"{SUBJECT}\n{expected}".rstrip("\n")
    assert "Alex" not in text and demo_email("alex") not in text

    # The link works, once, like a coordinator's.
    assert _use(app.test_client(), token).status_code == 302
    assert sign_in(app.test_client(), demo_email("alex"), NEW_PASSWORD).status_code == 302
    assert _use(app.test_client(), token, "another fine passphrase").status_code == 404

    # Neither the outbox nor anything else in the database holds the token readably.
    assert not [v for v in _every_value_in_the_database(app) if token in v]
    alex = user_id(app, "alex")
    assert (None, str(alex), "allowed", "reset_emailed") in _audit(app, "auth:reset_request")


def test_unknown_known_and_deactivated_addresses_get_the_same_answer(
    app: Flask, inbox: Inbox
) -> None:
    admin = app.test_client()
    assert sign_in(admin, demo_email("admin")).status_code == 302
    robert = user_id(app, "robert")
    post_form(admin, f"/admin/accounts/{robert}/deactivate", {}, form_page="/admin/accounts")

    known = _ask(app.test_client(), demo_email("maya"))
    unknown = _ask(app.test_client(), "nobody-here@peernotes.example")
    inactive = _ask(app.test_client(), demo_email("robert"))
    assert known.status_code == unknown.status_code == inactive.status_code == 200
    assert _main(known) == _main(unknown) == _main(inactive)
    assert SENT in _main(known)

    _delivered(app, inbox)
    assert [m["To"] for m in inbox.messages] == [demo_email("maya")]
    reasons = [(row[1], row[2], row[3]) for row in _audit(app, "auth:reset_request")]
    assert reasons == [
        (str(user_id(app, "maya")), "allowed", "reset_emailed"),
        (None, "denied", "unknown_account"),
        (str(robert), "denied", "account_inactive"),
    ]
    assert count_rows(app, "password_resets") == 1


def test_the_link_uses_the_services_address_not_the_requests_host(app: Flask, inbox: Inbox) -> None:
    _ask(app.test_client(), demo_email("jordan"), Host="evil.example")
    _delivered(app, inbox)
    [message] = inbox.to(demo_email("jordan"))
    assert "evil.example" not in Inbox.text(message)
    assert TOKEN_IN_BODY.search(Inbox.text(message))


def test_a_bad_address_is_refused_and_changes_nothing(app: Flask, inbox: Inbox) -> None:
    for typed, error in [
        ("", "Enter your email address."),
        ("not an address", "look like an email address"),
    ]:
        response = _ask(app.test_client(), typed)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert SENT not in text
        assert error in text.replace("&#39;", "'")
        assert 'aria-invalid="true"' in text
    _delivered(app, inbox)
    assert inbox.messages == []
    assert count_rows(app, "password_resets") == 0


def test_an_emailed_link_leaves_the_coordinators_link_working(app: Flask, inbox: Inbox) -> None:
    """A stranger who types someone's address cannot cancel the link their coordinator gave
    them; and using either link ends the other."""
    admin = app.test_client()
    assert sign_in(admin, demo_email("admin")).status_code == 302
    tui = user_id(app, "tui")
    given = _issue(admin, tui)
    _ask(app.test_client(), demo_email("tui"))
    _delivered(app, inbox)
    [message] = inbox.to(demo_email("tui"))
    match = TOKEN_IN_BODY.search(Inbox.text(message))
    assert match is not None
    emailed = match.group(1)
    assert app.test_client().get(f"/password/reset/{given}").status_code == 200
    assert app.test_client().get(f"/password/reset/{emailed}").status_code == 200
    assert _use(app.test_client(), given).status_code == 302
    assert app.test_client().get(f"/password/reset/{emailed}").status_code == 404


def test_asking_again_and_again_is_paused_for_known_and_unknown_addresses_alike(
    app: Flask, inbox: Inbox
) -> None:
    for email in (demo_email("linh"), "nobody-else@peernotes.example"):
        client = app.test_client()
        codes = [_ask(client, email).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429], email
    _delivered(app, inbox)
    assert len(inbox.to(demo_email("linh"))) == 3
    throttled = [row for row in _audit(app, "auth:reset_request") if row[3] == "throttled"]
    assert len(throttled) == 2
    assert all(row[1] is None for row in throttled)  # nothing says whose address it was


def test_one_client_address_asking_for_many_addresses_is_paused(app: Flask, inbox: Inbox) -> None:
    client = app.test_client()
    codes = [_ask(client, f"someone{i}@peernotes.example").status_code for i in range(10)]
    assert codes == [200] * 10
    refused = _ask(client, demo_email("alex"))
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Please wait a few minutes before asking again" in text
    assert SENT not in text
    _delivered(app, inbox)
    assert inbox.messages == []  # alex's request was refused before anything was made
