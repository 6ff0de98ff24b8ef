"""Sign-in, sessions that the server can end, throttling, CSRF and response headers."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from peernotes.auth.models import LoginSession, User
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import DEMO_PASSWORD
from tests.helpers import csrf_token, demo_email, post_form, sign_in, user_id


def _session_cookie(client: FlaskClient, app: Flask) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie_value: str) -> FlaskClient:
    """A different browser that presents an old cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
    return other


def test_sign_in_lands_on_the_home_page(client: FlaskClient) -> None:
    response = sign_in(client, demo_email("alex"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Your notes" in home.get_data(as_text=True)


def test_email_is_case_insensitive(client: FlaskClient) -> None:
    assert sign_in(client, "  ALEX@PeerNotes.Example ").status_code == 302


def test_unknown_email_and_wrong_password_answer_identically(app: Flask) -> None:
    wrong = sign_in(app.test_client(), demo_email("alex"), "not the password at all")
    unknown = sign_in(app.test_client(), "nobody@peernotes.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200

    def body(response, typed_email: str) -> str:  # type: ignore[no-untyped-def]
        # The CSRF token differs per browser and the form echoes what was typed;
        # everything else must be identical.
        text = response.get_data(as_text=True)
        return text.replace(csrf_token(text), "TOKEN").replace(typed_email, "EMAIL")

    assert body(wrong, demo_email("alex")) == body(unknown, "nobody@peernotes.example")
    assert "don&#39;t match an active account" in wrong.get_data(as_text=True)


def test_deactivated_account_answers_like_a_wrong_password(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    post_form(
        admin, f"/admin/accounts/{user_id(app, 'alex')}/deactivate", {}, form_page="/admin/accounts"
    )
    response = sign_in(app.test_client(), demo_email("alex"))
    assert response.status_code == 200
    assert "match an active account" in response.get_data(as_text=True)


def test_sign_out_invalidates_the_session_on_the_server(app: Flask, client: FlaskClient) -> None:
    sign_in(client, demo_email("alex"))
    old_cookie = _session_cookie(client, app)
    assert _replay(app, old_cookie).get("/").status_code == 200

    response = post_form(client, "/logout", {}, form_page="/")
    assert response.status_code == 302
    assert response.headers.get("Clear-Site-Data") == '"cache"'

    replayed = _replay(app, old_cookie).get("/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/login")


def test_sign_out_ends_every_session_of_that_person(app: Flask) -> None:
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, demo_email("sam"))
    sign_in(laptop, demo_email("sam"))
    post_form(phone, "/logout", {}, form_page="/")
    assert laptop.get("/").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app: Flask) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, demo_email("sam"))
    sign_in(elsewhere, demo_email("sam"))
    old_cookie = _session_cookie(here, app)
    response = post_form(
        here,
        "/account/password",
        {
            "current_password": DEMO_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert _replay(app, old_cookie).get("/").status_code == 302
    assert sign_in(app.test_client(), demo_email("sam"), "a brand new passphrase").status_code == 302
    assert sign_in(app.test_client(), demo_email("sam")).status_code == 200


def test_password_change_with_bad_input_shows_errors_and_changes_nothing(
    app: Flask, signed_in  # type: ignore[no-untyped-def]
) -> None:
    client = signed_in("sam")
    response = post_form(
        client,
        "/account/password",
        {"current_password": "wrong", "new_password": "short", "confirm_password": "other"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "match" in text  # confirmation mismatch, shown next to the field
    assert 'aria-invalid="true"' in text
    assert sign_in(app.test_client(), demo_email("sam")).status_code == 302


def test_deactivation_ends_the_persons_sessions_at_once(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    consumer = app.test_client()
    sign_in(consumer, demo_email("jordan"))
    assert consumer.get("/").status_code == 200
    admin = signed_in("admin")
    jordan_id = user_id(app, "jordan")
    post_form(admin, f"/admin/accounts/{jordan_id}/deactivate", {}, form_page="/admin/accounts")
    assert consumer.get("/").status_code == 302


def _age_sessions(app: Flask, by: timedelta) -> None:
    with app.app_context(), get_database(app).session() as session:
        for row in session.scalars(select(LoginSession)):
            row.created_at = row.created_at - by
        session.commit()


def test_absolute_lifetime_ends_a_busy_session(app: Flask, client: FlaskClient) -> None:
    sign_in(client, demo_email("alex"))
    assert client.get("/").status_code == 200
    _age_sessions(app, timedelta(hours=app.config["PEERNOTES"].session_lifetime_hours, minutes=1))
    assert client.get("/").status_code == 302


def test_idle_timeout_ends_a_quiet_session(app: Flask, client: FlaskClient) -> None:
    sign_in(client, demo_email("alex"))
    idle = app.config["PEERNOTES"].idle_timeout_minutes
    with client.session_transaction() as flask_session:
        flask_session["seen"] = int((utcnow() - timedelta(minutes=idle + 1)).timestamp())
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "you were signed out" in page


def test_activity_keeps_a_session_alive(app: Flask, client: FlaskClient) -> None:
    sign_in(client, demo_email("alex"))
    idle = app.config["PEERNOTES"].idle_timeout_minutes
    with client.session_transaction() as flask_session:
        flask_session["seen"] = int((utcnow() - timedelta(minutes=idle - 1)).timestamp())
    assert client.get("/").status_code == 200
    with client.session_transaction() as flask_session:
        assert utcnow().timestamp() - flask_session["seen"] < 60


def test_a_missing_csrf_token_gets_a_friendly_400_and_changes_nothing(
    app: Flask, signed_in  # type: ignore[no-untyped-def]
) -> None:
    admin = signed_in("admin")
    response = admin.post(
        "/admin/accounts",
        data={
            "display_name": "Forged",
            "email": "forged@peernotes.example",
            "role": "clinician",
            "password": "long enough password",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This form has expired" in text and "Traceback" not in text
    with app.app_context(), get_database(app).session() as db:
        assert db.scalar(select(User).where(User.email == "forged@peernotes.example")) is None


def test_sign_in_without_csrf_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": demo_email("alex"), "password": DEMO_PASSWORD})
    assert response.status_code == 400


def test_next_only_redirects_within_the_site(client: FlaskClient) -> None:
    page = client.get("/login?next=/my/sharing")
    token = csrf_token(page.get_data(as_text=True))
    ok = client.post(
        "/login?next=/my/sharing",
        data={"email": demo_email("alex"), "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert ok.headers["Location"] == "/my/sharing"
    other = client.application.test_client()
    page = other.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    evil = other.post(
        "/login?next=//evil.example/x",
        data={"email": demo_email("alex"), "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert evil.headers["Location"] == "/"


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/login", "/health", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_pages_with_personal_information_are_never_cached(signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    for path in ("/", "/my/sharing", "/my/carers", "/account/password"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_pages_carry_no_inline_script_or_style(signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("admin")
    for path in ("/", "/admin/accounts", "/admin/assignments", "/admin/teams"):
        text = client.get(path).get_data(as_text=True)
        assert "<script" not in text
        assert "style=" not in text and "<style" not in text


def test_session_cookie_is_httponly_and_samesite(app: Flask, client: FlaskClient) -> None:
    response = sign_in(client, demo_email("alex"))
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Secure" not in set_cookie  # development and tests run over plain HTTP


def test_production_cookies_are_secure(make_config, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from peernotes import create_app

    app = create_app(make_config(database_url, env="production", secret_key="p" * 40))
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    set_cookie = page.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-peernotes=")
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie
    assert "Strict-Transport-Security" in page.headers
    get_database(app).engine.dispose()


def test_must_change_password_first(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    post_form(
        admin,
        "/admin/accounts",
        {
            "display_name": "Ngaio Parata",
            "email": "ngaio@peernotes.example",
            "role": "consumer_peer_worker",
            "password": "given by the coordinator",
        },
    )
    newcomer = app.test_client()
    assert sign_in(newcomer, "ngaio@peernotes.example", "given by the coordinator").status_code == 302
    first = newcomer.get("/")
    assert first.status_code == 302 and first.headers["Location"] == "/account/password"
    post_form(
        newcomer,
        "/account/password",
        {
            "current_password": "given by the coordinator",
            "new_password": "only ngaio knows this",
            "confirm_password": "only ngaio knows this",
        },
    )
    assert newcomer.get("/").status_code == 200


# Throttling --------------------------------------------------------------------------------


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"login_attempts_per_account": 3, "login_attempts_per_address": 8}


def _fail_sign_in(client: FlaskClient, email: str) -> int:
    return sign_in(client, email, "definitely wrong password").status_code


def test_too_many_failures_for_one_account_get_429_with_retry_after(app: Flask) -> None:
    client = app.test_client()
    assert [_fail_sign_in(client, demo_email("alex")) for _ in range(3)] == [200, 200, 200]
    blocked = sign_in(client, demo_email("alex"))  # even the right password waits now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another person at the same address is unaffected.
    assert sign_in(app.test_client(), demo_email("jordan")).status_code == 302


def test_unknown_emails_are_throttled_like_real_ones(app: Flask) -> None:
    client = app.test_client()
    codes = [_fail_sign_in(client, "nobody@peernotes.example") for _ in range(4)]
    real = app.test_client()
    real_codes = [_fail_sign_in(real, demo_email("maya")) for _ in range(4)]
    assert codes == real_codes == [200, 200, 200, 429]


def test_one_address_is_throttled_across_accounts(app: Flask) -> None:
    client = app.test_client()
    emails = [f"guess{i}@peernotes.example" for i in range(8)]
    assert all(_fail_sign_in(client, e) == 200 for e in emails)
    assert _fail_sign_in(client, "guess9@peernotes.example") == 429


def test_successful_sign_ins_are_not_counted(app: Flask) -> None:
    for _ in range(5):
        client = app.test_client()
        assert sign_in(client, demo_email("alex")).status_code == 302


def test_throttling_works_with_redis_storage_shared_by_processes(
    make_config, database_url: str  # type: ignore[no-untyped-def]
) -> None:
    """With several gunicorn workers the counters live in Redis; two apps share them."""
    from peernotes import create_app
    from peernotes.auth.throttle import limiter

    redis_uri = "redis://127.0.0.1:6379/15"
    first = create_app(make_config(database_url, ratelimit_storage_uri=redis_uri,
                                   login_attempts_per_account=3))
    with first.app_context():
        limiter.reset()  # a dedicated Redis database: start from zero
    email = f"shared-{os.getpid()}@peernotes.example"
    assert [_fail_sign_in(first.test_client(), email) for _ in range(2)] == [200, 200]
    second = create_app(make_config(database_url, ratelimit_storage_uri=redis_uri,
                                    login_attempts_per_account=3))
    assert _fail_sign_in(second.test_client(), email) == 200
    assert _fail_sign_in(second.test_client(), email) == 429  # counted across both apps
    with second.app_context():
        limiter.reset()
    for app in (first, second):
        get_database(app).engine.dispose()
