"""Friendly error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask

from peernotes.auth.roles import Permission
from peernotes.web.routes import requires


def test_404_is_friendly(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We couldn&#39;t find that page" in response.get_data(as_text=True)


def test_403_is_friendly(signed_in) -> None:  # type: ignore[no-untyped-def]
    response = signed_in("alex").get("/admin/accounts")
    assert response.status_code == 403
    assert "You don&#39;t have access" in response.get_data(as_text=True)


def test_405_is_friendly(client) -> None:  # type: ignore[no-untyped-def]
    response = client.put("/login")
    assert response.status_code == 405
    assert "That didn&#39;t work" in response.get_data(as_text=True)


def test_500_shows_no_stack_trace_and_rolls_back(app: Flask, signed_in, caplog) -> None:  # type: ignore[no-untyped-def]
    @app.route("/explode")
    @requires(Permission.SESSION_USE)
    def explode(actor, db) -> str:  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail")

    response = signed_in("alex").get("/explode")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in text
    assert "Traceback" not in text and "secret internal detail" not in text
    assert "unhandled error" in caplog.text  # it is in the server log for the operators
