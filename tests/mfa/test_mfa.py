"""Two-step sign-in: enrolment, the code step, replays, drift, recovery codes, the enrolment
gate for required roles, emergency access's fresh code, and a coordinator's reset."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from peernotes.audit.writer import By
from peernotes.auth.accounts import create_user, find_by_email
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import DEMO_PASSWORD, demo_totp_secret
from peernotes.mfa import service as mfa
from peernotes.signin.views import SIGN_IN_FAILED
from tests.helpers import (
    count_rows,
    csrf_token,
    demo_email,
    last_entry,
    post_form,
    query,
    sign_in,
    totp_code,
    unused_code,
    user_id,
)

SECRET_RE = re.compile(r'id="mfa-secret">([A-Z2-7]+)<')
CODES_RE = re.compile(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")


@contextmanager
def _db(app: Flask) -> Iterator[Session]:
    with app.app_context(), get_database(app).session() as db:
        yield db
        db.commit()


def _password_step(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> TestResponse:
    return post_form(client, "/login", {"email": email, "password": password})


def _code_step(client: FlaskClient, code: str) -> TestResponse:
    page = client.get("/login/code")
    assert page.status_code == 200, "not at the code step"
    return client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))}
    )


def _alert(response: TestResponse) -> str:
    match = re.search(r'role="alert"[^>]*>\s*<p>(.*?)</p>', response.get_data(as_text=True))
    assert match, "no alert on the page"
    return match.group(1)


def _enrol_by_page(client: FlaskClient) -> tuple[str, list[str]]:
    """Enrol the signed-in person through the pages; return the secret and recovery codes."""
    page = client.get("/account/mfa/enrol").get_data(as_text=True)
    secret = SECRET_RE.search(page)
    assert secret, page
    response = client.post(
        "/account/mfa/enrol",
        data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200
    codes = CODES_RE.findall(response.get_data(as_text=True))
    return secret.group(1), codes


def _sign_out(client: FlaskClient) -> None:
    post_form(client, "/logout", {}, form_page="/")


# Enrolment ---------------------------------------------------------------------------------


def test_enrolment_draws_the_qr_code_here_and_seals_the_secret(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    assert sign_in(client, demo_email("alex")).status_code == 302  # optional for consumers

    def no_network(*_args: object) -> None:
        raise AssertionError("the enrolment page reached the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    page = client.get("/account/mfa/enrol").get_data(as_text=True)
    monkeypatch.undo()
    qr = re.search(r'<figure class="qr" id="mfa-qr">(.*?)</figure>', page, re.S)
    assert qr and qr.group(1).lstrip().startswith("<svg") and "<path" in qr.group(1)
    assert "<img" not in page and "otpauth://" not in page  # no image service, no URI leak
    secret = SECRET_RE.search(page)
    assert secret
    # A reload shows the same secret (the enrolment is kept until confirmed).
    assert secret.group(1) in client.get("/account/mfa/enrol").get_data(as_text=True)

    ((waiting, sealed),) = query(  # type: ignore[misc]
        app,
        "SELECT id, secret_sealed FROM mfa_enrolments WHERE user_id = :u",
        {"u": user_id(app, "alex")},
    )
    assert secret.group(1).encode() not in bytes(sealed)  # type: ignore[arg-type]
    with _db(app) as db:
        enrolment = mfa._pending(db, user_id(app, "alex"), int(waiting))  # type: ignore[arg-type]
        assert enrolment is not None and mfa.secret_of(db, enrolment) == secret.group(1)

    response = client.post(
        "/account/mfa/enrol",
        data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": csrf_token(page)},
    )
    codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(codes) == mfa.RECOVERY_CODE_COUNT == len(set(codes))
    assert last_entry(app, "mfa:enrol")[4:] == ("allowed", "self")
    assert "Two-step sign-in is on" in client.get("/account/mfa").get_data(as_text=True)


def test_a_wrong_first_code_does_not_enrol(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("alex"))
    page = client.get("/account/mfa/enrol").get_data(as_text=True)
    response = client.post(
        "/account/mfa/enrol", data={"code": "000000", "csrf_token": csrf_token(page)}
    )
    assert "That code isn&#39;t right" in response.get_data(as_text=True)
    assert (
        count_rows(
            app,
            "mfa_enrolments",
            "confirmed_at IS NOT NULL AND user_id = :u",
            {"u": user_id(app, "alex")},
        )
        == 0
    )
    assert last_entry(app, "mfa:enrol")[4:] == ("denied", "wrong_code")


# Signing in with a code ----------------------------------------------------------------------


def test_sign_in_needs_the_code_after_the_password(app: Flask) -> None:
    client = app.test_client()
    response = _password_step(client, demo_email("dr.chen"))
    assert response.headers["Location"].startswith("/login/code")
    # Half-way is not signed in.
    assert client.get("/").status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")
    response = _code_step(client, totp_code(app, demo_email("dr.chen")))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert last_entry(app, "mfa:code_accepted")[0] == user_id(app, "dr.chen")


def test_a_wrong_code_reads_exactly_like_a_wrong_password(app: Flask) -> None:
    wrong_password = _password_step(app.test_client(), demo_email("dr.chen"), "not the password")
    client = app.test_client()
    _password_step(client, demo_email("dr.chen"))
    right = totp_code(app, demo_email("dr.chen"))
    wrong_code = _code_step(client, "123456" if right != "123456" else "654321")
    assert wrong_code.status_code == wrong_password.status_code == 200
    assert _alert(wrong_code) == _alert(wrong_password) == SIGN_IN_FAILED.replace("'", "&#39;")
    assert client.get("/").status_code == 302  # not signed in
    # Back at the password step: the code step is over.
    assert client.get("/login/code").status_code == 302
    assert last_entry(app, "mfa:code_refused")[4:] == ("denied", "wrong_code")


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"login_attempts_per_account": 3}


def test_wrong_codes_count_against_the_sign_in_limit(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):
        assert _password_step(client, demo_email("dr.chen")).status_code == 302
        assert _code_step(client, "999999x").status_code == 200
    # The right password is now held back too: the wrong codes used up the account's tries.
    assert _password_step(client, demo_email("dr.chen")).status_code == 429
    assert last_entry(app, "auth:login_throttled")[4:] == ("denied", "throttled")


def test_a_replayed_code_is_refused_and_logged(app: Flask) -> None:
    first = app.test_client()
    _password_step(first, demo_email("dr.chen"))
    code = totp_code(app, demo_email("dr.chen"))
    assert _code_step(first, code).status_code == 302
    again = app.test_client()
    _password_step(again, demo_email("dr.chen"))
    refused = _code_step(again, code)
    assert refused.status_code == 200 and _alert(refused) == SIGN_IN_FAILED.replace("'", "&#39;")
    assert again.get("/").status_code == 302
    assert last_entry(app, "mfa:code_replayed")[0::4] == (user_id(app, "dr.chen"), "denied")
    assert last_entry(app, "mfa:code_replayed")[5] == "replayed_code"


def _by(user: User) -> By[Role]:
    return By(user.id, user.role, "test")


def test_the_drift_window_is_one_step_and_an_earlier_step_is_a_replay(app: Flask) -> None:
    now = utcnow()
    totp = pyotp.TOTP(demo_totp_secret(demo_email("dr.walsh")))
    step = timedelta(seconds=mfa.INTERVAL)
    with _db(app) as db:
        walsh = find_by_email(db, demo_email("dr.walsh"))
        assert walsh is not None
        # Enrolled afresh: the demo used a code of Dr Walsh's moments ago, maybe.
        mfa.enrol_with_secret(db, _by(walsh), walsh, demo_totp_secret(walsh.email))

        def check(at: timedelta) -> mfa.CodeResult:
            assert walsh is not None
            return mfa.check_code(db, _by(walsh), walsh, totp.at(now + at), now=now)

        assert check(-2 * step) is mfa.CodeResult.WRONG
        assert check(2 * step) is mfa.CodeResult.WRONG
        assert check(-step) is mfa.CodeResult.ACCEPTED
        assert check(step) is mfa.CodeResult.ACCEPTED
        # The step in between is earlier than one already accepted: a replay.
        assert check(timedelta(0)) is mfa.CodeResult.REPLAYED
        assert check(step) is mfa.CodeResult.REPLAYED


# Recovery codes ------------------------------------------------------------------------------


def test_recovery_codes_are_hashed_and_work_once(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("jordan"))
    _, codes = _enrol_by_page(client)
    hashes = [str(h) for (h,) in query(app, "SELECT code_hash FROM mfa_recovery_codes")]
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in hashes)
    _sign_out(client)

    _password_step(client, demo_email("jordan"))
    used = _code_step(client, codes[0].upper())  # typed any which way
    assert used.status_code == 302
    assert "9 left" in client.get("/").get_data(as_text=True)
    assert last_entry(app, "mfa:recovery_used")[4:] == ("allowed", "recovery_code")
    _sign_out(client)
    _password_step(client, demo_email("jordan"))
    assert _code_step(client, codes[0]).status_code == 200  # once only


def test_new_recovery_codes_replace_the_old_ones(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("jordan"))
    secret, old = _enrol_by_page(client)
    # Not without a fresh code from the app: a signed-in browser alone (or a recovery code)
    # must not mint a lasting second step.
    for typed in ("", "000000", old[0]):
        refused = post_form(
            client, "/account/mfa/recovery-codes", {"code": typed}, form_page="/account/mfa"
        )
        assert refused.status_code == 302 and refused.headers["Location"] == "/account/mfa"
    assert count_rows(app, "mfa_recovery_codes", "retired_at IS NULL AND used_at IS NULL") == 10
    fresh = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=mfa.INTERVAL))
    response = post_form(
        client, "/account/mfa/recovery-codes", {"code": fresh}, form_page="/account/mfa"
    )
    new = CODES_RE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert last_entry(app, "mfa:recovery_regenerate")[4] == "allowed"
    _sign_out(client)
    _password_step(client, demo_email("jordan"))
    assert _code_step(client, old[1]).status_code == 200
    _password_step(client, demo_email("jordan"))
    assert _code_step(client, new[1]).status_code == 302


def test_an_optional_user_can_switch_it_off_but_a_clinician_cannot(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("jordan"))
    secret, _ = _enrol_by_page(client)
    jordan_id, chen_id = user_id(app, "jordan"), user_id(app, "dr.chen")
    with _db(app) as db:
        jordan = db.get_one(User, jordan_id)
        code = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=mfa.INTERVAL))
        mfa.disable(db, _by(jordan), jordan, code)
        assert not mfa.is_enrolled(db, jordan.id)
        chen = db.get_one(User, chen_id)
        with pytest.raises(mfa.MfaError, match="stays on"):
            mfa.disable(db, _by(chen), chen, "000000")
    assert last_entry(app, "mfa:disable")[4] == "allowed"


# The enrolment gate --------------------------------------------------------------------------


def _new_clinician(app: Flask) -> str:
    with _db(app) as db:
        user = create_user(
            db,
            email="new.clinician@peernotes.example",
            display_name="New Clinician",
            role=Role.CLINICIAN,
            password="a long first password",
            by=By(None, None, "test"),
        )
        return user.email


def _get_routes(app: Flask) -> list[str]:
    from peernotes.web.routes import PUBLIC_ENDPOINTS

    paths = []
    for rule in app.url_map.iter_rules():
        # The APIs answer apps, not browsers: their token of such a person is refused
        # (tests/api/test_tokens.py).
        if rule.rule.startswith(("/api/", "/fhir")):
            continue
        if "GET" in (rule.methods or set()) and not rule.arguments:
            if rule.endpoint not in PUBLIC_ENDPOINTS and rule.endpoint != "mfa.enrol":
                paths.append(rule.rule)
    return paths


def test_a_required_role_reaches_no_page_before_enrolling(app: Flask) -> None:
    email = _new_clinician(app)
    client = app.test_client()
    response = _password_step(client, email, "a long first password")
    assert response.status_code == 302  # signed in with the password alone, but…
    paths = _get_routes(app)
    assert "/" in paths and "/emergency" in paths and "/account/password" in paths
    for path in paths:
        gated = client.get(path)
        assert gated.status_code == 302, path
        assert gated.headers["Location"] == "/account/mfa/enrol", path
    assert "Your role needs two-step sign-in" in client.get("/account/mfa/enrol").get_data(
        as_text=True
    )
    _enrol_by_page(client)
    assert client.get("/").status_code == 200
    assert client.get("/emergency").status_code == 200


# Emergency access ----------------------------------------------------------------------------


def test_emergency_access_needs_a_fresh_code(app: Flask) -> None:
    client = app.test_client()
    _password_step(client, demo_email("dr.walsh"))
    sign_in_code = totp_code(app, demo_email("dr.walsh"))
    assert _code_step(client, sign_in_code).status_code == 302
    jordan = user_id(app, "jordan")  # not in Dr Walsh's care
    form = {
        "subject": str(jordan),
        "reason": "Jordan is in the emergency department and I need the crisis plan.",
        "password": DEMO_PASSWORD,
    }
    before = count_rows(app, "emergency_accesses")

    replayed = post_form(client, "/emergency", {**form, "code": sign_in_code})
    assert "already used" in replayed.get_data(as_text=True)
    assert last_entry(app, "emergency:start")[4:] == ("denied", "replayed_code")
    assert last_entry(app, "mfa:code_replayed")[0] == user_id(app, "dr.walsh")

    wrong = post_form(client, "/emergency", {**form, "code": "12345"})
    assert "isn&#39;t right" in wrong.get_data(as_text=True)
    assert last_entry(app, "emergency:start")[4:] == ("denied", "wrong_code")
    assert count_rows(app, "emergency_accesses") == before

    fresh = post_form(
        client, "/emergency", {**form, "code": totp_code(app, demo_email("dr.walsh"))}
    )
    assert fresh.status_code == 302
    assert count_rows(app, "emergency_accesses") == before + 1


def test_a_recovery_code_does_not_break_the_glass(app: Flask) -> None:
    walsh_id = user_id(app, "dr.walsh")
    with _db(app) as db:
        walsh = db.get_one(User, walsh_id)
        codes = mfa.regenerate_recovery_codes(db, _by(walsh), walsh, unused_code(db, walsh_id))
        assert mfa.check_code(db, _by(walsh), walsh, codes[0], allow_recovery=False) is (
            mfa.CodeResult.WRONG
        )


# A coordinator's reset -----------------------------------------------------------------------


def test_a_coordinator_resets_a_lost_phone(app: Flask) -> None:
    chen = app.test_client()
    assert sign_in(chen, demo_email("dr.chen")).status_code == 302
    admin = app.test_client()
    assert sign_in(admin, demo_email("admin")).status_code == 302
    chen_id = user_id(app, "dr.chen")

    # Not for anyone else to do.
    refused = post_form(
        chen, f"/admin/accounts/{user_id(app, 'alex')}/mfa-reset", {}, form_page="/"
    )
    assert refused.status_code == 403

    # The button is offered only where there is something to reset.
    listed = admin.get("/admin/accounts").get_data(as_text=True)
    assert "Reset two-step sign-in for Dr Mei Chen" in listed
    assert "Reset two-step sign-in for Alex Nguyen" not in listed

    done = post_form(admin, f"/admin/accounts/{chen_id}/mfa-reset", {}, form_page="/admin/accounts")
    assert done.status_code == 302
    after = admin.get("/admin/accounts").get_data(as_text=True)
    assert "two-step sign-in is reset" in after
    assert "Reset two-step sign-in for Dr Mei Chen" not in after
    assert last_entry(app, "admin:mfa_reset")[:1] == (user_id(app, "admin"),)
    assert last_entry(app, "admin:mfa_reset")[2:5] == ("user", str(chen_id), "allowed")
    assert (
        count_rows(app, "mfa_enrolments", "user_id = :u AND ended_reason = 'reset'", {"u": chen_id})
        == 1
    )
    # Signed out everywhere; at the next sign-in, the password leads to setting up anew.
    assert chen.get("/").status_code == 302
    again = app.test_client()
    assert _password_step(again, demo_email("dr.chen")).headers["Location"] == "/"
    assert again.get("/").headers["Location"] == "/account/mfa/enrol"
    # Nothing to reset twice.
    post_form(admin, f"/admin/accounts/{chen_id}/mfa-reset", {}, form_page="/admin/accounts")
    assert "has no authenticator app set up" in admin.get("/admin/accounts").get_data(as_text=True)


def test_a_second_browser_signed_in_before_enrolling_must_sign_in_again(app: Flask) -> None:
    email = _new_clinician(app)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        _password_step(client, email, "a long first password")
    _enrol_by_page(first)
    assert first.get("/").status_code == 200
    # The other browser had only the password: it is not let in by the enrolment.
    bounced = second.get("/")
    assert bounced.headers["Location"] == "/account/mfa/enrol"
    assert second.get("/account/mfa/enrol").headers["Location"] == "/login"
    assert second.get("/").headers["Location"].startswith("/login")


def test_a_waiting_secret_is_never_shown_to_another_browser(app: Flask) -> None:
    """Someone who has only the password opens the set-up page too: they get a secret of
    their own, which ends the person's; the person's confirmation then fails, and the secret
    the person finally confirms is one the other browser never saw."""
    email = _new_clinician(app)
    person, intruder = app.test_client(), app.test_client()
    for client in (person, intruder):
        assert _password_step(client, email, "a long first password").status_code == 302

    def secret_on(client: FlaskClient) -> tuple[str, str]:
        page = client.get("/account/mfa/enrol").get_data(as_text=True)
        found = SECRET_RE.search(page)
        assert found, page
        return found.group(1), page

    first, _ = secret_on(person)
    again, page = secret_on(person)
    assert again == first  # a reload in the same browser keeps what was scanned
    seen, _ = secret_on(intruder)
    assert seen != first
    refused = person.post(
        "/account/mfa/enrol", data={"code": pyotp.TOTP(first).now(), "csrf_token": csrf_token(page)}
    )
    assert "Start again" in refused.get_data(as_text=True)
    secret, codes = _enrol_by_page(person)
    assert secret not in (first, seen) and len(codes) == 10
    # The intruder's browser, signed in with the password alone, is sent to sign in again
    # (with a code it does not have); the person is enrolled with their own secret.
    assert intruder.get("/account/mfa/enrol").headers["Location"] == "/login"
    with _db(app) as db:
        user = find_by_email(db, email)
        assert user is not None
        enrolment = mfa.current(db, user.id)
        assert enrolment is not None and mfa.secret_of(db, enrolment) == secret


def test_the_settings_page_gives_each_code_box_its_own_label(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("jordan"))
    _enrol_by_page(client)
    page = client.get("/account/mfa").get_data(as_text=True)
    ids = re.findall(r'<input[^>]*name="code"[^>]*>', page)
    found = [re.search(r'id="([^"]+)"', box).group(1) for box in ids]  # type: ignore[union-attr]
    assert sorted(found) == ["disable-code", "regenerate-code"]
    for box in found:
        assert f'for="{box}"' in page
