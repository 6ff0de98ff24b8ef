"""The Apps and tokens page: make a token (shown once), see it listed, revoke it; CSRF on
both posts; someone else's token cannot be revoked."""

from __future__ import annotations

import hashlib
import re

from flask import Flask

from tests.api.tokens import bearer
from tests.helpers import client_as, count_rows, csrf_token, last_entry, query, user_id

TOKEN_RE = re.compile(r'value="(pn_\d+_[A-Za-z0-9_-]{43})"')


def _make(client, **form: str):  # type: ignore[no-untyped-def]
    page = client.get("/account/tokens").get_data(as_text=True)
    data = {"name": "My diary app", "scope": "read", "days": "90", **form}
    return client.post("/account/tokens", data={**data, "csrf_token": csrf_token(page)})


def test_a_new_token_is_shown_once_and_listed(app: Flask) -> None:
    alex = client_as(app, "alex")
    page = alex.get("/account/tokens")
    assert page.status_code == 200
    assert "You have no tokens" in page.get_data(as_text=True)
    answer = _make(alex, scope="write", days="30")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    (secret,) = TOKEN_RE.findall(html)
    assert "only time it is shown" in html
    assert answer.headers["Cache-Control"] == "no-store"
    token_id = int(secret.split("_")[1])
    # Stored as its fingerprint only, made for him, on record.
    ((name, scope, stored, owner),) = query(
        app,
        "SELECT name, scope, secret_hash, user_id FROM api_tokens WHERE id = :i",
        {"i": token_id},
    )
    assert (name, scope, owner) == ("My diary app", "write", user_id(app, "alex"))
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    alex_id = user_id(app, "alex")
    assert last_entry(app, "api_token:create") == (
        alex_id,
        None,
        "api_token",
        str(token_id),
        "allowed",
        "scope:write",
    )
    # Listed, never shown again.
    listing = alex.get("/account/tokens").get_data(as_text=True)
    assert "My diary app" in listing and "Read and make changes" in listing
    assert secret not in listing and secret.split("_")[2] not in listing
    # It works.
    me = app.test_client().get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["token"]["id"] == token_id


def test_bad_forms_make_nothing(app: Flask) -> None:
    alex = client_as(app, "alex")
    for form, words in (
        ({"name": ""}, "Give the token a name."),
        ({"name": "   "}, "Give the token a name."),
        ({"name": "x" * 81}, "Field cannot be longer than 80 characters."),
        ({"days": "0"}, "Between 1 and 365 days."),
        ({"days": "366"}, "Between 1 and 365 days."),
        ({"days": "soon"}, "Not a valid integer value."),
        ({"scope": "admin"}, "Not a valid choice."),
    ):
        answer = _make(alex, **form)
        assert answer.status_code == 200
        html = answer.get_data(as_text=True)
        assert words in html, form
        assert not TOKEN_RE.search(html)
    assert count_rows(app, "api_tokens") == 0


def test_posts_need_the_forms_csrf_token(app: Flask) -> None:
    alex = client_as(app, "alex")
    answer = alex.post("/account/tokens", data={"name": "App", "scope": "read", "days": "9"})
    assert not TOKEN_RE.search(answer.get_data(as_text=True))
    assert count_rows(app, "api_tokens") == 0
    (secret,) = TOKEN_RE.findall(_make(alex).get_data(as_text=True))
    token_id = secret.split("_")[1]
    assert alex.post(f"/account/tokens/{token_id}/revoke").status_code == 400
    assert query(app, "SELECT revoked_at FROM api_tokens WHERE id = :i", {"i": token_id}) == [
        (None,)
    ]


def test_revoking_ends_it_and_only_its_owner_may(app: Flask) -> None:
    alex = client_as(app, "alex")
    (secret,) = TOKEN_RE.findall(_make(alex).get_data(as_text=True))
    token_id = int(secret.split("_")[1])
    jordan = client_as(app, "jordan")
    token = csrf_token(jordan.get("/account/tokens").get_data(as_text=True))
    refused = jordan.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert refused.status_code == 404
    jordan_id = user_id(app, "jordan")
    assert last_entry(app, "api_token:revoke") == (
        jordan_id,
        None,
        "api_token",
        str(token_id),
        "denied",
        "not_found",
    )
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    page = alex.get("/account/tokens").get_data(as_text=True)
    answer = alex.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    html = answer.get_data(as_text=True)
    assert "That token is revoked" in html and "Revoked" in html
    assert f"/account/tokens/{token_id}/revoke" not in html  # nothing left to revoke
    alex_id = user_id(app, "alex")
    assert last_entry(app, "api_token:revoke") == (
        alex_id,
        None,
        "api_token",
        str(token_id),
        "allowed",
        "self",
    )
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401
    # Revoked already: answered as missing.
    again = alex.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 404


def test_the_page_is_linked_from_the_account_pages(app: Flask) -> None:
    for key in ("alex", "auditor"):
        client = client_as(app, key)
        assert 'href="/account/tokens"' in client.get("/account/sessions").get_data(as_text=True)
        assert 'href="/account/tokens"' in client.get("/").get_data(as_text=True)
