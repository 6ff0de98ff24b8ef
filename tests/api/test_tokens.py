"""Personal access tokens at the API: scope, expiry, revocation, hashing at rest, the account
events that end them, two-step sign-in, emergency access (never by token), and the `api:call`
entry that ties every call to its token."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from peernotes.audit.writer import By
from peernotes.auth import resets
from peernotes.auth.accounts import deactivate_user
from peernotes.auth.api_tokens import TokenScope
from peernotes.auth.models import ApiToken, User
from peernotes.auth.roles import Permission, Role
from peernotes.db import Base, get_database, utcnow
from peernotes.demo.loader import DEMO_PASSWORD
from peernotes.mfa import service as mfa
from peernotes.sessions.service import end_all_sessions_of
from peernotes.web.routes import declared_permission
from tests.api.tokens import Api, bearer, make_token
from tests.helpers import count_rows, csrf_token, demo_email, query, totp_code, user_id

GRANT = {
    "grantee": "role:clinician",
    "categories": ["care_plan"],
    "act": "read",
    "purpose": "so they know my plan",
    "days": 30,
}


def _id(token: str) -> int:
    return int(token.split("_")[1])


def _entries(app: Flask, action: str, token: str) -> list[tuple[object, ...]]:
    return query(
        app,
        "SELECT actor_id, outcome, basis, request_id FROM audit_log "
        "WHERE action = :a AND target_type = 'api_token' AND target_id = :t ORDER BY seq",
        {"a": action, "t": str(_id(token))},
    )


def test_a_read_token_reads_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex", TokenScope.READ)
    api = Api(client, token)
    assert api.get("/consent").status_code == 200
    before = count_rows(app, "consent_provisions")
    answer = api.post("/consent/grants", GRANT)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "insufficient_scope"
    assert count_rows(app, "consent_provisions") == before
    (refusal,) = query(
        app,
        "SELECT outcome, basis FROM audit_log WHERE action = 'access:denied' "
        "ORDER BY seq DESC LIMIT 1",
    )
    assert refusal == ("denied", "token_scope:read")
    # The same body with a write token is made.
    assert Api(client, make_token(app, "alex")).post("/consent/grants", GRANT).status_code == 201


def _refused(app: Flask, client: FlaskClient, token: str, why: str) -> None:
    answer = client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthenticated"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert _entries(app, "api:token_refused", token)[-1][1:3] == ("denied", f"token:{why}")
    assert _entries(app, "api:call", token) == []


def test_an_expired_token_is_refused_and_on_record(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex", lifetime_days=1)
    with app.app_context(), get_database(app).session() as db:
        db.execute(
            update(ApiToken)
            .where(ApiToken.id == _id(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    _refused(app, client, token, "expired")


def test_a_revoked_token_is_refused(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context(), get_database(app).session() as db:
        db.execute(update(ApiToken).where(ApiToken.id == _id(token)).values(revoked_at=utcnow()))
        db.commit()
    answer = client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 401
    assert _entries(app, "api:token_refused", token)[-1][1:3] == ("denied", "token:revoked")


@pytest.mark.parametrize(
    "presented",
    ["pn_1_" + "A" * 43, "pn_x", "", "pn_999999_" + "A" * 43],
    ids=["wrong secret", "malformed", "empty", "unknown id"],
)
def test_anything_else_is_refused(app: Flask, client: FlaskClient, presented: str) -> None:
    make_token(app, "alex")
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {presented}"})
    assert answer.status_code == 401
    # A wrong secret for a real token is as unknown as a token that never was.
    assert "alex" not in answer.get_data(as_text=True).lower()


def test_a_cookie_is_not_a_token(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    assert client.get("/my/consent").status_code == 200
    assert client.get("/api/v1/consent").status_code == 401


def test_only_the_hash_is_kept(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex")
    Api(client, token).post("/consent/grants", GRANT)  # used, and logged
    client.get("/api/v1/me", headers=bearer(token + "x"))  # a mistyped copy, refused
    secret = token.rsplit("_", 1)[1]
    digest = hashlib.sha256(token.encode()).hexdigest()
    found_digest = False
    with app.app_context(), get_database(app).engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    text = value.hex() if isinstance(value, bytes) else str(value)
                    raw = value.decode("latin-1") if isinstance(value, bytes) else text
                    assert secret not in text and secret not in raw, table.name
                    found_digest |= table.name == "api_tokens" and text == digest
    assert found_digest


def _live(app: Flask, token: str) -> bool:
    return query(app, "SELECT revoked_at FROM api_tokens WHERE id = :i", {"i": _id(token)}) == [
        (None,)
    ]


def test_deactivation_resets_and_signing_out_everywhere_end_tokens(
    app: Flask, client: FlaskClient
) -> None:
    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    deactivated, reset, mfa_reset, signed_out, untouched = (
        make_token(app, "jordan"),
        make_token(app, "alex"),
        make_token(app, "dr.chen"),
        make_token(app, "maya"),
        make_token(app, "sam"),
    )
    with app.app_context(), get_database(app).session() as db:
        deactivate_user(db, db.get_one(User, user_id(app, "jordan")), by=admin)
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        alex = db.get_one(User, user_id(app, "alex"))
        link = resets.issue_reset(db, alex, by=admin, lifetime=timedelta(hours=1))
        resets.reset_password(db, link.token, "a brand new long passphrase 7", request_id="t")
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        mfa.reset(db, admin, db.get_one(User, user_id(app, "dr.chen")))
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        # A coordinator signs Maya out everywhere: her lost phone's apps are ended too.
        end_all_sessions_of(db, db.get_one(User, user_id(app, "maya")), by=admin)
        db.commit()
    reasons = dict(query(app, "SELECT id, revoked_reason FROM api_tokens"))
    assert reasons[_id(deactivated)] == "deactivated"
    assert reasons[_id(reset)] == "password_reset"
    assert reasons[_id(mfa_reset)] == "mfa_reset"
    assert reasons[_id(signed_out)] == "ended_by_coordinator"
    assert _live(app, untouched)
    for token in (deactivated, reset, mfa_reset, signed_out):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(untouched)).status_code == 200


def test_a_role_that_needs_two_step_sign_in_needs_it_set_up(
    app: Flask, client: FlaskClient
) -> None:
    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        mfa.reset(db, admin, db.get_one(User, user_id(app, "dr.chen")))
        db.commit()
    token = make_token(app, "dr.chen")  # made after the reset, so it is live
    answer = client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "two_step_required"
    assert client.get("/api/v1/people", headers=bearer(token)).status_code in (401, 404)


def test_emergency_access_has_no_api(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/fhir")):
            assert "emergency" not in rule.rule, rule.rule
            permission = declared_permission(app.view_functions[rule.endpoint])
            assert permission is not Permission.EMERGENCY_ACCESS, rule.rule


def test_a_token_does_not_open_the_emergency_form(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "dr.walsh")
    before = count_rows(app, "emergency_accesses")
    started = count_rows(app, "audit_log", "action = 'emergency:start'")
    # A valid CSRF token of a signed-out visitor: the form's own check passes, and only the
    # token could sign Dr Walsh in. It does not.
    csrf = csrf_token(client.get("/login").get_data(as_text=True))
    form = {
        "csrf_token": csrf,
        "subject": str(user_id(app, "jordan")),
        "reason": "Jordan is in crisis and I need their plan now.",
        "password": DEMO_PASSWORD,
        "code": totp_code(app, demo_email("dr.walsh")),
    }
    answer = client.post("/emergency", data=form, headers=bearer(token))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    answer = client.post("/emergency", json=form, headers=bearer(token))
    assert answer.status_code in (302, 400)
    assert count_rows(app, "emergency_accesses") == before
    assert count_rows(app, "audit_log", "action = 'emergency:start'") == started
    assert _entries(app, "api:call", token) == []


def test_every_call_is_on_record_with_its_token(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex")
    api = Api(client, token)
    chen = user_id(app, "dr.chen")
    answers = [
        api.get("/me"),
        api.get("/consent"),
        api.get("/consent/preview", person=chen),
        api.post("/consent/grants", GRANT),
        api.get("/audit/entries"),  # refused: he is no auditor
        api.post("/consent/grants", {**GRANT, "author_id": 1}),  # refused: a bad body
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 201, 403, 400]
    calls = _entries(app, "api:call", token)
    alex = user_id(app, "alex")
    assert len(calls) == len(answers)
    assert all(c[0] == alex and c[1] == "allowed" for c in calls)
    assert {c[2] for c in calls} == {"scope:write"}
    request_ids = [c[3] for c in calls]
    assert len(set(request_ids)) == len(calls)
    # The governed entries each call wrote carry its request id.
    for action, call in (("consent:preview", 2), ("consent:grant", 3), ("access:denied", 4)):
        (entry,) = query(
            app,
            "SELECT request_id FROM audit_log WHERE action = :a AND request_id = :r",
            {"a": action, "r": request_ids[call]},
        )
        assert entry == (request_ids[call],), action
