"""Tokens for API tests: made through the same function the web page uses, for demo people."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from peernotes.auth.api_tokens import TokenScope, create_token
from peernotes.auth.models import User
from peernotes.db import get_database
from tests.helpers import demo_email


def make_token(
    app: Flask, key: str, scope: TokenScope = TokenScope.WRITE, lifetime_days: int = 30
) -> str:
    """A fresh token for demo person `key` ("alex", "dr.chen", ...): the whole secret."""
    with app.app_context(), get_database(app).session() as db:
        user = db.scalars(select(User).where(User.email == demo_email(key))).one()
        issued = create_token(db, user, f"test app for {key}", scope, lifetime_days)
        db.commit()
        return issued.secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A test client that speaks to `/api/v1` with one token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.client.get(f"/api/v1{path}", headers=bearer(self.token), query_string=query)

    def post(self, path: str, body: Any = None) -> TestResponse:
        return self.client.post(f"/api/v1{path}", headers=bearer(self.token), json=body)

    def put(self, path: str, body: Any = None) -> TestResponse:
        return self.client.put(f"/api/v1{path}", headers=bearer(self.token), json=body)

    def delete(self, path: str) -> TestResponse:
        return self.client.delete(f"/api/v1{path}", headers=bearer(self.token))
