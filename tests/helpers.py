"""Helpers for driving the app the way a browser does: real forms, real CSRF tokens."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from peernotes.demo.loader import DEMO_DOMAIN, DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, str], *, form_page: str | None = None
) -> TestResponse:
    """Load the page that holds the form, then submit it with its real CSRF token."""
    page = client.get(form_page or path)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> TestResponse:
    """Sign in as a person would, both steps: the password, then (for anyone with two-step
    sign-in) a code their authenticator would show now. Someone whose role requires it and
    who has not set it up is first enrolled through the MFA service with `demo_totp_secret`."""
    app = client.application
    enrol_if_required(app, email)
    response = post_form(client, "/login", {"email": email, "password": password})
    location = response.headers.get("Location", "")
    if response.status_code == 302 and urlsplit(location).path == "/login/code":
        response = client.post(
            location,
            data={
                "code": totp_code(app, email),
                "csrf_token": csrf_token(client.get(location).get_data(as_text=True)),
            },
        )
    return response


def enrol_if_required(app: Flask, email: str) -> None:
    """Enrol an existing account whose role requires two-step sign-in, if it has not."""
    from peernotes.audit.writer import By
    from peernotes.auth.accounts import find_by_email
    from peernotes.db import get_database
    from peernotes.demo.loader import demo_totp_secret
    from peernotes.mfa import service as mfa

    with app.app_context(), get_database(app).session() as db:
        user = find_by_email(db, email)
        if user is None or not mfa.required_for(user.role) or mfa.is_enrolled(db, user.id):
            return
        mfa.enrol_with_secret(db, By(None, None, "test-helper"), user, demo_totp_secret(email))
        db.commit()


def totp_code(app: Flask, email: str) -> str:
    """A code this person's authenticator shows, of a time step not used yet (a code is
    accepted once), read through a session of its own."""
    from peernotes.auth.accounts import find_by_email
    from peernotes.db import get_database

    with app.app_context(), get_database(app).session() as db:
        user = find_by_email(db, email)
        assert user is not None, email
        code = unused_code(db, user.id)
        db.commit()
    return code


def unused_code(db: Session, user_id: int) -> str:
    """`totp_code` inside an open session (the caller commits). A person signed in three times
    within half a minute has used every step the drift window allows: they are then enrolled
    anew with the same secret, through the service, rather than the test waiting for the next
    step."""
    import pyotp

    from peernotes.audit.writer import By
    from peernotes.auth.models import User
    from peernotes.mfa import service as mfa

    enrolment = mfa.current(db, user_id)
    assert enrolment is not None, f"user {user_id} has no authenticator"
    secret = mfa.secret_of(db, enrolment)
    now = int(time.time()) // mfa.INTERVAL
    # Now, or the next step (accepted by the drift window); never the previous step, which a
    # second boundary crossing before the server checks would push out of the window.
    usable = [s for s in (now, now + 1) if enrolment.last_step is None or s > enrolment.last_step]
    if not usable:
        user = db.get_one(User, user_id)
        mfa.enrol_with_secret(db, By(None, None, "test-helper"), user, secret)
        usable = [now]
    return pyotp.TOTP(secret, interval=mfa.INTERVAL).generate_otp(usable[0])


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def user_id(app: Flask, key: str) -> int:
    """The id of a demo person, looked up the way the app would."""
    from sqlalchemy import select

    from peernotes.auth.models import User
    from peernotes.db import get_database

    with app.app_context(), get_database(app).session() as session:
        found = session.scalar(select(User.id).where(User.email == demo_email(key)))
    assert found is not None, key
    return found


def without_csrf(body: bytes) -> bytes:
    """A page with its CSRF token blanked: tokens carry a timestamp, so two renderings of the
    same page a second apart differ there and nowhere else."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token" value=""', body)


# Reaching the app's database and signing people in, for tests that drive pages -------------


def app_database_url(app: Flask) -> str:
    """The app's database URL, password included, for reading rows behind its back."""
    from peernotes.db import get_database

    return get_database(app).engine.url.render_as_string(hide_password=False)


def query(
    app: Flask, sql: str, params: dict[str, object] | None = None
) -> list[tuple[object, ...]]:
    """Rows from the app's database through a connection of their own. Do not call it inside an
    open SQLite write transaction of the app's: it would wait for it."""
    from sqlalchemy import text

    from peernotes.db import make_engine

    engine = make_engine(app_database_url(app))
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(sql), params or {})]
    engine.dispose()
    return found


def count_rows(
    app: Flask, table: str, where: str = "1=1", params: dict[str, object] | None = None
) -> int:
    return int(query(app, f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0])  # type: ignore[call-overload]


def last_entry(app: Flask, action: str) -> tuple[object, ...]:
    """(actor, subject, target type, target id, outcome, basis) of the newest entry of `action`."""
    return query(
        app,
        "SELECT actor_id, subject_id, target_type, target_id, outcome, basis FROM audit_log "
        "WHERE action = :a ORDER BY seq DESC LIMIT 1",
        {"a": action},
    )[0]


def client_as(app: Flask, key: str) -> FlaskClient:
    """A test client signed in as the demo person `key`."""
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def post_with_token(
    client: FlaskClient, path: str, data: dict[str, str | list[str]]
) -> TestResponse:
    """Post as a browser would, with a CSRF token from the signed-in person's home page."""
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def grant_by_form(
    client: FlaskClient,
    grantee: str,
    categories: list[str],
    *,
    act: str = "read",
    purpose: str = "so they understand me",
    days: str = "30",
    follow_redirects: bool = False,
) -> TestResponse:
    """Share through the person's own consent page, as a browser would (its CSRF token)."""
    page = client.get("/my/consent").get_data(as_text=True)
    data = {
        "grantee": grantee,
        "categories": categories,
        "act": act,
        "purpose": purpose,
        "days": days,
        "csrf_token": csrf_token(page),
    }
    return client.post("/my/consent", data=data, follow_redirects=follow_redirects)
