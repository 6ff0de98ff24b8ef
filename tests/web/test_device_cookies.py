"""Device cookies (OWASP): a browser that has signed in to an account before keeps signing in
to it when its shared address, or the account, is locked out by someone else's failures; it
has its own lockout instead. Every other attempt stays under both limits.

Test clients all come from one address (127.0.0.1), like the people at one clinic.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.auth.device_cookies import COOKIE_NAME, SECURE_COOKIE_NAME
from peernotes.db import get_database
from peernotes.demo.loader import DEMO_PASSWORD
from tests.helpers import csrf_token, demo_email, sign_in


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {
        "login_attempts_per_account": 3,
        "login_attempts_per_address": 8,
        "login_attempts_per_device": 3,
    }


WRONG = "definitely wrong password"


def _device_cookie(app: Flask, key: str) -> str:
    """The device cookie a browser is given when `key` signs in on it."""
    browser = app.test_client()
    assert sign_in(browser, demo_email(key)).status_code == 302
    cookie = browser.get_cookie(COOKIE_NAME)
    assert cookie is not None
    return cookie.value


def _device(app: Flask, cookie: str) -> FlaskClient:
    """A signed-out browser holding `cookie` (the person signed out, or the session ended)."""
    browser = app.test_client()
    browser.set_cookie(COOKIE_NAME, cookie)
    return browser


def _lock_out_the_address(app: Flask) -> None:
    """Someone at the shared address fails 8 times, on made-up accounts."""
    guesser = app.test_client()
    codes = [sign_in(guesser, f"guess{i}@peernotes.example", WRONG).status_code for i in range(8)]
    assert codes == [200] * 8
    assert sign_in(guesser, "guess9@peernotes.example", WRONG).status_code == 429


def test_a_trusted_device_still_signs_in_when_its_address_is_locked_out(app: Flask) -> None:
    cookie = _device_cookie(app, "alex")
    _lock_out_the_address(app)

    # A new device at the address is held back, even with the right password...
    assert sign_in(app.test_client(), demo_email("jordan")).status_code == 429
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 429
    # ...but Alex's own browser, which has signed in before, is not.
    trusted = _device(app, cookie)
    assert sign_in(trusted, demo_email("alex")).status_code == 302
    assert trusted.get("/").status_code == 200


def test_a_forged_or_tampered_cookie_gives_no_exemption(app: Flask) -> None:
    cookie = _device_cookie(app, "alex")
    _lock_out_the_address(app)
    payload, signature = cookie.rsplit(".", 1)
    tampered = [
        payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:],
        payload[:-2] + ("xx" if not payload.endswith("xx") else "yy") + "." + signature,
        "garbage",
        "",
    ]
    for value in tampered:
        assert sign_in(_device(app, value), demo_email("alex")).status_code == 429, value


def test_a_cookie_signed_under_another_secret_gives_no_exemption(
    app: Flask,
    make_config,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    from peernotes import create_app

    other = create_app(make_config(database_url, secret_key="another-secret-" + "x" * 30))
    foreign = _device_cookie(other, "alex")
    get_database(other).engine.dispose()
    _lock_out_the_address(app)
    assert sign_in(_device(app, foreign), demo_email("alex")).status_code == 429


def test_a_cookie_for_another_account_gives_no_exemption(app: Flask) -> None:
    jordans = _device_cookie(app, "jordan")
    _lock_out_the_address(app)
    assert sign_in(_device(app, jordans), demo_email("alex")).status_code == 429
    assert sign_in(_device(app, jordans), demo_email("jordan")).status_code == 302


def test_one_browser_is_trusted_for_each_account_that_signed_in_on_it(app: Flask) -> None:
    """A shared clinic computer: both people who signed in on it stay trusted."""
    shared = app.test_client()
    for key in ("alex", "jordan"):
        assert sign_in(shared, demo_email(key)).status_code == 302
        shared.set_cookie(app.config["SESSION_COOKIE_NAME"], "", expires=0)  # signed out
    cookie = shared.get_cookie(COOKIE_NAME)
    assert cookie is not None
    _lock_out_the_address(app)
    for key in ("alex", "jordan"):
        assert sign_in(_device(app, cookie.value), demo_email(key)).status_code == 302


def test_the_device_cookie_has_its_own_lockout(app: Flask) -> None:
    cookie = _device_cookie(app, "alex")
    trusted = _device(app, cookie)
    codes = [sign_in(trusted, demo_email("alex"), WRONG).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    # That cookie is locked out now: even the right password waits, with a Retry-After.
    blocked = sign_in(trusted, demo_email("alex"))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert sign_in(_device(app, cookie), demo_email("alex")).status_code == 429
    # Its failures were its own: neither the account's nor the address's budget was spent,
    # so Alex on another browser, and others at the address, still sign in.
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 302
    assert sign_in(app.test_client(), demo_email("jordan")).status_code == 302


def test_the_per_account_limit_still_holds_for_untrusted_devices(app: Flask) -> None:
    cookie = _device_cookie(app, "alex")
    stranger = app.test_client()
    codes = [sign_in(stranger, demo_email("alex"), WRONG).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert sign_in(stranger, demo_email("alex")).status_code == 429
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 429
    # The guesser cannot lock Alex out of the browser she has used before.
    assert sign_in(_device(app, cookie), demo_email("alex")).status_code == 302


def test_the_cookie_is_httponly_lax_long_lived_and_names_no_one(app: Flask) -> None:
    browser = app.test_client()
    response = sign_in(browser, demo_email("alex"))
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE_NAME + "=")
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Max-Age=15552000" in header  # 180 days
    assert "Secure" not in header  # tests run over plain HTTP
    cookie = browser.get_cookie(COOKIE_NAME)
    assert cookie is not None
    import base64

    payload = cookie.value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"alex" not in decoded.lower() and b"@" not in decoded
    # A failed sign-in sets no device cookie.
    failed = sign_in(app.test_client(), demo_email("alex"), WRONG)
    assert not any(h.startswith(COOKIE_NAME) for h in failed.headers.getlist("Set-Cookie"))


def test_over_https_the_cookie_is_secure_and_host_only(make_config, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from peernotes import create_app

    app = create_app(make_config(database_url, env="production", secret_key="p" * 40))
    browser = app.test_client()
    page = browser.get("/login", base_url="https://localhost")
    response = browser.post(
        "/login",
        data={
            "email": demo_email("alex"),
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # CSRF checks it over HTTPS
    )
    get_database(app).engine.dispose()
    assert response.status_code == 302
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(SECURE_COOKIE_NAME + "=")
    )
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
