"""Queries per page: a worker's caseload (their home page) and a consumer's record list issue
the same number of SQL statements with N people and entries as with 10N.

Counted with a listener on the app's engine for the whole request (the session check, the page
itself, the access-log append, the commit), so an N+1 anywhere in the page shows up. A count,
never a timing: timings live in `make bench-records`.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert, select

from peernotes.access.decision import RECORD_CATEGORIES
from peernotes.auth.models import User
from peernotes.auth.roles import ASSIGNABLE, Role
from peernotes.care.models import CareAssignment
from peernotes.db import get_database, utcnow
from peernotes.records.models import RecordEntry
from tests.helpers import csrf_token, demo_email, sign_in, user_id

#: People added to a caseload, then 10 times as many.
N = 3
#: Entries in the record, then 10 times as many: even the peer worker, who may read two of
#: seven categories, has more than one page.
ENTRIES = 100


def _page(app: Flask, client: FlaskClient, path: str) -> tuple[int, str]:
    """The number of statements the app's engine ran for one GET, and the page."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    engine = get_database(app).engine
    # The navigation's "Needs attention" count is computed once a minute and reused between:
    # warm it first, so every measured GET is the page alone.
    client.get(path)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(statements), response.get_data(as_text=True)


def _entries(subject_id: int, author_id: int, count: int, start: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "subject_id": subject_id,
            "category": RECORD_CATEGORIES[(start + i) % len(RECORD_CATEGORIES)],
            "author_id": author_id,
            "created_at": now,
            "latest_revision": 1,
            "entered_in_error": False,
        }
        for i in range(count)
    ]


def _add_caseload(app: Flask, worker_key: str, first: int, count: int) -> list[str]:
    """`count` more people in this worker's care, consumers with a few entries each."""
    worker = user_id(app, worker_key)
    author = user_id(app, "dr.chen")
    with get_database(app).engine.begin() as conn:
        kinds = ASSIGNABLE[conn.execute(select(User.role).where(User.id == worker)).scalar_one()]
        # A consumer peer worker may support carers too; their caseload here is consumers.
        role = Role.CONSUMER if Role.CONSUMER in kinds else Role.CARER
        names = [f"Caseload {worker_key} {first + i:03d}" for i in range(count)]
        people = conn.execute(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "email": f"caseload-{worker_key}-{first + i}@counts.example",
                    "display_name": name,
                    "role": role,
                    "password_hash": "not-a-login",
                }
                for i, name in enumerate(names)
            ],
        ).scalars()
        ids = list(people)
        conn.execute(
            insert(CareAssignment),
            [
                {
                    "worker_id": worker,
                    "subject_id": person,
                    "starts_on": utcnow().date(),
                    "created_by_id": author,
                }
                for person in ids
            ],
        )
        if role is Role.CONSUMER:
            conn.execute(
                insert(RecordEntry),
                [row for i, person in enumerate(ids) for row in _entries(person, author, 4, i)],
            )
    return names


@pytest.mark.parametrize("worker", ["dr.chen", "sam", "helen"])
def test_the_caseload_page_issues_a_constant_number_of_queries(
    app: Flask,
    signed_in,  # type: ignore[no-untyped-def]
    worker: str,
) -> None:
    client = signed_in(worker)
    shown = _add_caseload(app, worker, 0, N)
    small, page = _page(app, client, "/")
    assert all(name in page for name in shown)
    shown += _add_caseload(app, worker, N, 9 * N)
    large, page = _page(app, client, "/")
    assert all(name in page for name in shown), "the caseload page lists everyone"
    assert small == large, (small, large)


def test_the_record_page_issues_a_constant_number_of_queries_for_every_reader(
    app: Flask,
    signed_in,  # type: ignore[no-untyped-def]
) -> None:
    """Beyond one page of entries (25), for the consumer, their clinician and their peer
    worker, who holds consent for two categories: so entries are skipped."""
    jordan = signed_in("jordan")
    form = jordan.get("/my/consent").get_data(as_text=True)
    granted = jordan.post(
        "/my/consent",
        data={
            "grantee": f"person:{user_id(app, 'sam')}",
            "categories": ["care_plan", "clinical_note"],
            "act": "read",
            "purpose": "so Sam can support me",
            "days": "30",
            "csrf_token": csrf_token(form),
        },
    )
    assert granted.status_code == 302
    readers = {"jordan": jordan, "dr.chen": app.test_client(), "sam": app.test_client()}
    for key in ("dr.chen", "sam"):
        assert sign_in(readers[key], demo_email(key)).status_code == 302
    subject, author = user_id(app, "jordan"), user_id(app, "dr.chen")
    path = f"/people/{subject}/record"
    counts: dict[str, list[int]] = {key: [] for key in readers}
    added = 0
    for total in (ENTRIES, 10 * ENTRIES):
        with get_database(app).engine.begin() as conn:
            conn.execute(insert(RecordEntry), _entries(subject, author, total - added, added))
        added = total
        for key, client in readers.items():
            queries, page = _page(app, client, path)
            assert "Older entries" in page, key
            counts[key].append(queries)
    assert "not shared with you" not in _page(app, readers["sam"], path)[1]
    for key, (small, large) in counts.items():
        assert small == large, (key, small, large)
