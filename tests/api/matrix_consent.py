"""Consent and access-log endpoints for the API matrix and parity harness
(`tests/api/test_api_matrix.py`).

`API_PAGES`: each API GET route and the web page (a rule in `PAGES` of
`tests/web/test_deny_by_default.py`) that shows the same thing, so both take their expected
status per role from one table.

`API_WRITE_PAIRS`: each API write and the web form that makes the same change, as
`((api method, api rule, json), (web method, web rule, form))`. Both must answer alike per role
and write the same audit entries (the `api:call` entry aside). `{placeholders}` in rules and
bodies are filled from `write_values(app)`: `provision_id` is one of Alex's shares in force
(made afresh on each call: a revocation uses it up), `grantee` a choice his consent page offers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from tests.helpers import user_id

API_PAGES: dict[str, str] = {
    "/api/v1/consent": "/my/consent",
    "/api/v1/consent/preview": "/my/consent/preview",
    "/api/v1/audit/entries": "/audit",
    "/api/v1/my/access-log": "/my/access-log",
}

API_OWN: dict[str, dict[Role, int]] = {}

Request = tuple[str, str, dict[str, Any]]

API_WRITE_PAIRS: list[tuple[Request, Request]] = [
    (
        (
            "POST",
            "/api/v1/consent/grants",
            {
                "grantee": "{grantee}",
                "categories": ["care_plan"],
                "act": "read",
                "purpose": "so they know my plan",
                "days": 30,
            },
        ),
        (
            "POST",
            "/my/consent",
            {
                "grantee": "{grantee}",
                "categories": "care_plan",
                "act": "read",
                "purpose": "so they know my plan",
                "days": "30",
            },
        ),
    ),
    (
        ("POST", "/api/v1/consent/provisions/{provision_id}/revoke", {}),
        ("POST", "/my/consent/{provision_id}/revoke", {}),
    ),
]


def write_values(app: Flask) -> dict[str, str]:
    """Values for the pairs' placeholders: a fresh share of Alex's (with Sam, his letters'
    reader, for his medication), and a grantee his form offers (Dr Chen, in his care team)."""
    alex, sam = user_id(app, "alex"), user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        now = utcnow()
        provision = consent.grant(
            db,
            By(alex, Role.CONSUMER, "matrix"),
            db.get_one(User, alex),
            consent.Grant(
                GranteeKind.PERSON,
                sam,
                None,
                None,
                Act.READ,
                frozenset({Category.MEDICATION}),
                "so Sam knows",
                now,
                now + timedelta(days=30),
            ),
        )
        db.commit()
        provision_id = provision.id
    return {"provision_id": str(provision_id), "grantee": f"person:{user_id(app, 'dr.chen')}"}


def fill(value: Any, values: dict[str, str]) -> Any:
    """A rule or body with its `{placeholders}` filled."""
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value
