"""IDOR sweep: every URL that names someone's object, used by its owner, then replayed by every
other demo person. Each replay is refused (403 by permission, or 404: withheld looks like
missing), changes nothing, and leaves a denied entry in the access log.

A new route with an id in its path must be added to SWEEP (or to ROLE_WIDE, with the reason it
is not owned by one person), or `test_every_route_with_an_id_is_swept` fails. The APIs' writes
(`/api/...`) are swept here too, replayed with each person's own token and no cookie, their
`data` sent as the JSON body, where a case is listed; every API route, read or write, is held
to its web twin's answers and log entries, role by role, by `tests/api/test_api_matrix.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import Base, get_database, utcnow
from peernotes.demo.loader import PEOPLE
from peernotes.flags import service as flags
from tests.helpers import csrf_token, demo_email, sign_in, user_id
from tests.workforce.test_wellbeing import demo_concern


@dataclass(frozen=True)
class Case:
    method: str
    #: A path with {placeholders} filled from the objects built by `_objects`.
    path: str
    #: Demo people entitled to it; everyone else is replayed against it.
    owners: tuple[str, ...]
    data: dict[str, str] = field(default_factory=dict)


SWEEP: tuple[Case, ...] = (
    # Jordan's change of peer worker (the demo's), and the handover Sam wrote for it.
    Case(
        "POST", "/my/peer-worker/requests/{worker_request}/handover", ("jordan",), {"consent": "no"}
    ),
    Case("POST", "/my/peer-worker/requests/{worker_request}/cancel", ("jordan",)),
    Case("GET", "/handover/{worker_request}", ("jordan", "sam")),
    Case("GET", "/handover/{worker_request}/write", ("sam",)),
    Case("POST", "/handover/{worker_request}/write", ("sam",), {"summary": "More."}),
    Case("GET", "/people/{jordan}/record", ("jordan", "dr.chen")),
    Case("GET", "/people/{jordan}/record/{entry}", ("jordan", "dr.chen")),
    Case("GET", "/people/{jordan}/record/new", ("dr.chen",)),
    Case(
        "POST",
        "/people/{jordan}/record/new",
        ("dr.chen",),
        {"category": "clinical_note", "title": "Seen today", "body": "Jordan is settled."},
    ),
    Case(
        "POST",
        "/people/{alex}/record/{alex_entry}/statements",
        ("alex",),
        {"kind": "own_words", "text": "My words."},
    ),
    Case(
        "POST",
        "/people/{alex}/record/{alex_entry}/corrections/{record_correction}/answer",
        ("dr.chen",),
        {"text": "Changed it."},
    ),
    Case(
        "POST",
        "/people/{jordan}/record/{entry}/amend",
        ("dr.chen",),
        {"title": "First appointment", "body": "Corrected.", "reason": "Typo in the date."},
    ),
    Case("GET", "/people/{jordan}/safety", ("dr.chen",)),
    Case(
        "POST",
        "/people/{jordan}/safety",
        ("dr.chen",),
        {"kind": "serious_harm", "reason": "Said they had a plan to hurt someone."},
    ),
    Case("POST", "/people/{jordan}/safety/{flag}/lift", ("dr.chen",)),
    Case("POST", "/my/consent/{provision}/revoke", ("alex",)),
    Case("GET", "/people/{jordan}/consent", ("sam", "dr.chen")),
    Case(
        "POST",
        "/people/{jordan}/consent",
        ("sam", "dr.chen"),
        {
            "grantee": "person:{sam}",
            "categories": "clinical_note",
            "act": "read",
            "purpose": "asked for it in our session",
            "days": "30",
            "present": "y",
        },
    ),
    Case(
        "POST",
        "/people/{jordan}/consent/{jordan_provision}/revoke",
        ("sam", "dr.chen"),
        {"present": "y"},
    ),
    Case("POST", "/my/carers/{nomination}/end", ("alex",)),
    Case("GET", "/my/consent/preview?person={linh}", ("alex",)),
    # Notes: Alex's shared note (by Sam; Dr Chen in his care; Dr Walsh has emergency access).
    Case("GET", "/notes/{shared_note}", ("alex", "dr.chen", "dr.walsh", "sam")),
    Case("GET", "/people/{alex}/notes", ("alex", "dr.chen", "dr.walsh")),
    Case("GET", "/people/{alex}/notes/new", ("sam",)),
    Case("GET", "/people/{alex}/timeline", ("sam", "dr.chen", "dr.walsh", "alex")),
    Case(
        "POST",
        "/people/{alex}/notes/new",
        ("sam",),
        {"heading": "What we talked about", "body": "Something new."},
    ),
    Case(
        "POST",
        "/notes/{draft_note}/save",
        ("sam",),
        # Revision 2 is the demo draft's newest: the wellbeing demo tagged a section of it.
        {"heading": "What we talked about", "body": "Edited.", "based_on": "2"},
    ),
    Case("POST", "/notes/{draft_note}/propose", ("sam",)),
    Case("POST", "/notes/{draft_note}/withdraw", ("sam",)),
    Case(
        "POST",
        "/notes/{proposed_note}/approve",
        ("alex",),
        {"sections": "4", "revision": "1", **{f"audience-{i}": "care_team" for i in range(4)}},
    ),
    Case(
        "POST",
        "/notes/{proposed_note}/in-person",
        ("sam",),
        {"sections": "4", "revision": "1", **{f"audience-{i}": "just_us" for i in range(4)}},
    ),
    Case("POST", "/notes/{proposed_note}/request-changes", ("alex",), {"comment": "Not yet."}),
    Case("POST", "/notes/{proposed_note}/decline", ("alex",)),
    Case("POST", "/notes/{shared_note}/statements", ("alex",), {"text": "My words."}),
    Case("POST", "/notes/{attested_note}/in-person/confirm", ("alex",)),
    # Risk concerns about Alex, raised by Sam (Dr Chen supervises Sam and is in Alex's care;
    # Dr Walsh's emergency access to Alex does not reach them).
    Case("GET", "/people/{alex}/risk/new", ("sam",)),
    Case(
        "POST",
        "/people/{alex}/risk/new",
        ("sam",),
        {"observed": "Seen.", "why_now": "Now.", "what_done": "Called the team."},
    ),
    Case("GET", "/risk/{risk}", ("alex", "dr.chen", "sam")),
    Case("POST", "/risk/{risk}/cosign", ("dr.chen",)),
    Case(
        "POST",
        "/risk/{risk}/delay",
        ("dr.chen",),
        {"reason": "Telling him today could put him at risk.", "hours": "24"},
    ),
    Case("POST", "/risk/{delayed_risk}/lift-delay", ("dr.chen",)),
    # Filing needs the author and the consumer's contribute consent; without it the answer is
    # a refusal (logged) and nothing is stored, for the author too: so no one "owns" it here
    # but Sam, whose attempt is refused with a message rather than a 404.
    Case("POST", "/notes/{shared_note}/file", ("sam",), {"section": "1", "category": "care_plan"}),
    Case(
        "POST",
        "/notes/{shared_note}/corrections/{correction}/reply",
        ("sam",),
        {"text": "Changed it."},
    ),
    # Supervision: Dr Chen supervises Sam; Dr Walsh (Helen's supervisor) is replayed too.
    Case("GET", "/supervision/workers/{sam}", ("dr.chen",)),
    Case("GET", "/supervision/workers/{sam}/sessions/new", ("dr.chen",)),
    Case(
        "POST",
        "/supervision/workers/{sam}/sessions/new",
        ("dr.chen",),
        {"held_on": "2025-06-02", "topics": "Boundaries.", "wellbeing": "", "actions": ""},
    ),
    Case("GET", "/supervision/sessions/{supervision_session}", ("dr.chen",)),
    Case("GET", "/my/supervision/{supervision_session}", ("sam",)),
    # Groups: the DBT skills group's newer session, facilitated by Tui and Dr Walsh.
    Case("GET", "/groups/sessions/{dbt_session}", ("tui", "dr.walsh")),
    Case("GET", "/groups/{dbt_group}/sessions/new", ("tui", "dr.walsh")),
    Case(
        "POST",
        "/groups/{dbt_group}/sessions/new",
        ("tui", "dr.walsh"),
        {"held_on": "2025-06-02", "topic": "Wise mind", "attendees": "{alex}"},
    ),
    # Support agreements: Sam and Alex's (the demo's, in force; Dr Chen supervises Sam), and
    # one Sam proposed to Jordan, waiting for Jordan (Sam's own click is answered calmly).
    Case("GET", "/people/{alex}/agreement", ("sam",)),
    Case(
        "POST",
        "/people/{alex}/agreement",
        ("sam",),
        {"methods": "phone", "days": "0", "starts_at": "09:00", "ends_at": "17:00"},
    ),
    Case("GET", "/agreements/{agreement}", ("alex", "dr.chen", "sam")),
    Case("POST", "/agreements/{pending_agreement}/confirm", ("sam", "jordan")),
    Case("GET", "/agreements/{agreement}/change", ("alex", "sam")),
    Case(
        "POST",
        "/agreements/{agreement}/change",
        ("alex", "sam"),
        {"methods": "text", "days": "1", "starts_at": "10:00", "ends_at": "12:00"},
    ),
    # One of Alex's notifications (the demo's): opening it marks it read.
    Case("GET", "/notifications/{notification}", ("alex",)),
    # One of Alex's sessions (another browser of his): only he may end it.
    Case("POST", "/account/sessions/{alex_session}/end", ("alex",)),
    # One of Alex's personal access tokens: only he may revoke it.
    Case("POST", "/account/tokens/{alex_token}/revoke", ("alex",)),
    # "My wishes": Maya's (the demo's), written with Tui, sent, read by Dr Walsh (her care).
    Case("GET", "/people/{maya}/wishes", ("maya", "tui", "dr.walsh")),
    Case("GET", "/wishes/{wish}", ("maya", "tui", "dr.walsh")),
    Case("GET", "/wishes/{wish}/edit", ("maya", "tui")),
    Case("POST", "/wishes/{wish}/edit", ("maya", "tui"), {"know": "A new version.", "send": "0"}),
    Case("POST", "/wishes/{wish}/send", ("maya",)),
    Case("POST", "/wishes/{wish}/reply", ("dr.walsh",), {"text": "Noted, thank you."}),
    # A workplace concern: the demo's, Tui's with the coordinator instead of her supervisor.
    Case("GET", "/my/wellbeing/concerns/{workplace_concern}", ("tui",)),
    Case(
        "POST",
        "/my/wellbeing/concerns/{workplace_concern}",
        ("tui",),
        {"what": "reply", "text": "Thank you."},
    ),
    Case("GET", "/wellbeing/concerns/{workplace_concern}", ("admin",)),
    Case(
        "POST",
        "/wellbeing/concerns/{workplace_concern}",
        ("admin",),
        {"what": "reply", "text": "We meet on Thursday."},
    ),
    # The API, with each person's own token: a JSON body (none here), no cookie.
    Case("POST", "/api/v1/consent/provisions/{provision}/revoke", ("alex",)),
    # Alex's "about me", which he shared with Sam alone (the demo's; only consent opens it).
    Case("GET", "/people/{alex}/about-me", ("sam",)),
    # The skills and resources Alex keeps with Sam (the demo's "Opposite action").
    Case("GET", "/people/{alex}/skills", ("alex", "sam")),
    Case("POST", "/people/{alex}/skills", ("alex", "sam"), {"kind": "skill", "name": "Swept"}),
    Case("GET", "/skills/{skill_item}/change", ("alex", "sam")),
    Case(
        "POST",
        "/skills/{skill_item}/change",
        ("alex", "sam"),
        {"name": "Opposite action", "about": "Changed", "worked": "Changed"},
    ),
    Case("POST", "/skills/{skill_item}/retire", ("alex", "sam")),
)

#: Routes with ids that belong to a role's work, not to one person (each still checks its
#: permission, which the deny-by-default matrix tests for every role).
ROLE_WIDE = {
    "/admin/worker-requests/<int:request_id>": "coordinators decide every request",
    "/admin/worker-requests/<int:request_id>/confirm": "coordinators decide every request",
    "/admin/worker-requests/<int:request_id>/confirm-without-handover": "coordinators decide "
    "every request",
    "/admin/worker-requests/<int:request_id>/decline": "coordinators decide every request",
    "/admin/accounts/<int:user_id>/deactivate": "coordinators manage every account",
    "/admin/accounts/<int:user_id>/reactivate": "coordinators manage every account",
    "/admin/accounts/<int:user_id>/reset": "coordinators manage every account",
    "/admin/accounts/<int:user_id>/sessions/end": "coordinators manage every account",
    "/admin/accounts/<int:user_id>/mfa-reset": "coordinators manage every account",
    "/admin/assignments/<int:assignment_id>/end": "coordinators manage every assignment",
    "/admin/teams/<int:team_id>": "coordinators manage every team",
    "/admin/teams/<int:team_id>/deactivate": "coordinators manage every team",
    "/admin/teams/<int:team_id>/members/<int:membership_id>/end": "every team",
    "/audit/entries/<int:seq>": "auditors review the whole log (metadata only)",
    "/audit/emergency/<int:access_id>": "auditors review every emergency access",
    "/admin/groups/<int:group_id>": "coordinators see every group",
    "/admin/groups/<int:group_id>/sessions/new": "coordinators record sessions of every group",
    "/admin/groups/sessions/<int:group_session_id>": "coordinators see every group's attendance",
    "/admin/language/<int:term_id>/retire": "the service's one language list, coordinators'",
    "/admin/on-call/<int:slot_id>/end": "the service's one on-call roster, coordinators'",
}


def test_every_route_with_an_id_is_swept(app: Flask) -> None:
    swept = {re.sub(r"\{\w+\}", "<id>", c.path.split("?")[0]) for c in SWEEP}
    missing = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule or rule.rule in ROLE_WIDE:
            continue
        if rule.rule.startswith(("/api/", "/fhir")):
            continue  # the API matrix holds them to their web twins (the docstring)
        # The one string part of a route (confirm or dispute) is swept as "confirm".
        normalised = re.sub(r"<string:\w+>", "confirm", re.sub(r"<int:\w+>", "<id>", rule.rule))
        if normalised not in swept:
            missing.append(rule.rule)
    assert missing == []


def _objects(app: Flask) -> dict[str, int]:
    """Objects owned by Alex and Jordan (and their clinician), made the way the app makes them."""
    ids = {key: user_id(app, key) for key in ("alex", "jordan", "linh", "sam", "dr.chen")}
    from tests.workforce.test_groups import group_objects

    ids.update(group_objects(app))
    from tests.workforce.test_agreements import agreement_objects

    ids.update(agreement_objects(app))
    from tests.wishes.test_wishes import wish_objects

    ids.update(wish_objects(app))
    from tests.skills.test_skills import first_item

    ids["skill_item"] = first_item(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        from peernotes.care.models import CarerNomination
        from peernotes.records.models import RecordEntry

        alex = db.get_one(User, ids["alex"])
        now = utcnow()
        provision = consent.grant(
            db,
            By(alex.id, Role.CONSUMER, "sweep"),
            alex,
            consent.Grant(
                GranteeKind.PERSON,
                ids["sam"],
                None,
                None,
                Act.READ,
                frozenset({Category.CARE_PLAN}),
                "my plan",
                now,
                now + timedelta(days=30),
            ),
        )
        jordan = db.get_one(User, ids["jordan"])
        jordan_provision = consent.grant(
            db,
            By(jordan.id, Role.CONSUMER, "sweep"),
            jordan,
            consent.Grant(
                # Clinicians in Jordan's care (Dr Chen only): no one replayed gains a basis.
                GranteeKind.ROLE,
                None,
                Role.CLINICIAN,
                None,
                Act.READ,
                frozenset({Category.MEDICATION}),
                "so Sam knows",
                now,
                now + timedelta(days=30),
            ),
        )
        flag = flags.set_flag(
            db,
            By(ids["dr.chen"], Role.CLINICIAN, "sweep"),
            ids["jordan"],
            "serious_harm",
            "Worried about risk this week.",
        )
        nomination = db.scalar(
            select(CarerNomination.id).where(CarerNomination.consumer_id == ids["alex"])
        )
        entry = db.scalar(select(RecordEntry.id).where(RecordEntry.subject_id == ids["jordan"]))
        from peernotes.records.models import RecordEntryStatement

        # The demo's request for a correction on one of Alex's entries, waiting for Dr Chen.
        record_correction = db.scalar(
            select(RecordEntryStatement).where(RecordEntryStatement.kind == "correction")
        )
        assert record_correction is not None
        db.commit()
        assert nomination is not None and entry is not None
        from peernotes.notes.models import Note, NoteStatement

        def note_in(state: str) -> int:
            found = db.scalar(
                select(Note.id)
                .where(Note.subject_id == ids["alex"], Note.state == state)
                .order_by(Note.id)
            )
            assert found is not None, state
            return found

        from peernotes.notes import service as notes

        sam = By(ids["sam"], Role.CONSUMER_PEER_WORKER, "sweep")
        attested = notes.create(
            db, sam, ids["alex"], [notes.Section("What we talked about", "In person today.")]
        )
        notes.propose(db, sam, attested.id)
        notes.approve_in_person(db, sam, attested.id, ["care_team"], 1)
        alex_by = By(ids["alex"], Role.CONSUMER, "sweep")
        notes.add_statement(db, alex_by, note_in("shared"), "correction", "Tuesday, not Monday.")
        correction = db.scalar(select(NoteStatement.id).where(NoteStatement.kind == "correction"))
        from peernotes.risk import service as risk

        concerns = [
            risk.raise_concern(db, sam, ids["alex"], "Seen.", "Now.", "Called the team.")
            for _ in range(2)
        ]
        risk.delay(
            db,
            By(ids["dr.chen"], Role.CLINICIAN, "sweep"),
            concerns[1].id,
            "Telling him today could put him at risk.",
            24,
            max_hours=72,
        )
        from peernotes.supervision import sessions as supervision_sessions

        supervision_session = supervision_sessions.log_session(
            db,
            By(ids["dr.chen"], Role.CLINICIAN, "sweep"),
            ids["sam"],
            utcnow().date(),
            "Topics.",
            "",
            "",
            today=utcnow().date(),
        )
        db.commit()
        from peernotes.workforce.choosing.models import WorkerRequest

        worker_request = db.scalar(
            select(WorkerRequest.id).where(WorkerRequest.subject_id == ids["jordan"])
        )
        from peernotes.notifications.models import Notification

        notification = db.scalar(
            select(Notification.id)
            .where(Notification.person_id == ids["alex"], Notification.kind != "risk_about_you")
            .order_by(Notification.id)
        )
        from peernotes.auth.sessions import start_session

        alex_session, _token = start_session(db, db.get_one(User, ids["alex"]))
        from peernotes.auth.api_tokens import TokenScope, create_token

        alex_token = create_token(db, db.get_one(User, ids["alex"]), "app", TokenScope.WRITE, 30)
        db.commit()
        return {
            **ids,
            "alex_token": alex_token.row.id,
            "alex_session": alex_session.id,
            "notification": notification,
            "worker_request": worker_request,
            "supervision_session": supervision_session.id,
            "workplace_concern": demo_concern(app),
            "attested_note": attested.id,
            "correction": correction,
            "risk": concerns[0].id,
            "delayed_risk": concerns[1].id,
            "shared_note": note_in("shared"),
            "proposed_note": note_in("proposed"),
            "draft_note": note_in("draft"),
            "jordan_provision": jordan_provision.id,
            "provision": provision.id,
            "flag": flag.id,
            "nomination": nomination,
            "entry": entry,
            "alex_entry": record_correction.entry_id,
            "record_correction": record_correction.id,
        }


def _snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every governed table's rows (not the access log or sign-in sessions, which must grow)."""
    skip = {"audit_log", "login_sessions"}
    with app.app_context(), get_database(app).engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(table.select())), key=repr
            )
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


def _denied_by(app: Flask, actor: int) -> int:
    with app.app_context(), get_database(app).engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM audit_log WHERE actor_id = :a AND outcome = 'denied'"),
                {"a": actor},
            ).scalar_one()
        )


@dataclass(frozen=True)
class Bearer:
    """An app of the person's, for API cases: their token, and no cookie."""

    client: FlaskClient
    token: str


def _api_senders(app: Flask) -> dict[str, FlaskClient | Bearer]:
    """A write token for each demo person, marked used just now: using it again within the
    minute writes nothing, so the snapshot of every table stays as it was."""
    from peernotes.auth.api_tokens import TokenScope, create_token

    tokens: dict[str, FlaskClient | Bearer] = {}
    ids = {person.key: user_id(app, person.key) for person in PEOPLE}
    with app.app_context(), get_database(app).session() as db:
        for person in PEOPLE:
            user = db.get_one(User, ids[person.key])
            issued = create_token(db, user, "sweep", TokenScope.WRITE, 1)
            issued.row.last_used_at = utcnow()
            tokens[person.key] = Bearer(app.test_client(), issued.secret)
        db.commit()
    return tokens


def _send(client: FlaskClient | Bearer, case: Case, path: str, objects: dict[str, int]) -> int:
    if isinstance(client, Bearer):
        body = {name: value.format(**objects) for name, value in case.data.items()}
        headers = {"Authorization": f"Bearer {client.token}"}
        return client.client.open(path, method=case.method, headers=headers, json=body).status_code
    if case.method == "GET":
        return client.get(path).status_code
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {name: value.format(**objects) for name, value in case.data.items()}
    return client.post(path, data={**data, "csrf_token": token}).status_code


@pytest.mark.parametrize("case", SWEEP, ids=lambda c: f"{c.method} {c.path}")
def test_replayed_by_anyone_else_it_is_refused_and_changes_nothing(app: Flask, case: Case) -> None:
    objects = _objects(app)
    path = case.path.format(**objects)
    clients: dict[str, FlaskClient] = {}
    for person in PEOPLE:
        clients[person.key] = app.test_client()
        assert sign_in(clients[person.key], demo_email(person.key)).status_code == 302

    senders: dict[str, FlaskClient | Bearer] = dict(clients)
    if path.startswith("/api/"):
        senders = _api_senders(app)
    before = _snapshot(app)
    for person in PEOPLE:
        if person.key in case.owners:
            continue
        actor = user_id(app, person.key)
        denied = _denied_by(app, actor)
        status = _send(senders[person.key], case, path, objects)
        assert status in (403, 404), f"{person.key}: {status}"
        assert _snapshot(app) == before, f"{person.key} changed something"
        assert _denied_by(app, actor) == denied + 1, f"{person.key}: no denied entry in the log"

    # The owner really can use it: the sweep is aimed at something that exists.
    owner = case.owners[-1]
    assert _send(senders[owner], case, path, objects) in (200, 302)
