"""Where you are signed in: each person sees and ends their own sessions; a coordinator signs a
person out everywhere; every ending is on the access log, and takes effect at once."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from peernotes.auth.models import LoginSession
from peernotes.auth.sessions import LAST_USED_EVERY, note_used
from peernotes.db import get_database, utcnow
from tests.helpers import (
    count_rows,
    csrf_token,
    demo_email,
    last_entry,
    post_with_token,
    sign_in,
    user_id,
)

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _browser(app: Flask, key: str, user_agent: str, address: str) -> FlaskClient:
    """A test client that signs in as `key` from its own browser and address."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": address})
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _live_session_ids(app: Flask, key: str) -> list[int]:
    with app.app_context(), get_database(app).session() as db:
        return list(
            db.scalars(
                select(LoginSession.id)
                .where(
                    LoginSession.user_id == user_id(app, key),
                    LoginSession.revoked_at.is_(None),
                )
                .order_by(LoginSession.id)
            )
        )


def _end_paths(html: str) -> list[str]:
    return re.findall(r'action="(/account/sessions/\d+/end)"', html)


def test_the_list_shows_ones_own_sessions_with_device_time_and_address(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    _browser(app, "alex", WINDOWS_FIREFOX, "198.51.100.20")
    _browser(app, "jordan", WINDOWS_FIREFOX, "192.0.2.99")  # someone else's: never shown

    page = phone.get("/account/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Chrome on Android" in html and "Firefox on Windows" in html
    assert "203.0.113.7" in html and "198.51.100.20" in html
    assert "192.0.2.99" not in html
    # The browser in hand is marked, and first.
    assert html.index("Chrome on Android") < html.index("(this browser)") < html.index("Firefox")
    assert len(_end_paths(html)) == 2
    assert "Sign out everywhere else" in html
    # Reachable from the navigation.
    assert 'href="/account/sessions"' in phone.get("/").get_data(as_text=True)


def test_ending_one_session_ends_exactly_that_one_at_its_next_request(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    laptop = _browser(app, "alex", WINDOWS_FIREFOX, "198.51.100.20")
    tablet = _browser(app, "alex", WINDOWS_FIREFOX, "198.51.100.21")
    phone_id, laptop_id, tablet_id = _live_session_ids(app, "alex")
    assert laptop.get("/").status_code == 200

    response = post_with_token(phone, f"/account/sessions/{laptop_id}/end", {})
    assert response.status_code == 302

    assert laptop.get("/").status_code == 302  # its very next request is signed out
    assert phone.get("/").status_code == 200
    assert tablet.get("/").status_code == 200
    assert _live_session_ids(app, "alex") == [phone_id, tablet_id]
    assert last_entry(app, "session:end")[2:] == (
        "login_session",
        str(laptop_id),
        "allowed",
        "self",
    )


def test_ending_the_session_in_hand_signs_out_here(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    (phone_id,) = _live_session_ids(app, "alex")
    response = post_with_token(phone, f"/account/sessions/{phone_id}/end", {})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert phone.get("/").status_code == 302


def test_sign_out_everywhere_else_keeps_only_this_browser(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    others = [_browser(app, "alex", WINDOWS_FIREFOX, f"198.51.100.{n}") for n in range(3)]
    jordan = _browser(app, "jordan", WINDOWS_FIREFOX, "192.0.2.99")
    phone_id = _live_session_ids(app, "alex")[0]

    assert post_with_token(phone, "/account/sessions/end-others", {}).status_code == 302

    assert [c.get("/").status_code for c in others] == [302, 302, 302]
    assert phone.get("/").status_code == 200
    assert jordan.get("/").status_code == 200
    assert _live_session_ids(app, "alex") == [phone_id]
    alex = user_id(app, "alex")
    assert last_entry(app, "session:end_others") == (
        alex,
        None,
        "user",
        str(alex),
        "allowed",
        "self",
    )


def test_a_person_cannot_end_someone_elses_session(app: Flask) -> None:
    alex = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    jordan = _browser(app, "jordan", WINDOWS_FIREFOX, "192.0.2.99")
    (jordan_session,) = _live_session_ids(app, "jordan")

    response = post_with_token(alex, f"/account/sessions/{jordan_session}/end", {})

    assert response.status_code == 404
    assert jordan.get("/").status_code == 200
    assert _live_session_ids(app, "jordan") == [jordan_session]
    assert last_entry(app, "session:end") == (
        user_id(app, "alex"),
        None,
        "login_session",
        str(jordan_session),
        "denied",
        "not_found",
    )
    # An ended session, or one that never was, answers the same.
    assert post_with_token(alex, "/account/sessions/999999/end", {}).status_code == 404


def test_ending_sessions_needs_the_csrf_token(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    laptop = _browser(app, "alex", WINDOWS_FIREFOX, "198.51.100.20")
    _phone_id, laptop_id = _live_session_ids(app, "alex")
    admin = _browser(app, "admin", WINDOWS_FIREFOX, "192.0.2.1")
    for client, path in (
        (phone, f"/account/sessions/{laptop_id}/end"),
        (phone, "/account/sessions/end-others"),
        (admin, f"/admin/accounts/{user_id(app, 'alex')}/sessions/end"),
    ):
        assert client.post(path).status_code == 400
        assert client.post(path, data={"csrf_token": "forged"}).status_code == 400
    assert laptop.get("/").status_code == 200
    assert len(_live_session_ids(app, "alex")) == 2


def test_a_coordinator_signs_a_person_out_everywhere(app: Flask) -> None:
    devices = [_browser(app, "alex", WINDOWS_FIREFOX, f"198.51.100.{n}") for n in range(2)]
    jordan = _browser(app, "jordan", WINDOWS_FIREFOX, "192.0.2.99")
    admin = _browser(app, "admin", WINDOWS_FIREFOX, "192.0.2.1")
    alex = user_id(app, "alex")

    accounts = admin.get("/admin/accounts").get_data(as_text=True)
    assert f'action="/admin/accounts/{alex}/sessions/end"' in accounts
    token = csrf_token(accounts)
    response = admin.post(f"/admin/accounts/{alex}/sessions/end", data={"csrf_token": token})
    assert response.status_code == 302

    assert [c.get("/").status_code for c in devices] == [302, 302]
    assert jordan.get("/").status_code == 200 and admin.get("/").status_code == 200
    assert _live_session_ids(app, "alex") == []
    # On record with the coordinator as actor and the person as target (and subject: Alex is
    # a consumer, so it is on his own access history too).
    assert last_entry(app, "admin:sessions_end_all") == (
        user_id(app, "admin"),
        alex,
        "user",
        str(alex),
        "allowed",
        "role:admin",
    )
    # Alex can sign in again: the account is untouched.
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 302


def test_only_a_coordinator_may_sign_someone_out_everywhere(app: Flask) -> None:
    alex = _browser(app, "alex", WINDOWS_FIREFOX, "198.51.100.1")
    clinician = _browser(app, "dr.chen", WINDOWS_FIREFOX, "192.0.2.5")
    response = post_with_token(
        clinician, f"/admin/accounts/{user_id(app, 'alex')}/sessions/end", {}
    )
    assert response.status_code == 403
    assert alex.get("/").status_code == 200


def test_last_used_is_written_at_most_once_a_minute(app: Flask) -> None:
    now = utcnow()
    row = LoginSession(user_id=1, token_hash="x", last_used_at=now)
    note_used(row, now + LAST_USED_EVERY - timedelta(seconds=1))
    assert row.last_used_at == now  # no write within the minute
    later = now + LAST_USED_EVERY
    note_used(row, later)
    assert row.last_used_at == later


def test_a_request_after_a_minute_moves_last_used_forward(app: Flask) -> None:
    phone = _browser(app, "alex", ANDROID_CHROME, "203.0.113.7")
    (phone_id,) = _live_session_ids(app, "alex")
    long_ago = utcnow() - timedelta(minutes=5)
    with app.app_context(), get_database(app).session() as db:
        row = db.get_one(LoginSession, phone_id)
        row.last_used_at = long_ago
        db.commit()
    assert phone.get("/").status_code == 200
    with app.app_context(), get_database(app).session() as db:
        used = db.get_one(LoginSession, phone_id).last_used_at
    assert used is not None and used > long_ago + timedelta(minutes=4)
    assert count_rows(app, "login_sessions", "id = :i", {"i": phone_id}) == 1
