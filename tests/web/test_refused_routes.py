"""Real refusals through the pages that catch them: the person sees the page with the error, and
every table but the access log is exactly as it was before the request (a refusal the service
puts on record is on the log).

The mechanism behind it, and the check that every such service function is a step, are in
`test_refused_steps.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text
from werkzeug.test import TestResponse

from peernotes.db import Base, make_engine
from peernotes.demo.loader import DEMO_PASSWORD
from peernotes.timefmt import local_today
from tests.helpers import (
    app_database_url,
    client_as,
    csrf_token,
    demo_email,
    post_with_token,
    query,
    totp_code,
    user_id,
)

# Before and after --------------------------------------------------------------------------------

Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(app: Flask) -> Snapshot:
    """Every row of every table but the access log, in a stable order."""
    engine = make_engine(app_database_url(app))
    try:
        with engine.connect() as conn:
            tables = sorted(set(inspect(conn).get_table_names()) - {"audit_log"})
            found = {
                table: sorted(
                    (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))),
                    key=repr,
                )
                for table in tables
            }
    finally:
        engine.dispose()
    missing = set(Base.metadata.tables) - {"audit_log"} - set(found)
    assert not missing, f"tables of the models not in the database: {sorted(missing)}"
    return found


def assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    changed = {
        table: {
            "gone": [r for r in before[table] if r not in after.get(table, [])],
            "added": [r for r in after.get(table, []) if r not in before[table]],
        }
        for table in sorted(set(before) | set(after))
        if before.get(table) != after.get(table)
    }
    assert not changed, f"a refused request changed the database: {changed}"


def head(app: Flask) -> int:
    (seq,) = query(app, "SELECT coalesce(max(seq), 0) FROM audit_log")[0]
    assert isinstance(seq, int)
    return seq


@dataclass(frozen=True)
class Refusal:
    response: TestResponse
    #: The page the person is shown: the response itself, or where it sends them.
    page: str
    #: (actor, action, subject, outcome, basis) of each access-log entry the request wrote.
    entries: list[tuple[object, ...]]

    def logged(self, action: str) -> list[tuple[object, ...]]:
        """(actor, subject, outcome, basis) of the request's entries of `action`."""
        return [(a, s, o, b) for a, act, s, o, b in self.entries if act == action]


def refuse(
    app: Flask,
    client: FlaskClient,
    path: str,
    data: Mapping[str, str | list[str]],
    *,
    form_page: str,
    shown_at: str | None = None,
) -> Refusal:
    """Post `data` as the browser would (the token from `form_page`), checking that nothing
    but the access log changed. `shown_at`: where a redirect must lead (None: no redirect)."""
    token = csrf_token(client.get(form_page).get_data(as_text=True))
    before, since = snapshot(app), head(app)
    response = client.post(path, data={**data, "csrf_token": token})
    after = snapshot(app)
    entries = query(
        app,
        "SELECT actor_id, action, subject_id, outcome, basis FROM audit_log WHERE seq > :s"
        " ORDER BY seq",
        {"s": since},
    )
    assert_unchanged(before, after)
    if shown_at is None:
        assert response.status_code == 200, response.status_code
        page = response.get_data(as_text=True)
    else:
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"] == shown_at
        shown = client.get(shown_at)
        assert shown.status_code == 200, shown.status_code
        page = shown.get_data(as_text=True)
    return Refusal(response, page, entries)


def one_id(app: Flask, sql: str, **params: object) -> int:
    found = query(app, sql, params)
    assert len(found) == 1, found
    (value,) = found[0]
    assert isinstance(value, int)
    return value


def day(app: Flask, days: int = 0) -> str:
    """Today (or `days` from it) in the service's time zone, as a date field has it."""
    with app.app_context():
        return (local_today() + timedelta(days=days)).isoformat()


# The pages ---------------------------------------------------------------------------------------


def test_pausing_matches_that_are_paused_already(app: Flask) -> None:
    sam = client_as(app, "sam")
    token = csrf_token(sam.get("/my/profile").get_data(as_text=True))
    assert sam.post("/my/profile/pause", data={"csrf_token": token}).status_code == 302
    refused = refuse(
        app, sam, "/my/profile/pause", {}, form_page="/my/profile", shown_at="/my/profile"
    )
    assert "New matches are already paused." in refused.page
    assert refused.logged("workforce:pause") == []


def test_confirming_an_agreement_one_has_confirmed_already(app: Flask) -> None:
    sam, alex = user_id(app, "sam"), user_id(app, "alex")
    agreement = one_id(
        app,
        "SELECT id FROM support_agreements WHERE worker_id = :w AND subject_id = :s",
        w=sam,
        s=alex,
    )
    page = f"/agreements/{agreement}"
    refused = refuse(
        app,
        client_as(app, "sam"),
        f"{page}/confirm",
        {},
        form_page=page,
        shown_at=page,
    )
    assert "You have already confirmed this version." in refused.page
    assert refused.logged("agreement:confirm") == []


CONTACT = {"at_time": "10:00", "minutes": "30", "channel": "phone"}


def test_a_contact_dated_before_the_support_began(app: Flask) -> None:
    # The demo's assignments began 60 days ago.
    data = {**CONTACT, "subject": str(user_id(app, "jordan")), "occurred_on": day(app, -70)}
    refused = refuse(app, client_as(app, "sam"), "/contacts", data, form_page="/contacts")
    assert "You began supporting them on" in refused.page
    assert refused.logged("contact:log") == []


def test_a_contact_with_someone_one_does_not_support_is_refused_on_record(app: Flask) -> None:
    maya = user_id(app, "maya")  # Tui's, not Sam's
    data = {**CONTACT, "subject": str(maya), "occurred_on": day(app)}
    refused = refuse(app, client_as(app, "sam"), "/contacts", data, form_page="/contacts")
    assert "Choose someone you support now" in refused.page
    assert refused.logged("contact:log") == [
        (user_id(app, "sam"), maya, "denied", "no_care_assignment")
    ]


def test_a_group_with_a_name_in_use(app: Flask) -> None:
    data = {"name": "dbt Skills GROUP", "kind": "consumer", "description": ""}
    refused = refuse(app, client_as(app, "admin"), "/admin/groups", data, form_page="/admin/groups")
    assert "There is already a group called" in refused.page
    assert refused.logged("admin:group_create") == []


def test_a_new_note_with_nothing_written(app: Flask) -> None:
    path = f"/people/{user_id(app, 'alex')}/notes/new"
    data: dict[str, str | list[str]] = {
        "heading": ["What we talked about", "What helped", "Next steps"],
        "body": ["", "  ", ""],
    }
    refused = refuse(app, client_as(app, "sam"), path, data, form_page=path)
    assert "The note is empty: write something in at least one section." in refused.page
    assert refused.logged("note:create") == []


def test_proposing_a_note_to_someone_one_no_longer_supports_is_refused_on_record(
    app: Flask,
) -> None:
    sam, alex = user_id(app, "sam"), user_id(app, "alex")
    assignment = one_id(
        app,
        "SELECT id FROM care_assignments WHERE worker_id = :w AND subject_id = :s",
        w=sam,
        s=alex,
    )
    ended = post_with_token(client_as(app, "admin"), f"/admin/assignments/{assignment}/end", {})
    assert ended.status_code == 302
    draft = one_id(
        app,
        "SELECT id FROM notes WHERE author_id = :a AND subject_id = :s AND state = 'draft'",
        a=sam,
        s=alex,
    )
    page = f"/notes/{draft}"
    refused = refuse(
        app, client_as(app, "sam"), f"{page}/propose", {}, form_page=page, shown_at=page
    )
    assert "You no longer support this person" in refused.page
    assert refused.logged("note:propose") == [(sam, alex, "denied", "no_care_assignment")]


def test_asking_for_changes_without_saying_which(app: Flask) -> None:
    sam, alex = user_id(app, "sam"), user_id(app, "alex")
    waiting = one_id(
        app,
        "SELECT id FROM notes WHERE author_id = :a AND subject_id = :s AND state = 'proposed'",
        a=sam,
        s=alex,
    )
    page = f"/notes/{waiting}"
    refused = refuse(
        app,
        client_as(app, "alex"),
        f"{page}/request-changes",
        {"comment": "   "},
        form_page=page,
        shown_at=page,
    )
    assert "Say what you would like changed." in refused.page
    assert refused.logged("note:request_changes") == []


def test_a_witnessed_consent_that_would_reach_the_worker(app: Flask) -> None:
    path = f"/people/{user_id(app, 'alex')}/consent"
    data = {
        "grantee": f"person:{user_id(app, 'sam')}",
        "categories": "care_plan",
        "act": "read",
        "purpose": "asked for it in our session",
        "days": "30",
        "present": "y",
    }
    refused = refuse(app, client_as(app, "sam"), path, data, form_page=path)
    assert "You cannot record a permission for yourself" in refused.page
    assert refused.logged("consent:grant") == []


def test_an_amendment_without_a_title(app: Flask) -> None:
    alex = user_id(app, "alex")
    entry = one_id(
        app,
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = 'care_plan'",
        s=alex,
    )
    page = f"/people/{alex}/record/{entry}"
    refused = refuse(
        app,
        client_as(app, "dr.chen"),
        f"{page}/amend",
        {"title": " ", "body": "", "reason": "The plan changed at our last appointment."},
        form_page=page,
        shown_at=page,
    )
    assert "Give a title of up to" in refused.page
    assert refused.logged("record:amend") == []


def test_emergency_access_with_too_short_a_reason_is_refused_on_record(app: Flask) -> None:
    jordan = user_id(app, "jordan")
    data = {
        "subject": str(jordan),
        "reason": "Need it now please",
        "password": DEMO_PASSWORD,
        "code": totp_code(app, demo_email("dr.walsh")),
    }
    refused = refuse(app, client_as(app, "dr.walsh"), "/emergency", data, form_page="/emergency")
    assert "Say why you need emergency access, in at least 20 characters." in refused.page
    assert refused.logged("emergency:start") == [
        (user_id(app, "dr.walsh"), jordan, "denied", "no_reason")
    ]
