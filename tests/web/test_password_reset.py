"""Password reset links: a coordinator issues one, the person uses it once, and then:
expiry, hashing at rest, other sessions ended, throttling, the log, and refusals.

Everything goes through the real pages with their real CSRF tokens.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import Config, ConfigError, init_dev_secrets
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import DEMO_PASSWORD
from peernotes.models import Base
from tests.helpers import count_rows, demo_email, post_form, query, sign_in, user_id

NEW_PASSWORD = "a kettle of quiet mornings"
LINK_RE = re.compile(r"(?:https?://[^/\"\s]+)?/password/reset/([A-Za-z0-9_-]+)")
UNUSABLE = "This link doesn&#39;t work any more"


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _issue(admin: FlaskClient, person_id: int) -> str:
    """Issue a link from the accounts page, as a coordinator does; return its token."""
    response = post_form(
        admin, f"/admin/accounts/{person_id}/reset", {}, form_page="/admin/accounts"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    found = LINK_RE.findall(response.get_data(as_text=True))
    assert len(set(found)) == 1, found
    return found[0]


def _use(client: FlaskClient, token: str, password: str = NEW_PASSWORD, again: str | None = None):  # type: ignore[no-untyped-def]
    """Post the reset form (its CSRF token from the sign-in page: a used link shows no form)."""
    return post_form(
        client,
        f"/password/reset/{token}",
        {"new_password": password, "confirm_password": password if again is None else again},
        form_page="/login",
    )


def _audit(app: Flask, action: str) -> list[tuple[object, ...]]:
    return query(
        app,
        "SELECT actor_id, target_id, outcome, basis FROM audit_log WHERE action = :a ORDER BY seq",
        {"a": action},
    )


def _every_value_in_the_database(app: Flask) -> list[str]:
    """Every value of every column of every table, as text."""
    values: list[str] = []
    with app.app_context(), get_database(app).session() as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(select(table)):
                values += [
                    v.hex() if isinstance(v, bytes) else str(v) for v in row if v is not None
                ]
    return values


# Configuration -----------------------------------------------------------------------------------


def test_link_lifetimes_and_limits_come_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    init_dev_secrets(tmp_path)
    defaults = Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path)})
    assert (defaults.reset_link_minutes, defaults.reset_email_link_minutes) == (1440, 60)
    config = Config.from_env(
        {
            "PEERNOTES_INSTANCE_PATH": str(tmp_path),
            "PEERNOTES_RESET_LINK_MINUTES": "120",
            "PEERNOTES_RESET_EMAIL_LINK_MINUTES": "15",
            "PEERNOTES_RESET_ISSUES_PER_COORDINATOR": "4",
            "PEERNOTES_RESET_REQUESTS_PER_ACCOUNT": "2",
            "PEERNOTES_RESET_REQUESTS_PER_ADDRESS": "7",
            "PEERNOTES_RESET_ATTEMPTS_PER_ADDRESS": "9",
        }
    )
    assert (config.reset_link_minutes, config.reset_email_link_minutes) == (120, 15)
    assert (
        config.reset_issues_per_coordinator,
        config.reset_requests_per_account,
        config.reset_requests_per_address,
        config.reset_attempts_per_address,
    ) == (4, 2, 7, 9)
    for name, value in [
        ("PEERNOTES_RESET_LINK_MINUTES", "10081"),  # a week at most
        ("PEERNOTES_RESET_EMAIL_LINK_MINUTES", "0"),
        ("PEERNOTES_RESET_ATTEMPTS_PER_ADDRESS", "many"),
    ]:
        with pytest.raises(ConfigError, match=name):
            Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path), name: value})


# The coordinator's link ------------------------------------------------------------------------


def test_a_coordinator_issues_a_link_shown_once_that_works_once(app: Flask) -> None:
    admin = _client(app, "admin")
    alex = user_id(app, "alex")
    accounts = admin.get("/admin/accounts").get_data(as_text=True)
    assert f"/admin/accounts/{alex}/reset" in accounts
    token = _issue(admin, alex)
    assert len(token) >= 43  # 32 random bytes

    # Shown once: neither the accounts page nor any later page carries it again.
    assert token not in admin.get("/admin/accounts").get_data(as_text=True)
    assert token not in admin.get("/").get_data(as_text=True)

    visitor = app.test_client()
    page = visitor.get(f"/password/reset/{token}")
    assert page.status_code == 200
    assert demo_email("alex") in page.get_data(as_text=True)
    response = _use(visitor, token)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    # Nobody is signed in by the link: the person signs in with the new password.
    assert visitor.get("/").status_code == 302
    assert "Your new password is set" in visitor.get("/login").get_data(as_text=True)
    assert sign_in(app.test_client(), demo_email("alex"), NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), demo_email("alex"), DEMO_PASSWORD).status_code == 200

    # Only once: the page and the form both refuse the used link, in the same words.
    again = app.test_client()
    refused = again.get(f"/password/reset/{token}")
    assert refused.status_code == 404
    assert UNUSABLE in refused.get_data(as_text=True)
    second = _use(app.test_client(), token, "someone else's passphrase")
    assert second.status_code == 404
    assert UNUSABLE in second.get_data(as_text=True)
    assert sign_in(app.test_client(), demo_email("alex"), NEW_PASSWORD).status_code == 302

    issued, used = _audit(app, "auth:reset_issue"), _audit(app, "auth:reset_use")
    assert issued == [(user_id(app, "admin"), str(alex), "allowed", "role:admin")]
    assert (alex, str(alex), "allowed", "reset_link") in used
    assert (None, str(alex), "denied", "reset_used") in used


def test_the_reset_page_for_a_used_link_is_refused_before_the_form(app: Flask) -> None:
    """A used link's form, posted again with a token from when it still worked, changes
    nothing (the CSRF token was valid; the link is not)."""
    admin = _client(app, "admin")
    token = _issue(admin, user_id(app, "jordan"))
    holder = app.test_client()
    page = holder.get(f"/password/reset/{token}").get_data(as_text=True)
    assert _use(app.test_client(), token).status_code == 302
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf is not None
    late = holder.post(
        f"/password/reset/{token}",
        data={
            "csrf_token": csrf.group(1),
            "new_password": "the attacker's passphrase",
            "confirm_password": "the attacker's passphrase",
        },
    )
    assert late.status_code == 404
    assert sign_in(app.test_client(), demo_email("jordan"), NEW_PASSWORD).status_code == 302


def test_a_new_link_ends_the_earlier_unused_one(app: Flask) -> None:
    admin = _client(app, "admin")
    maya = user_id(app, "maya")
    first = _issue(admin, maya)
    second = _issue(admin, maya)
    assert first != second
    assert app.test_client().get(f"/password/reset/{first}").status_code == 404
    assert _use(app.test_client(), second).status_code == 302
    assert (None, str(maya), "denied", "reset_superseded") in _audit(app, "auth:reset_use")


def test_expired_unknown_and_used_links_read_the_same(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = _client(app, "admin")
    tui = user_id(app, "tui")
    token = _issue(admin, tui)
    valid = app.test_client().get(f"/password/reset/{token}")
    assert valid.status_code == 200

    # Move the clock past the configured lifetime (24 hours by default).
    later = utcnow() + timedelta(minutes=app.config["PEERNOTES"].reset_link_minutes, seconds=1)
    monkeypatch.setattr("peernotes.auth.resets.utcnow", lambda: later)
    expired = app.test_client().get(f"/password/reset/{token}")
    unknown = app.test_client().get("/password/reset/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404
    assert _main(expired) == _main(unknown)
    assert UNUSABLE in _main(expired)
    assert _use(app.test_client(), token).status_code == 404
    assert sign_in(app.test_client(), demo_email("tui")).status_code == 302  # unchanged
    reasons = {row[3] for row in _audit(app, "auth:reset_use")}
    assert {"reset_expired", "reset_unknown"} <= reasons

    # A minute before the end it still worked.
    monkeypatch.setattr("peernotes.auth.resets.utcnow", lambda: later - timedelta(minutes=1))
    assert app.test_client().get(f"/password/reset/{token}").status_code == 200


def _main(response) -> str:  # type: ignore[no-untyped-def]
    """The page's main content, without its CSRF token or request-specific parts."""
    text = response.get_data(as_text=True)
    return text[text.index("<main") : text.index("</main>")]


def test_the_token_is_stored_only_hashed_and_is_in_no_log(app: Flask) -> None:
    admin = _client(app, "admin")
    alex = user_id(app, "alex")
    token = _issue(admin, alex)
    app.test_client().get("/password/reset/not-a-real-token")
    _use(app.test_client(), token, "short", "short")  # refused by the policy, logged or not

    rows = query(app, "SELECT token_hash FROM password_resets WHERE user_id = :u", {"u": alex})
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(),)]
    values = _every_value_in_the_database(app)
    assert values, "the database was read"
    assert not [v for v in values if token in v], "the raw token is stored somewhere"
    # The audit log is among the tables searched; it does hold the issue itself.
    assert count_rows(app, "audit_log", "action = 'auth:reset_issue'") == 1


def test_request_log_lines_never_carry_the_token(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """The development server logs every request's path; the filter takes the token out."""
    token = "abcDEF123_-" * 4
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s', "127.0.0.1", "now", f"GET /password/reset/{token} HTTP/1.1", 200
        )
        app.logger.error("unhandled error on %s %s", "POST", f"/password/reset/{token}")
    # The server's own request line is dropped altogether once the JSON logs are set up
    # (`peernotes.ops.logs`), or redacted before; the app's line is always redacted.
    assert 1 <= len(caplog.records) <= 2
    assert any(r.name == app.logger.name for r in caplog.records)
    for record in caplog.records:
        assert token not in record.getMessage()
        assert "/password/reset/[redacted]" in record.getMessage()


# Without email -----------------------------------------------------------------------------------


def test_without_email_the_pages_send_people_to_their_coordinator(app: Flask) -> None:
    login = app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login
    assert "Your coordinator can give you a link" in login
    assert "email you" not in login
    page = app.test_client().get("/password/forgot")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Please ask your coordinator" in text
    assert 'name="email"' not in text
    # Posting anyway sends nothing, makes nothing and says the same.
    posted = post_form(
        app.test_client(), "/password/forgot", {"email": demo_email("alex")}, form_page="/login"
    )
    assert posted.status_code == 200
    assert "Please ask your coordinator" in posted.get_data(as_text=True)
    assert count_rows(app, "password_resets") == 0
    assert count_rows(app, "mail_outbox") == 0
    assert count_rows(app, "audit_log", "action = 'auth:reset_request'") == 0


# Sessions ----------------------------------------------------------------------------------------


def test_using_a_link_ends_every_session_of_that_person(app: Flask) -> None:
    phone, laptop = _client(app, "sam"), _client(app, "sam")
    bystander = _client(app, "tui")
    assert phone.get("/").status_code == laptop.get("/").status_code == 200
    token = _issue(_client(app, "admin"), user_id(app, "sam"))
    assert _use(app.test_client(), token).status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert bystander.get("/").status_code == 200  # nobody else is signed out
    revoked = query(
        app,
        "SELECT count(*) FROM login_sessions WHERE user_id = :u AND revoked_reason = 'password_reset'",
        {"u": user_id(app, "sam")},
    )
    assert revoked[0][0] >= 2


def test_a_password_chosen_with_a_link_needs_no_second_change(app: Flask) -> None:
    """A coordinator-set first password asks for a change at sign-in; a reset replaces it."""
    admin = _client(app, "admin")
    created = post_form(
        admin,
        "/admin/accounts",
        {
            "display_name": "Rin Okafor",
            "email": "rin@peernotes.example",
            "role": "consumer",
            "password": "a first password given by phone",
        },
    )
    assert created.status_code == 302
    rin = query(app, "SELECT id FROM users WHERE email = 'rin@peernotes.example'")[0][0]
    token = _issue(admin, int(rin))  # type: ignore[call-overload]
    assert _use(app.test_client(), token).status_code == 302
    client = app.test_client()
    assert sign_in(client, "rin@peernotes.example", NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_changing_ones_password_ends_unused_links(app: Flask) -> None:
    token = _issue(_client(app, "admin"), user_id(app, "helen"))
    helen = _client(app, "helen")
    changed = post_form(
        helen,
        "/account/password",
        {
            "current_password": DEMO_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


def test_deactivating_an_account_ends_its_links(app: Flask) -> None:
    admin = _client(app, "admin")
    robert = user_id(app, "robert")
    token = _issue(admin, robert)
    post_form(admin, f"/admin/accounts/{robert}/deactivate", {}, form_page="/admin/accounts")
    post_form(admin, f"/admin/accounts/{robert}/reactivate", {}, form_page="/admin/accounts")
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


# Bad input and refusals --------------------------------------------------------------------------


def test_a_weak_or_mismatched_password_changes_nothing(app: Flask) -> None:
    admin = _client(app, "admin")
    alex = user_id(app, "alex")
    signed_in = _client(app, "alex")
    token = _issue(admin, alex)
    before = query(app, "SELECT password_hash FROM users WHERE id = :u", {"u": alex})
    visitor = app.test_client()
    for password, again, expected in [
        ("short", "short", "at least 12 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "don&#39;t match"),
        (demo_email("alex"), demo_email("alex"), "can&#39;t be your email"),
        ("", "", "Choose a new password"),
    ]:
        response = _use(visitor, token, password, again)
        assert response.status_code == 200
        assert expected in response.get_data(as_text=True)
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert query(app, "SELECT password_hash FROM users WHERE id = :u", {"u": alex}) == before
    assert query(
        app, "SELECT used_at, superseded_at FROM password_resets WHERE user_id = :u", {"u": alex}
    ) == [(None, None)]
    assert signed_in.get("/").status_code == 200  # no session was ended
    assert _use(visitor, token).status_code == 302  # and the link still works


def test_a_post_without_its_csrf_token_changes_nothing(app: Flask) -> None:
    admin = _client(app, "admin")
    alex = user_id(app, "alex")
    assert admin.post(f"/admin/accounts/{alex}/reset").status_code == 400
    token = _issue(admin, alex)
    bare = app.test_client().post(
        f"/password/reset/{token}",
        data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert bare.status_code == 400
    assert count_rows(app, "password_resets") == 1
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 302


def test_a_coordinator_cannot_issue_for_themselves_or_a_deactivated_account(app: Flask) -> None:
    admin = _client(app, "admin")
    own = post_form(
        admin, f"/admin/accounts/{user_id(app, 'admin')}/reset", {}, form_page="/admin/accounts"
    )
    assert own.status_code == 302
    assert "Change password" in admin.get("/admin/accounts").get_data(as_text=True)
    robert = user_id(app, "robert")
    post_form(admin, f"/admin/accounts/{robert}/deactivate", {}, form_page="/admin/accounts")
    refused = post_form(admin, f"/admin/accounts/{robert}/reset", {}, form_page="/admin/accounts")
    assert refused.status_code == 302
    assert "Reactivate it first" in admin.get("/admin/accounts").get_data(as_text=True)
    missing = post_form(admin, "/admin/accounts/999999/reset", {}, form_page="/admin/accounts")
    assert missing.status_code == 404
    assert count_rows(app, "password_resets") == 0
    assert count_rows(app, "audit_log", "action = 'auth:reset_issue'") == 0


# Deny by default ---------------------------------------------------------------------------------

OTHERS = {
    Role.CONSUMER: "alex",
    Role.CARER: "linh",
    Role.CONSUMER_PEER_WORKER: "sam",
    Role.CARER_PEER_WORKER: "helen",
    Role.CLINICIAN: "dr.chen",
    Role.AUDITOR: "auditor",
}


@pytest.mark.parametrize("role", list(OTHERS), ids=lambda r: r.value)
def test_only_a_coordinator_may_issue_a_link(app: Flask, role: Role) -> None:
    client = _client(app, OTHERS[role])
    target = user_id(app, "jordan")
    response = post_form(client, f"/admin/accounts/{target}/reset", {}, form_page="/")
    assert response.status_code == 403
    assert count_rows(app, "password_resets") == 0
    denied = query(
        app,
        "SELECT count(*) FROM audit_log WHERE action = 'access:denied' AND target_id = :t",
        {"t": "admin.issue_reset_link"},
    )
    assert denied[0][0] == 1


def test_signed_out_visitors_cannot_issue_a_link(app: Flask) -> None:
    client = app.test_client()
    target = user_id(app, "jordan")
    response = post_form(client, f"/admin/accounts/{target}/reset", {}, form_page="/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get(f"/admin/accounts/{target}/reset").status_code == 405
    assert count_rows(app, "password_resets") == 0


# Throttling --------------------------------------------------------------------------------------


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"reset_issues_per_coordinator": 3, "reset_attempts_per_address": 4}


def test_a_coordinator_issuing_many_links_is_paused(app: Flask) -> None:
    admin = _client(app, "admin")
    alex = user_id(app, "alex")
    for _ in range(3):
        _issue(admin, alex)
    refused = post_form(admin, f"/admin/accounts/{alex}/reset", {}, form_page="/admin/accounts")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "You have issued many reset links" in text
    assert not LINK_RE.search(text)
    assert count_rows(app, "password_resets") == 3
    assert (user_id(app, "admin"), None, "denied", "throttled") in _audit(app, "auth:reset_issue")


def test_trying_many_unusable_links_is_paused(app: Flask) -> None:
    visitor = app.test_client()
    codes = [visitor.get(f"/password/reset/guess{i}").status_code for i in range(4)]
    assert codes == [404, 404, 404, 404]
    refused = visitor.get("/password/reset/guess-again")
    assert refused.status_code == 429
    assert "Too many reset links that don" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert (None, None, "denied", "throttled") in _audit(app, "auth:reset_use")
