"""The API's kit, whatever the endpoint: tokens only, one error shape, bodies checked before any
model reads them, and every call on record with its token."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from peernotes.api.endpoint import api_endpoint
from peernotes.api.schemas.common import Body, Int, Out, Str
from peernotes.api.spec import answers, spec
from peernotes.audit.events import Action
from peernotes.audit.models import AuditEntry
from peernotes.auth.api_tokens import TokenScope
from peernotes.auth.models import ApiToken
from peernotes.auth.roles import Permission
from peernotes.db import get_database
from tests.api.tokens import Api, bearer, make_token
from tests.helpers import demo_email, sign_in, user_id


def _error(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]  # type: ignore[no-any-return]


def _entries(app: Flask, request_id: str) -> list[AuditEntry]:
    with app.app_context(), get_database(app).session() as db:
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.request_id == request_id)
                .order_by(AuditEntry.seq)
            )
        )


def test_no_token_is_a_401_in_the_one_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "unauthenticated"


def test_a_browser_session_is_not_a_token(app: Flask, client: FlaskClient) -> None:
    """An app acts only with its token: a signed-in browser's cookie opens nothing here (and
    so a forged cross-site request has nothing to ride on)."""
    assert sign_in(client, demo_email("alex")).status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 200  # the browser session itself is untouched


def test_every_call_is_logged_with_its_token(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex", TokenScope.READ)
    response = Api(client, token).get("/me")
    assert response.status_code == 200
    [entry] = _entries(app, response.headers["X-Request-ID"])
    token_id = token.split("_")[1]
    assert (entry.action, entry.target_type, entry.target_id) == (
        Action.API_CALL.value,
        "api_token",
        token_id,
    )
    assert (entry.actor_id, entry.outcome, entry.basis) == (
        user_id(app, "alex"),
        "allowed",
        "scope:read",
    )


def test_a_wrong_token_is_refused_and_logged(app: Flask, client: FlaskClient) -> None:
    token = make_token(app, "alex")
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for presented in (wrong, "pn_1_short", "not-a-token", token.replace("pn_", "pn_9")):
        response = client.get("/api/v1/me", headers=bearer(presented))
        assert response.status_code == 401, presented
        assert _error(response)["code"] == "unauthenticated"
        [entry] = _entries(app, response.headers["X-Request-ID"])
        assert entry.action == Action.API_TOKEN_REFUSED.value
        assert entry.outcome == "denied"
        assert entry.actor_id is None  # a wrong secret names nobody


def test_refused_tokens_are_throttled_per_address(make_config, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from peernotes import create_app

    app = create_app(make_config(database_url, login_attempts_per_address=3))
    client = app.test_client()
    statuses = [client.get("/api/v1/me", headers=bearer("pn_1_x")).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert _error(client.get("/api/v1/me", headers=bearer("pn_1_x")))["code"] == (
        "too_many_requests"
    )
    get_database(app).engine.dispose()


def test_unknown_routes_and_methods_answer_in_the_one_shape(
    app: Flask, client: FlaskClient
) -> None:
    token = make_token(app, "alex")
    missing = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"
    wrong_method = client.delete("/api/v1/me", headers=bearer(token))
    assert wrong_method.status_code == 405
    assert _error(wrong_method)["code"] == "method_not_allowed"


def test_the_token_secret_is_stored_only_as_its_hash(app: Flask) -> None:
    token = make_token(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        row = db.scalars(select(ApiToken)).one()
        assert token not in (row.secret_hash, row.name)
        assert token.split("_", 2)[2] not in row.secret_hash
        import hashlib

        assert row.secret_hash == hashlib.sha256(token.encode()).hexdigest()
        assert db.scalar(select(func.count()).select_from(AuditEntry)) > 0


class EchoIn(Body):
    name: Str
    count: Int


class EchoOut(Out):
    name: str
    count: int


def _echo_app(app: Flask) -> Flask:
    """The app with one test-only write endpoint, to try the kit's body checks on their own."""

    @api_endpoint(Permission.SESSION_USE, TokenScope.WRITE)
    @spec.validate(json=EchoIn, resp=answers(HTTP_200=EchoOut))
    def echo(_actor, _db, json: EchoIn) -> EchoOut:  # type: ignore[no-untyped-def]
        return EchoOut(name=json.name, count=json.count)

    from peernotes import csrf

    app.add_url_rule("/api/v1/test-echo", "api_test_echo", csrf.exempt(echo), methods=["POST"])
    return app


def test_bodies_are_checked_before_any_model_reads_them(app: Flask) -> None:
    client = _echo_app(app).test_client()
    headers = bearer(make_token(app, "alex"))
    good = client.post("/api/v1/test-echo", json={"name": "a", "count": 2}, headers=headers)
    assert good.status_code == 200 and good.get_json() == {"name": "a", "count": 2}
    cases = [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json", None),
        (
            {"data": "name=a&count=2", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
            None,
        ),
        ({"json": [1, 2]}, 400, "invalid", None),
        ({"json": {"name": "a"}}, 400, "invalid", "count"),
        ({"json": {"name": "a", "count": "2"}}, 400, "invalid", "count"),
        ({"json": {"name": 5, "count": 2}}, 400, "invalid", "name"),
        ({"json": {"name": "a", "count": 2, "author_id": 1}}, 400, "invalid", "author_id"),
        ({"json": {"name": "a\x00b", "count": 2}}, 400, "invalid", "name"),
    ]
    for kwargs, status, code, field in cases:
        response = client.post("/api/v1/test-echo", headers=headers, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == status, (kwargs, response.get_data(as_text=True))
        error = _error(response)
        assert (error["code"], error["field"]) == (code, field), kwargs
        assert "\x00" not in str(error["message"]) and "not json" not in str(error["message"])


def test_a_read_token_may_not_write(app: Flask) -> None:
    client = _echo_app(app).test_client()
    read = bearer(make_token(app, "alex", TokenScope.READ))
    response = client.post("/api/v1/test-echo", json={"name": "a", "count": 1}, headers=read)
    assert response.status_code == 403
    assert _error(response)["code"] == "insufficient_scope"
    denied = [e for e in _entries(app, response.headers["X-Request-ID"]) if e.outcome == "denied"]
    assert [(e.action, e.basis) for e in denied] == [("access:denied", "token_scope:read")]
