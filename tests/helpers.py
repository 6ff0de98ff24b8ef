"""Helpers for driving the app the way a browser does: real forms, real CSRF tokens."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from peernotes.demo import DEMO_DOMAIN, DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, str], *, form_page: str | None = None) -> TestResponse:
    """Load the page that holds the form, then submit it with its real CSRF token."""
    page = client.get(form_page or path)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> TestResponse:
    return post_form(client, "/login", {"email": email, "password": password})


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
