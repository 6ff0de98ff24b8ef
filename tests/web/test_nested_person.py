"""An object reached through another person's address answers 404 and changes nothing.

A probe found that a clinician POSTing `/people/9/record/1/amend` amended entry 1, which is about
person 8: the view took the entry from the address and never asked whose it was. Every route
`/people/<subject_id>/…/<object id>` is walked here with its object's owner signing in, the
object real, and the person in the address someone else the same owner may act for (so the
refusal cannot come from anything but the mismatch). `test_every_nested_route_is_walked`
fails when a new such route is not in NESTED.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select, text

from peernotes.db import get_database
from peernotes.web.converters import DatabaseId
from tests.helpers import csrf_token, demo_email, sign_in, user_id
from tests.web.test_idor_sweep import _objects, _snapshot


@dataclass(frozen=True)
class Nested:
    method: str
    #: The rule as Flask spells it (the completeness check compares these).
    rule: str
    #: The path with {placeholders} from the idor sweep's objects; {other} is the person in
    #: the address, who is not the object's.
    path: str
    who: str
    other: str
    data: dict[str, str] = field(default_factory=dict)
    #: Actions whose refusal is logged (as a missing object's is); None when a missing one's
    #: refusal is not logged either (it must then not be logged about the address's person).
    action: str | None = None
    #: The object's real container (its person, note or team): the logged refusal is about
    #: them, and through their address the same request works.
    owner: str = ""
    #: What the mismatch answers: a 404, or (where a mismatched inner object is a refused
    #: step on a page the person may use) the step's message and a redirect.
    refused: tuple[int, ...] = (404,)
    #: Whether {other} and {owner} are people (the log is then checked about them).
    people: bool = True


_ENTRY = "/people/<int:subject_id>/record/<int:entry_id>"

NESTED: tuple[Nested, ...] = (
    Nested(
        "GET",
        _ENTRY,
        "/people/{other}/record/{entry}",
        "dr.chen",
        "alex",
        action="record:read",
        owner="jordan",
    ),
    Nested(
        "POST",
        f"{_ENTRY}/amend",
        "/people/{other}/record/{entry}/amend",
        "dr.chen",
        "alex",
        {"title": "First appointment", "body": "Corrected.", "reason": "Typo in the date."},
        action="record:amend",
        owner="jordan",
    ),
    Nested(
        "POST",
        f"{_ENTRY}/amend",
        "/people/{other}/record/{entry}/amend",
        "dr.chen",
        "alex",
        {"reason": "Wrong person.", "entered_in_error": "y"},
        action="record:amend",
        owner="jordan",
    ),
    Nested(
        "POST",
        f"{_ENTRY}/statements",
        "/people/{other}/record/{alex_entry}/statements",
        "alex",
        "jordan",
        {"kind": "own_words", "text": "My words."},
        action="record:statement",
        owner="alex",
    ),
    Nested(
        "POST",
        f"{_ENTRY}/corrections/<int:correction_id>/answer",
        "/people/{other}/record/{alex_entry}/corrections/{record_correction}/answer",
        "dr.chen",
        "jordan",
        {"text": "Changed it."},
        action="record:correction_reply",
        owner="alex",
    ),
    Nested(
        "POST",
        "/people/<int:subject_id>/safety/<int:flag_id>/lift",
        "/people/{other}/safety/{flag}/lift",
        "dr.chen",
        "alex",
        owner="jordan",
    ),
    Nested(
        "POST",
        "/people/<int:subject_id>/consent/<int:provision_id>/revoke",
        "/people/{other}/consent/{jordan_provision}/revoke",
        "dr.chen",
        "alex",
        {"present": "y"},
        action="consent:revoke",
        owner="jordan",
    ),
)

#: Nested routes whose outer object is not a person: the same flaw would be the same leak.
NESTED_ELSEWHERE: tuple[Nested, ...] = (
    Nested(
        "POST",
        "/notes/<int:note_id>/corrections/<int:correction_id>/reply",
        "/notes/{other}/corrections/{correction}/reply",
        "sam",
        "attested_note",
        {"text": "Changed it."},
        owner="shared_note",
        refused=(302, 404),
        people=False,
    ),
    Nested(
        "POST",
        "/admin/teams/<int:team_id>/members/<int:membership_id>/end",
        "/admin/teams/{other}/members/{membership}/end",
        "admin",
        "other_team",
        owner="team",
        people=False,
    ),
)


def _with_teams(app: Flask, objects: dict[str, int]) -> dict[str, int]:
    """The demo's team, one of its memberships, and a second team for the mismatch."""
    from peernotes.audit.writer import By
    from peernotes.auth.roles import Role
    from peernotes.care import service as care
    from peernotes.care.models import Team, TeamMembership

    with app.app_context(), get_database(app).session() as db:
        team = db.scalars(select(Team).order_by(Team.id)).first()
        assert team is not None
        membership = db.scalar(
            select(TeamMembership.id).where(TeamMembership.team_id == team.id).limit(1)
        )
        other = care.create_team(
            db, "Second team", "For the test.", by=By(objects["admin"], Role.ADMIN, "t")
        )
        db.commit()
        assert membership is not None
        return {**objects, "team": team.id, "membership": membership, "other_team": other.id}


class _Sender:
    """The case's person signed in, with a form token, ready to send: what signing in and
    loading a page log is behind us before the request under test."""

    def __init__(self, app: Flask, case: Nested) -> None:
        self.case = case
        self.client = app.test_client()
        assert sign_in(self.client, demo_email(case.who)).status_code == 302
        self.token = csrf_token(self.client.get("/").get_data(as_text=True))

    def send(self, path: str) -> int:
        if self.case.method == "GET":
            return self.client.get(path).status_code
        data = {**self.case.data, "csrf_token": self.token}
        return self.client.post(path, data=data).status_code


def _last_entry(app: Flask) -> tuple[object, ...]:
    with app.app_context(), get_database(app).engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT action, outcome, subject_id, basis FROM audit_log ORDER BY seq DESC LIMIT 1"
            )
        ).one()
    return tuple(row)


def _seq(app: Flask) -> int:
    with app.app_context(), get_database(app).engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM audit_log")).scalar_one())


@pytest.mark.parametrize(
    "case",
    NESTED + NESTED_ELSEWHERE,
    ids=lambda c: f"{c.method} {c.path} {','.join(sorted(c.data))}",
)
def test_an_object_through_another_address_is_refused(app: Flask, case: Nested) -> None:
    objects = _with_teams(app, {**_objects(app), "admin": user_id(app, "admin")})
    path = case.path.format(**{**objects, "other": objects[case.other]})
    sender = _Sender(app, case)
    before = _snapshot(app)
    seq = _seq(app)

    assert sender.send(path) in case.refused
    assert _snapshot(app) == before, "something changed"
    if case.action is not None:
        # Logged as a missing object is: denied, not found, about the object's real subject,
        # never about the person the address names.
        action, outcome, subject, basis = _last_entry(app)
        assert (action, outcome, basis) == (case.action, "denied", "not_found")
        assert subject == objects[case.owner]
    elif case.people:
        # A missing object's refusal is not logged here: neither is this one, so nothing is
        # said about the address's person either.
        with app.app_context(), get_database(app).engine.connect() as conn:
            about_other = conn.execute(
                text("SELECT count(*) FROM audit_log WHERE seq > :s AND subject_id = :o"),
                {"s": seq, "o": objects[case.other]},
            ).scalar_one()
        assert about_other == 0

    # Through the object's own person's address the same request works: the 404 was the
    # mismatch, nothing else.
    own_path = case.path.format(**{**objects, "other": objects[case.owner]})
    assert sender.send(own_path) in (200, 302)
    if case.method == "POST":
        assert _snapshot(app) != before, "the request through its own address did nothing"


def test_every_nested_route_is_walked(app: Flask) -> None:
    """Each rule that names an object inside another (two ids or more) is walked."""
    nested = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if sum(isinstance(c, DatabaseId) for c in rule._converters.values()) > 1
        # The APIs' nested routes are walked by their own tests (tests/api/).
        and not rule.rule.startswith(("/api/", "/fhir"))
    }
    assert nested == {c.rule for c in NESTED + NESTED_ELSEWHERE}
