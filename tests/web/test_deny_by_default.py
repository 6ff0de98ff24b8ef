"""Every route declares its permission; nothing is public unless it is on the explicit list."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from peernotes.auth.roles import Permission, Role
from peernotes.web import PUBLIC, PUBLIC_ENDPOINTS, declared_permission
from tests.helpers import demo_email, sign_in


def test_every_route_declares_a_permission(app: Flask) -> None:
    undeclared = []
    public = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            public.add("static")
            continue
        permission = declared_permission(app.view_functions[rule.endpoint])
        if permission is None:
            undeclared.append(rule.rule)
        elif permission == PUBLIC:
            public.add(rule.endpoint)
        else:
            assert isinstance(permission, Permission), rule.rule
    assert undeclared == [], f"routes without a declared permission: {undeclared}"
    assert public == set(PUBLIC_ENDPOINTS), "public routes differ from the explicit list"


def test_an_undeclared_route_is_refused_at_request_time(app: Flask) -> None:
    @app.route("/forgot-to-guard")
    def forgot_to_guard() -> str:
        return "secret"

    response = app.test_client().get("/forgot-to-guard")
    assert response.status_code == 403
    assert b"secret" not in response.data


# Which GET pages each role may open. Anything not listed for a role must be refused.
PAGES = {
    "/": set(Role),
    "/account/password": set(Role),
    "/my/carers": {Role.CONSUMER},
    "/my/sharing": {Role.CONSUMER},
    "/admin/accounts": {Role.ADMIN},
    "/admin/teams": {Role.ADMIN},
    "/admin/teams/1": {Role.ADMIN},
    "/admin/assignments": {Role.ADMIN},
    "/my/access-log": {Role.CONSUMER, Role.CARER},
    "/audit": {Role.AUDITOR},
    "/audit/entries/1": {Role.AUDITOR},
    "/audit/export.csv": {Role.AUDITOR},
}

DEMO_BY_ROLE = {
    Role.CONSUMER: "alex",
    Role.CARER: "linh",
    Role.CONSUMER_PEER_WORKER: "sam",
    Role.CARER_PEER_WORKER: "helen",
    Role.CLINICIAN: "dr.chen",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


def test_every_get_page_is_in_the_matrix(app: Flask) -> None:
    """A new page must be added to PAGES, so its access rule is tested for every role."""
    gets = {
        re.sub(r"<int:\w+>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint not in PUBLIC_ENDPOINTS
    }
    assert gets == set(PAGES)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_access_matrix(app: Flask, role: Role) -> None:
    client = app.test_client()
    assert sign_in(client, demo_email(DEMO_BY_ROLE[role])).status_code == 302
    for path, allowed in PAGES.items():
        status = client.get(path).status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role.value} GET {path}: {status}, expected {expected}"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_signed_out_visitors_are_sent_to_sign_in(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "path",
    [
        "/logout",
        "/my/carers",
        "/my/carers/1/end",
        "/admin/accounts",
        "/admin/accounts/2/deactivate",
        "/admin/assignments/1/end",
        "/admin/teams/1/deactivate",
    ],
)
def test_signed_out_posts_change_nothing(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(path)
    assert response.status_code in (302, 400)
    assert response.status_code != 200
