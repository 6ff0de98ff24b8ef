"""The notes, record and timeline API's pairs with the web pages, for the API matrix and the
parity harness (`tests/api/test_api_matrix.py`), and what the tests of this area share.

`API_PAGES`: each API GET rule (as in the url_map) and the web page in `PAGES`
(`tests/web/test_deny_by_default.py`) that shows the same thing; the placeholders are PAGES'
own (`subject_id` is Alex, `entry_id` one of his entries, `note_id` his shared note by Sam).

`API_WRITE_PAIRS`: each write as (API method, API rule, JSON body) and the web form that does
the same (web method, web rule, form data). In bodies and forms, a string "<int:name>" stands
for the value of `name`, filled as the rules are (`fill`): the rule placeholders' values, and
`note_revision`, the newest revision of the note `note_id` names (`write_values`). The
writes change what they write to (the shared note is revised, approved again, ...): start
from a fresh demo database, run the pairs in order on both sides, and take the values anew
before each pair, as `tests/api/test_notes_api.py` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from peernotes import create_app
from peernotes.db import get_database
from peernotes.notes.models import Note
from peernotes.records.models import RecordEntry
from tests.conftest import (
    Templates,
    _config,
    _copy_database,
    _dispose_checking_for_leaks,
    _drop_database,
)
from tests.helpers import user_id

API_PAGES: dict[str, str] = {
    "/api/v1/people/<int:subject_id>/timeline": "/people/<int:subject_id>/timeline",
    "/api/v1/people/<int:subject_id>/record": "/people/<int:subject_id>/record",
    "/api/v1/people/<int:subject_id>/record/<int:entry_id>": (
        "/people/<int:subject_id>/record/<int:entry_id>"
    ),
    "/api/v1/notes": "/notes",
    "/api/v1/notes/<int:note_id>": "/notes/<int:note_id>",
}

Write = tuple[str, str, dict[str, Any]]

_SECTIONS = [
    ("What we talked about", "Going back to study, one subject at a time."),
    ("Next steps", "Call the enrolment office on Monday."),
]

API_WRITE_PAIRS: list[tuple[Write, Write]] = [
    (
        (
            "POST",
            "/api/v1/people/<int:subject_id>/record",
            {"category": "medication", "title": "Dose change", "body": "From 10 mg to 5 mg."},
        ),
        (
            "POST",
            "/people/<int:subject_id>/record/new",
            {"category": "medication", "title": "Dose change", "body": "From 10 mg to 5 mg."},
        ),
    ),
    (
        (
            "POST",
            "/api/v1/people/<int:subject_id>/record/<int:entry_id>/amend",
            {"title": "Care plan", "body": "Reviewed together.", "reason": "A date was wrong."},
        ),
        (
            "POST",
            "/people/<int:subject_id>/record/<int:entry_id>/amend",
            {"title": "Care plan", "body": "Reviewed together.", "reason": "A date was wrong."},
        ),
    ),
    (
        (
            "POST",
            "/api/v1/notes",
            {
                "subject_id": "<int:subject_id>",
                "sections": [{"heading": h, "body": b} for h, b in _SECTIONS],
            },
        ),
        (
            "POST",
            "/people/<int:subject_id>/notes/new",
            {"heading": [h for h, _ in _SECTIONS], "body": [b for _, b in _SECTIONS]},
        ),
    ),
    (
        (
            "POST",
            "/api/v1/notes/<int:note_id>/revisions",
            {
                "based_on": "<int:note_revision>",
                "sections": [{"heading": h, "body": b} for h, b in _SECTIONS],
            },
        ),
        (
            "POST",
            "/notes/<int:note_id>/save",
            {
                "based_on": "<int:note_revision>",
                "heading": [h for h, _ in _SECTIONS],
                "body": [b for _, b in _SECTIONS],
            },
        ),
    ),
    (
        (
            "POST",
            "/api/v1/notes/<int:note_id>/approve",
            {"revision": "<int:note_revision>", "audiences": ["just_us", "care_team"]},
        ),
        (
            "POST",
            "/notes/<int:note_id>/approve",
            {
                "revision": "<int:note_revision>",
                "sections": "2",
                "audience-0": "just_us",
                "audience-1": "care_team",
            },
        ),
    ),
    (
        (
            "POST",
            "/api/v1/notes/<int:note_id>/review",
            {"kind": "own_words", "text": "It was a good talk."},
        ),
        (
            "POST",
            "/notes/<int:note_id>/statements",
            {"kind": "own_words", "text": "It was a good talk."},
        ),
    ),
    (
        ("POST", "/api/v1/notes/<int:note_id>/propose", {}),
        ("POST", "/notes/<int:note_id>/propose", {}),
    ),
    (
        (
            "POST",
            "/api/v1/notes/<int:note_id>/review",
            {"kind": "request_changes", "text": "Please leave out my sister's name."},
        ),
        (
            "POST",
            "/notes/<int:note_id>/request-changes",
            {"comment": "Please leave out my sister's name."},
        ),
    ),
    (
        ("POST", "/api/v1/notes/<int:note_id>/review", {"kind": "decline", "text": ""}),
        ("POST", "/notes/<int:note_id>/decline", {"comment": ""}),
    ),
]


def write_values(app: Flask) -> dict[str, int]:
    """The values the pairs' placeholders name, as the web matrix picks them (Alex, one of
    his entries, his shared note), and that note's newest revision. The note stays the same
    when the pairs change its state (it is the one of his with an approved revision)."""
    alex = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        entry = db.scalar(
            select(RecordEntry.id).where(RecordEntry.subject_id == alex).order_by(RecordEntry.id)
        )
        shared = db.scalars(
            select(Note)
            .where(Note.subject_id == alex, Note.approved_revision.is_not(None))
            .order_by(Note.id)
        ).first()
        assert entry is not None and shared is not None
        return {
            "subject_id": alex,
            "entry_id": entry,
            "note_id": shared.id,
            "note_revision": shared.current_revision,
        }


_PLACEHOLDER = re.compile(r"<int:(\w+)>")


def fill(template: Any, values: dict[str, int], *, as_text: bool = False) -> Any:
    """`template` (a rule, a body or form data) with each "<int:name>" filled: in a rule and
    in form data as text, in a JSON body as a number (a whole "<int:name>" value)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None and not as_text:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
    if isinstance(template, list):
        return [fill(item, values, as_text=as_text) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values, as_text=as_text) for key, item in template.items()}
    return template


# What the tests of this area share ---------------------------------------------------------


@contextmanager
def demo_app(templates: Templates, tmp: Path) -> Iterator[Flask]:
    """An app on a fresh copy of the demo database, for a module's tests that may share one
    (each test leaves the demo as a later one may find it, or says what it adds)."""
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, tmp))
    try:
        yield app
    finally:
        _dispose_checking_for_leaks(get_database(app).engine)
        _drop_database(token)


#: An access-log entry as parity compares it: what happened, about whom, to what, and why.
Entry = tuple[str, int | None, str | None, str | None, str, str | None]


def _rows(app: Flask, sql: str, params: dict[str, Any]) -> list[Any]:
    # Through the app's own pool: a connection of its own per look (`tests.helpers.query`)
    # costs a PostgreSQL connection each, and the parity tests look a few hundred times.
    with app.app_context(), get_database(app).session() as db:
        return list(db.execute(text(sql), params))


def count(app: Flask, table: str) -> int:
    """How many rows `table` holds (a table name of the tests' own, never a caller's)."""
    return int(_rows(app, f"SELECT count(*) FROM {table}", {})[0][0])  # nosec B608


def last_seq(app: Flask) -> int:
    return int(_rows(app, "SELECT coalesce(max(seq), 0) FROM audit_log", {})[0][0])


def entries_since(app: Flask, seq: int) -> list[Entry]:
    """The entries written after `seq`, but the API's own `api:call`, in order; a route's
    name (the target of a refusal at the door) reads `<route>`."""
    rows = _rows(
        app,
        "SELECT action, subject_id, target_type, target_id, outcome, basis FROM audit_log"
        " WHERE seq > :seq AND action != 'api:call' ORDER BY seq",
        {"seq": seq},
    )
    # A refusal at the door names the route, which is the API's own and the page's own.
    return [(a, s, t, "<route>" if t == "route" else i, o, b) for a, s, t, i, o, b in rows]
