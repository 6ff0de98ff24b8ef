"""Choosing a peer worker through the pages: profiles and the pause, preferences, matches with
reasons, requests, the coordinator's confirmation, a change of worker (the old worker's next
request is refused and logged), and the handover summary following the person's consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.access.objects import HandoverFacts, decide_handover
from peernotes.access.queries import current_provisions
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care.models import Team
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.records.service import write_entry
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.choosing.models import RequestState, WorkerRequest
from peernotes.workforce.profiles import service as profiles
from peernotes.workforce.profiles.models import WorkerProfile
from tests.audit.helpers import rows
from tests.helpers import (
    app_database_url,
    client_as,
    count_rows,
    csrf_token,
    last_entry,
    post_with_token,
    query,
    user_id,
)
from tests.workforce.test_training_import import _record as record_training

HANDOVER = "HANDOVER-CANARY-71c2 Alex likes to walk while we talk; mornings are best."


_url = app_database_url
_client = client_as
_post = post_with_token
_count = count_rows
_last = last_entry


def _profile(client: FlaskClient, **fields: object) -> None:
    data: dict[str, object] = {
        "gender": "",
        "age_band": "",
        "languages": "",
        "culture": "",
        "availability": "",
        "about": "",
        "capacity": "6",
    }
    data.update(fields)
    page = client.get("/my/profile")
    assert page.status_code == 200
    response = client.post(
        "/my/profile", data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _prefs(client: FlaskClient, rows_: list[tuple[str, str, str]], frequency: str = ""):  # type: ignore[no-untyped-def]
    data = {"frequency": frequency}
    for i, (attribute, value, importance) in enumerate(rows_):
        data.update(
            {f"attribute-{i}": attribute, f"value-{i}": value, f"importance-{i}": importance}
        )
    return _post(client, "/my/peer-worker/preferences", data)


def _waiting_request(app: Flask, subject: int) -> int:
    return int(
        rows(
            _url(app),
            "SELECT id FROM worker_requests WHERE subject_id = :s AND state = 'requested'",
            {"s": subject},
        )[0][0]  # type: ignore[call-overload]
    )


# Profiles, preferences and matches ------------------------------------------------------------


def test_matches_show_reasons_and_respect_hidden_fields(app: Flask) -> None:
    tui = _client(app, "tui")
    _profile(
        tui,
        gender="woman",
        languages="English, Vietnamese",
        lived_experience=["bpd"],
        formats=["group", "individual"],
        shown=["gender", "languages", "lived_experience", "formats"],
        culture="SECRET-CULTURE-CANARY",  # written, not shown
    )
    alex = _client(app, "alex")
    response = _prefs(
        alex,
        [
            ("language", "vietnamese", "must"),
            ("lived_experience", "bpd", "nice"),
            ("format", "group", "nice"),
        ],
        "weekly",
    )
    assert response.status_code == 302
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "Tui Henare" in page
    assert "speaks Vietnamese · lived experience of BPD · offers group" in page
    # What Tui shows about herself is there to read, and what she hides is not.
    more = page.split("More about Tui Henare", 1)[1].split("</details>", 1)[0]
    assert "<dt>Languages</dt>" in more and "Vietnamese" in more
    assert "SECRET-CULTURE-CANARY" not in page
    # Sam is Alex's worker now: he is not offered, and he does not speak Vietnamese anyway.
    assert "Ask for Sam Rivera" not in page
    # A culture must-have the worker hides is never met.
    _prefs(alex, [("culture", "SECRET-CULTURE-CANARY", "must")])
    assert "Ask for Tui Henare" not in alex.get("/my/peer-worker").get_data(as_text=True)


def test_preferences_naming_an_unknown_attribute_store_nothing(app: Flask) -> None:
    alex = _client(app, "alex")
    before = _count(app, "match_preferences")
    response = _prefs(alex, [("language", "Greek", "must"), ("star_sign", "Leo", "must")])
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "is not something we can match on" in body and "Nothing was saved" in body
    response = _prefs(alex, [("age_band", "40", "nice")])
    assert response.status_code == 400
    assert "is not one of the choices for age" in response.get_data(as_text=True)
    response = _prefs(alex, [("language", "Greek", "must")], frequency="hourly")
    assert response.status_code == 400
    assert _count(app, "match_preferences") == before


def test_paused_worker_is_not_offered_and_can_come_back(app: Flask) -> None:
    alex = _client(app, "alex")
    assert "Ask for Tui Henare" in alex.get("/my/peer-worker").get_data(as_text=True)
    tui = _client(app, "tui")
    assert _post(tui, "/my/profile/pause", {}).status_code == 302
    assert "New matches are paused" in tui.get("/my/profile").get_data(as_text=True)
    assert "Ask for Tui Henare" not in alex.get("/my/peer-worker").get_data(as_text=True)
    # Asking for her anyway (an old page) is refused plainly, and nothing is stored.
    before = _count(app, "worker_requests")
    page = _post(alex, "/my/peer-worker/request", {"worker_id": str(user_id(app, "tui"))})
    assert page.status_code == 302
    assert "taking new people at the moment" in alex.get("/my/peer-worker").get_data(as_text=True)
    assert _count(app, "worker_requests") == before
    assert _post(tui, "/my/profile/resume", {}).status_code == 302
    assert "Ask for Tui Henare" in alex.get("/my/peer-worker").get_data(as_text=True)


def test_pausing_twice_or_opening_what_is_open_is_refused_and_adds_nothing(app: Flask) -> None:
    # A peer worker who has never filled in a profile: a refusal must not leave one behind.
    with app.app_context(), get_database(app).session() as db:
        worker = User(
            email="new.worker@peernotes.example",
            display_name="New Worker",
            role=Role.CONSUMER_PEER_WORKER,
            password_hash="x",
        )
        db.add(worker)
        db.commit()
        by = By(worker.id, Role.CONSUMER_PEER_WORKER, "test")
        with pytest.raises(profiles.ProfileError, match="already open"):
            profiles.set_paused(db, by, False)
        assert db.get(WorkerProfile, worker.id) is None
        profiles.set_paused(db, by, True)
        with pytest.raises(profiles.ProfileError, match="already paused"):
            profiles.set_paused(db, by, True)
        db.commit()
        assert db.get_one(WorkerProfile, worker.id).paused_at is not None


def test_full_worker_is_not_offered(app: Flask) -> None:
    tui = _client(app, "tui")
    _profile(tui, capacity="1")  # Tui supports Maya already
    alex = _client(app, "alex")
    assert "Ask for Tui Henare" not in alex.get("/my/peer-worker").get_data(as_text=True)


def test_bad_profile_input_changes_nothing(app: Flask) -> None:
    tui_id = user_id(app, "tui")
    before = query(app, "SELECT * FROM worker_profiles WHERE user_id = :u", {"u": tui_id})
    assert before  # the demo's profile
    tui = _client(app, "tui")
    page = tui.get("/my/profile")
    token = csrf_token(page.get_data(as_text=True))
    for data, message in (
        ({"age_band": "12-15"}, "Choose an age band"),
        ({"formats": "carrier pigeon"}, "not one of the choices"),
        ({"capacity": "0"}, "between 1 and 20"),
        ({"capacity": "many"}, "whole number"),
        ({"gender": "x" * 61}, "under 60 characters"),
    ):
        response = tui.post("/my/profile", data={"csrf_token": token, **data})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), data
    assert query(app, "SELECT * FROM worker_profiles WHERE user_id = :u", {"u": tui_id}) == before


# Requesting, confirming, changing ------------------------------------------------------------------


def _share(
    db: Session,
    subject_id: int,
    kind: GranteeKind,
    category: Category,
    purpose: str,
    *,
    person_id: int | None = None,
    role: Role | None = None,
    team_id: int | None = None,
) -> int:
    """The consumer shares one kind of information, to read, for 30 days; the provision id."""
    now = utcnow()
    provision = consent.grant(
        db,
        By(subject_id, Role.CONSUMER, "test"),
        db.get_one(User, subject_id),
        consent.Grant(
            kind,
            person_id,
            role,
            team_id,
            Act.READ,
            frozenset({category}),
            purpose,
            now,
            now + timedelta(days=30),
        ),
    )
    return provision.id


def _grant_sam(app: Flask) -> tuple[int, int]:
    """Alex shares his care plan with peer workers in his care team (by role) and with Sam by
    name; returns (care plan entry id, person provision id)."""
    ids = {k: user_id(app, k) for k in ("alex", "sam", "dr.chen")}
    with app.app_context(), get_database(app).session() as db:
        _share(
            db,
            ids["alex"],
            GranteeKind.ROLE,
            Category.CARE_PLAN,
            "so my peer worker knows my plan",
            role=Role.CONSUMER_PEER_WORKER,
        )
        named = _share(
            db,
            ids["alex"],
            GranteeKind.PERSON,
            Category.MEDICATION,
            "Sam helps with my meds",
            person_id=ids["sam"],
        )
        entry = write_entry(
            db,
            By(ids["dr.chen"], Role.CLINICIAN, "test"),
            db.get_one(User, ids["alex"]),
            "care_plan",
            "Plan",
            "Walks.",
        )
        db.commit()
        return entry.id, named


def test_change_of_worker_ends_the_old_workers_access_at_once(app: Flask) -> None:
    entry_id, _named = _grant_sam(app)
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    sam = _client(app, "sam")
    record = f"/people/{alex_id}/record/{entry_id}"
    assert sam.get(record).status_code == 200

    alex = _client(app, "alex")
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "Ask for a different peer worker" in page and "don't have to say why" in page
    response = _post(
        alex,
        "/my/peer-worker/request",
        # No handover: one would hold the confirmation (test_handover_flow.py).
        {"worker_id": str(tui_id), "stop_named_sharing": "yes"},
    )
    assert response.status_code == 302
    request_id = _waiting_request(app, alex_id)
    assert _last(app, "workforce:request")[1:] == (
        alex_id,
        "worker_request",
        str(request_id),
        "allowed",
        "self",
    )
    # Asking to stop sharing with Sam by name ended that provision, by Alex's own hand.
    assert _last(app, "consent:revoke")[0] == alex_id
    # Until the coordinator confirms, Sam is still Alex's peer worker.
    assert sam.get(record).status_code == 200

    admin = _client(app, "admin")
    assert "Alex Nguyen" in admin.get("/admin/worker-requests").get_data(as_text=True)
    assert _post(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code == 302
    assert (
        _count(
            app,
            "care_assignments",
            "worker_id = :w AND subject_id = :s AND ended_at IS NULL",
            {"w": tui_id, "s": alex_id},
        )
        == 1
    )
    assert (
        _count(
            app,
            "care_assignments",
            "worker_id = :w AND subject_id = :s AND ended_at IS NULL",
            {"w": sam_id, "s": alex_id},
        )
        == 0
    )

    # Sam's very next request is refused and logged; Tui now sees Alex on her caseload.
    assert sam.get(record).status_code == 404
    actor, subject, _, target, outcome, basis = _last(app, "record:read")
    assert (actor, subject, target, outcome, basis) == (
        sam_id,
        alex_id,
        str(entry_id),
        "denied",
        "no_consent",
    )
    tui = _client(app, "tui")
    assert "Alex Nguyen" in tui.get("/").get_data(as_text=True)
    assert "Alex Nguyen" not in sam.get("/").get_data(as_text=True)
    assert _last(app, "admin:worker_request_confirm")[1:] == (
        alex_id,
        "worker_request",
        str(request_id),
        "allowed",
        "role:admin",
    )


def test_stopping_several_named_shares_at_once_ends_them_all_in_one_version(app: Flask) -> None:
    # Alex shares two more things with Sam by name, each on its own (the demo shares his
    # letters and his "about me"): asking for Tui with "stop sharing with Sam by name" ticked
    # ends all four (it once failed on the second).
    _entry_id, _medication = _grant_sam(app)
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    with app.app_context(), get_database(app).session() as db:
        _share(
            db,
            alex_id,
            GranteeKind.PERSON,
            Category.CARE_PLAN,
            "Sam knows my plan",
            person_id=sam_id,
        )
        db.commit()
        assert len(choosing.named_provisions(db, alex_id, sam_id, utcnow())) == 4
    versions = _count(app, "consent_directives", "subject_id = :s", {"s": alex_id})
    response = _post(
        _client(app, "alex"),
        "/my/peer-worker/request",
        {"worker_id": str(tui_id), "stop_named_sharing": "yes"},
    )
    assert response.status_code == 302
    with app.app_context(), get_database(app).session() as db:
        assert choosing.named_provisions(db, alex_id, sam_id, utcnow()) == []
    assert _count(app, "consent_directives", "subject_id = :s", {"s": alex_id}) == versions + 1
    revoked = query(
        app,
        "SELECT count(*) FROM audit_log WHERE action = 'consent:revoke' AND actor_id = :a",
        {"a": alex_id},
    )
    assert revoked == [(4,)]
    # The role share (peer workers in Alex's care team) is carried over, not stopped.
    with app.app_context(), get_database(app).session() as db:
        kinds = [p.kind for p in current_provisions(db, alex_id, utcnow())]
    assert kinds == [GranteeKind.ROLE]


def test_the_change_page_says_a_team_share_still_reaches_the_current_worker(app: Flask) -> None:
    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    alex = _client(app, "alex")
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "That sharing goes on after a change" not in page  # no team share yet
    ((team_id,),) = query(app, "SELECT id FROM teams WHERE name = 'Borderline Support Team'")
    with app.app_context(), get_database(app).session() as db:
        _share(
            db,
            alex_id,
            GranteeKind.TEAM,
            Category.CARE_PLAN,
            "the whole team",
            team_id=int(team_id),  # type: ignore[call-overload]
        )
        db.commit()
        # Sam is in the team, so the team share reaches him; Tui's membership is not asked.
        assert choosing.teams_sharing_with(db, alex_id, sam_id, utcnow()) == [
            "Borderline Support Team"
        ]
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    assert (
        "You share with Borderline Support Team, and Sam Rivera is in that team. That sharing"
        " goes on after a change, while they are in it."
    ) in page
    assert 'href="/my/consent">your sharing page</a>' in page
    # Once Sam leaves the team, the page no longer says so.
    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        team = db.get_one(Team, int(team_id))  # type: ignore[call-overload]
        for membership in care.current_members(db, team):
            if membership.user_id == sam_id:
                care.end_membership(db, membership, by=admin)
        db.commit()
    assert "That sharing goes on after a change" not in alex.get("/my/peer-worker").get_data(
        as_text=True
    )


def test_only_the_coordinator_confirms(app: Flask) -> None:
    alex_id, tui_id = user_id(app, "alex"), user_id(app, "tui")
    alex = _client(app, "alex")
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    request_id = _waiting_request(app, alex_id)
    assert _post(alex, f"/admin/worker-requests/{request_id}/confirm", {}).status_code == 403
    assert (
        _post(_client(app, "tui"), f"/admin/worker-requests/{request_id}/confirm", {}).status_code
        == 403
    )
    assert _count(app, "worker_requests", "id = :i AND state = 'requested'", {"i": request_id}) == 1


def test_decline_tells_the_person_why(app: Flask) -> None:
    alex_id, tui_id = user_id(app, "alex"), user_id(app, "tui")
    alex = _client(app, "alex")
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    request_id = _waiting_request(app, alex_id)
    admin = _client(app, "admin")
    # Too short to help anyone: refused, nothing changes.
    _post(admin, f"/admin/worker-requests/{request_id}/decline", {"note": "no"})
    assert _count(app, "worker_requests", "id = :i AND state = 'requested'", {"i": request_id}) == 1
    _post(
        admin,
        f"/admin/worker-requests/{request_id}/decline",
        {"note": "Tui is on leave until March; could you choose someone else?"},
    )
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "Tui is on leave until March" in page
    assert "Ask for Tui Henare" in page  # free to choose again


def test_the_database_holds_one_open_request_per_person(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    jordan_id, tui_id = user_id(app, "jordan"), user_id(app, "tui")
    waiting = _count(app, "worker_requests", "subject_id = :s", {"s": jordan_id})
    assert (
        _count(app, "worker_requests", "subject_id = :s AND state = 'requested'", {"s": jordan_id})
        == 1
    )
    # A second open request cannot be stored, whoever tries.
    with app.app_context(), get_database(app).session() as db:
        db.add(
            WorkerRequest(
                subject_id=jordan_id,
                worker_id=tui_id,
                state=RequestState.REQUESTED,
                created_at=utcnow(),
            )
        )
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()
    # As if two requests raced past the check: the second gets the plain answer, nothing is
    # stored or logged, and the transaction goes on.
    monkeypatch.setattr(choosing, "open_request", lambda _db, _subject: None)
    logged = _count(app, "audit_log", "action = 'workforce:request'")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(choosing.ChoosingError, match="already asked for a peer worker"):
            choosing.request_worker(db, By(jordan_id, Role.CONSUMER, "test"), tui_id)
        db.commit()
    assert _count(app, "worker_requests", "subject_id = :s", {"s": jordan_id}) == waiting
    assert _count(app, "audit_log", "action = 'workforce:request'") == logged


def test_one_request_at_a_time_and_cancel(app: Flask) -> None:
    alex_id, tui_id = user_id(app, "alex"), user_id(app, "tui")
    alex = _client(app, "alex")
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    request_id = _waiting_request(app, alex_id)
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    assert _count(app, "worker_requests", "subject_id = :s", {"s": alex_id}) == 1
    # Someone else's request cannot be cancelled: it answers as missing, and is logged.
    maya = _client(app, "maya")
    assert _post(maya, f"/my/peer-worker/requests/{request_id}/cancel", {}).status_code == 404
    assert _last(app, "workforce:request_cancel")[4] == "denied"
    assert _post(alex, f"/my/peer-worker/requests/{request_id}/cancel", {}).status_code == 302
    assert _count(app, "worker_requests", "id = :i AND state = 'cancelled'", {"i": request_id}) == 1


# Handover -----------------------------------------------------------------------------------------


def _change_with_handover(app: Flask, consent_given: bool) -> tuple[int, FlaskClient, FlaskClient]:
    alex_id, tui_id = user_id(app, "alex"), user_id(app, "tui")
    alex = _client(app, "alex")
    data = {"worker_id": str(tui_id)}
    if consent_given:
        data["handover"] = "yes"
    _post(alex, "/my/peer-worker/request", data)
    request_id = _waiting_request(app, alex_id)
    sam = _client(app, "sam")
    return request_id, alex, sam


def test_handover_reaches_the_new_worker_with_consent(app: Flask) -> None:
    request_id, alex, sam = _change_with_handover(app, True)
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    assert "handover" in sam.get("/").get_data(as_text=True).lower()
    response = _post(sam, f"/handover/{request_id}/write", {"summary": HANDOVER})
    assert response.status_code == 302
    # Encrypted at rest.
    (ciphertext,) = rows(_url(app), "SELECT ciphertext FROM handover_summaries")[0]
    assert HANDOVER.encode() not in bytes(ciphertext)  # type: ignore[arg-type]
    tui = _client(app, "tui")
    # Before the change Tui is not Alex's worker yet: refused.
    assert tui.get(f"/handover/{request_id}").status_code == 404
    assert _last(app, "handover:read")[4:] == ("denied", "no_assignment")
    _post(_client(app, "admin"), f"/admin/worker-requests/{request_id}/confirm", {})
    # Her home page links to it, and it opens.
    assert "Handover summary for Alex Nguyen" in tui.get("/").get_data(as_text=True)
    page = tui.get(f"/handover/{request_id}")
    assert page.status_code == 200 and HANDOVER in page.get_data(as_text=True)
    assert _last(app, "handover:read") == (
        tui_id,
        alex_id,
        "handover_summary",
        _last(app, "handover:read")[3],
        "allowed",
        f"handover_consent:{request_id}",
    )
    # Alex reads it too, and can withdraw: Tui's next read is refused.
    assert HANDOVER in alex.get(f"/handover/{request_id}").get_data(as_text=True)
    _post(alex, f"/my/peer-worker/requests/{request_id}/handover", {"consent": "no"})
    assert tui.get(f"/handover/{request_id}").status_code == 404
    assert _last(app, "handover:read")[4:] == ("denied", "no_consent")
    # Other people never read it.
    for key in ("maya", "helen", "dr.chen", "linh"):
        assert _client(app, key).get(f"/handover/{request_id}").status_code == 404, key
        assert _last(app, "handover:read")[4] == "denied"
    for key in ("admin", "auditor"):
        assert _client(app, key).get(f"/handover/{request_id}").status_code == 403, key
    # The author keeps reading what he wrote.
    assert HANDOVER in sam.get(f"/handover/{request_id}").get_data(as_text=True)
    assert _last(app, "handover:read")[0] == sam_id


def test_the_new_worker_needs_current_training_to_read_the_handover(app: Flask) -> None:
    request_id, _alex, sam = _change_with_handover(app, True)
    _post(sam, f"/handover/{request_id}/write", {"summary": HANDOVER})
    _post(_client(app, "admin"), f"/admin/worker-requests/{request_id}/confirm", {})
    tui = _client(app, "tui")
    assert tui.get(f"/handover/{request_id}").status_code == 200
    # Tui's confidentiality training is recorded again, already lapsed (the newest counts).
    record_training(app, "tui", "confidentiality", -60, -2)
    assert tui.get(f"/handover/{request_id}").status_code == 404
    assert _last(app, "handover:read")[4:] == ("denied", "training_lapsed")
    record_training(app, "tui", "confidentiality", 0, 365)
    page = tui.get(f"/handover/{request_id}")
    assert page.status_code == 200 and HANDOVER in page.get_data(as_text=True)


def test_decide_read_is_the_whole_handover_decision() -> None:
    def facts(actor: int, **changed: object) -> HandoverFacts:
        base: dict[str, object] = {
            "actor_id": actor,
            "subject_id": 1,
            "author_id": 2,
            "new_worker_id": 3,
            "consent": True,
            "new_assignment_active": True,
            "training_current": True,
        }
        return HandoverFacts(**{**base, **changed})  # type: ignore[arg-type]

    def said(f: HandoverFacts) -> tuple[bool, str]:
        decision = decide_handover(f)
        return decision.permitted, decision.basis

    # The person and the author whatever else is true; the new worker only with all three.
    assert said(facts(1, consent=False, training_current=False)) == (True, "self")
    assert said(facts(2, consent=False, training_current=False)) == (True, "author")
    assert said(facts(3)) == (True, "handover_consent")
    assert said(facts(3, consent=False)) == (False, "no_consent")
    assert said(facts(3, new_assignment_active=False)) == (False, "no_assignment")
    assert said(facts(3, training_current=False)) == (False, "training_lapsed")
    assert said(facts(4)) == (False, "no_consent")


def test_no_handover_without_consent(app: Flask) -> None:
    request_id, _alex, sam = _change_with_handover(app, False)
    before = _count(app, "handover_summaries")
    form = sam.get(f"/handover/{request_id}/write")
    assert form.status_code == 200
    assert "hasn't agreed to a handover" in form.get_data(as_text=True)
    _post(sam, f"/handover/{request_id}/write", {"summary": HANDOVER})
    assert _count(app, "handover_summaries") == before
    # Someone who was never the worker cannot even open the form.
    assert _client(app, "tui").get(f"/handover/{request_id}/write").status_code == 404
    assert _last(app, "handover:write")[4] == "denied"


@pytest.mark.parametrize("key", ["alex", "linh", "sam", "helen", "dr.chen", "admin"])
def test_home_pages_keep_a_plain_title_and_each_section_once(app: Flask, key: str) -> None:
    page = _client(app, key).get("/").get_data(as_text=True)
    assert "<title>Home · PeerNotes</title>" in page
    for heading in ("peer-heading", "you-heading", "requests-heading"):
        assert page.count(f'id="{heading}"') <= 1


def test_a_refused_confirmation_changes_nothing(app: Flask) -> None:
    """If the new assignment cannot be made, the person keeps their current worker."""
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    alex = _client(app, "alex")
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    request_id = _waiting_request(app, alex_id)
    admin = _client(app, "admin")
    # Alex's account is deactivated before the coordinator gets to the request.
    assert _post(admin, f"/admin/accounts/{alex_id}/deactivate", {}).status_code == 302
    before = query(app, "SELECT * FROM care_assignments ORDER BY id")
    assert _post(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code == 302
    assert "Both accounts must be active" in admin.get("/admin/worker-requests").get_data(
        as_text=True
    )
    assert query(app, "SELECT * FROM care_assignments ORDER BY id") == before
    assert _count(app, "worker_requests", "id = :i AND state = 'requested'", {"i": request_id}) == 1
    assert (
        _count(
            app,
            "care_assignments",
            "worker_id = :w AND subject_id = :s AND ended_at IS NULL",
            {"w": sam_id, "s": alex_id},
        )
        == 1
    )


def test_confirming_is_refused_when_the_worker_became_theirs_since_the_request(
    app: Flask,
) -> None:
    """Confirming must never leave the person with the same worker twice (the overlap the
    care service refuses), or end the wrong one: the coordinator is told why, plainly."""
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    _post(_client(app, "alex"), "/my/peer-worker/request", {"worker_id": str(tui_id)})
    request_id = _waiting_request(app, alex_id)
    # Before the coordinator confirms, Tui is made Alex's peer worker directly, in the care
    # pages, while Sam's assignment goes on.
    admin_by = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        care.create_assignment(
            db,
            worker=db.get_one(User, tui_id),
            subject=db.get_one(User, alex_id),
            starts_on=utcnow().date(),
            ends_on=None,
            team=None,
            by=admin_by,
        )
        db.commit()
    before = query(app, "SELECT * FROM care_assignments ORDER BY id")
    admin = _client(app, "admin")
    assert _post(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code == 302
    assert "Tui Henare is already Alex Nguyen&#39;s peer worker. Decline this request" in admin.get(
        "/admin/worker-requests"
    ).get_data(as_text=True)
    assert query(app, "SELECT * FROM care_assignments ORDER BY id") == before
    assert _count(app, "worker_requests", "id = :i AND state = 'requested'", {"i": request_id}) == 1
    assert sam_id in {
        r[0]
        for r in query(
            app,
            "SELECT worker_id FROM care_assignments WHERE subject_id = :s AND ended_at IS NULL",
            {"s": alex_id},
        )
    }


def test_the_previous_worker_no_longer_reads_their_agreement(app: Flask) -> None:
    alex_id, sam_id, tui_id = (user_id(app, k) for k in ("alex", "sam", "tui"))
    (agreement_id,) = query(
        app,
        "SELECT max(id) FROM support_agreements WHERE worker_id = :w AND subject_id = :s",
        {"w": sam_id, "s": alex_id},
    )[0]
    sam = _client(app, "sam")
    assert sam.get(f"/agreements/{agreement_id}").status_code == 200
    alex = _client(app, "alex")
    _post(alex, "/my/peer-worker/request", {"worker_id": str(tui_id)})
    _post(
        _client(app, "admin"),
        f"/admin/worker-requests/{_waiting_request(app, alex_id)}/confirm",
        {},
    )
    assert sam.get(f"/agreements/{agreement_id}").status_code == 404
    assert _last(app, "agreement:read")[4] == "denied"
    assert "Alex Nguyen" not in sam.get("/my/agreements").get_data(as_text=True)
    # Alex still reads his own.
    assert alex.get(f"/agreements/{agreement_id}").status_code == 200


@pytest.mark.parametrize("raw", ["²", "１", "9" * 30, "-1", " ", "7e3"])
def test_odd_worker_ids_are_refused_plainly(app: Flask, raw: str) -> None:
    alex = _client(app, "alex")
    before = _count(app, "worker_requests")
    response = _post(alex, "/my/peer-worker/request", {"worker_id": raw})
    assert response.status_code == 302
    assert "Choose a peer worker from your matches" in alex.get("/my/peer-worker").get_data(
        as_text=True
    )
    assert _count(app, "worker_requests") == before


def test_ids_too_large_for_the_database_answer_as_missing(app: Flask) -> None:
    sam = _client(app, "sam")
    for path in ("/handover/99999999999999999999", "/agreements/2147483648", "/notes/99999999999"):
        assert sam.get(path).status_code == 404, path


# Two peer workers at once (a carer's carer peer worker and consumer peer worker) ------------


def test_the_page_lists_every_current_peer_worker_and_offers_none_of_them(app: Flask) -> None:
    """Robert has Helen (a carer peer worker) and Sam (a consumer peer worker): both are
    listed as his, neither is offered as "a different peer worker"."""
    robert = _client(app, "robert")
    page = robert.get("/my/peer-worker").get_data(as_text=True)
    current = page.split('id="current-heading"')[1].split("</section>")[0]
    assert "Helen" in current and "Sam" in current
    assert "Ask for Helen" not in page and "Ask for Sam" not in page
    robert_id, helen_id = user_id(app, "robert"), user_id(app, "helen")
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, robert_id)
        assert {
            a.worker.display_name.split()[0] for a in choosing.current_assignments(db, me, utcnow())
        } == {"Helen", "Sam"}
        assert helen_id not in {
            m.candidate.worker_id for m in choosing.matches_for(db, me, utcnow())
        }


@pytest.mark.parametrize("worker", ["helen", "sam"])
def test_asking_for_a_current_worker_is_refused_and_stores_nothing(app: Flask, worker: str) -> None:
    robert_id, worker_id = user_id(app, "robert"), user_id(app, worker)
    robert = _client(app, "robert")
    assert (
        _post(robert, "/my/peer-worker/request", {"worker_id": str(worker_id)}).status_code == 302
    )
    assert "is already your peer worker." in robert.get("/my/peer-worker").get_data(as_text=True)
    assert _count(app, "worker_requests", "subject_id = :s", {"s": robert_id}) == 0


def test_a_worker_of_another_kind_is_added_alongside_not_swapped(app: Flask) -> None:
    """Linh has Helen (a carer peer worker) and asked for someone who has lived it: asking for
    Tui (a consumer peer worker) replaces no one, the page says so, and confirming keeps
    Helen."""
    linh_id, helen_id, tui_id = (user_id(app, k) for k in ("linh", "helen", "tui"))
    linh = _client(app, "linh")
    page = linh.get("/my/peer-worker").get_data(as_text=True)
    assert "Tui Henare would support you alongside Helen" in page
    _post(linh, "/my/peer-worker/request", {"worker_id": str(tui_id), "handover": "yes"})
    request_id = _waiting_request(app, linh_id)
    assert (
        _count(
            app, "worker_requests", "id = :i AND previous_assignment_id IS NULL", {"i": request_id}
        )
        == 1
    )
    admin = _client(app, "admin")
    assert _post(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code == 302
    assert _count(app, "worker_requests", "id = :i AND state = 'confirmed'", {"i": request_id}) == 1
    current = {
        r[0]
        for r in rows(
            _url(app),
            "SELECT worker_id FROM care_assignments WHERE subject_id = :s AND ended_at IS NULL",
            {"s": linh_id},
        )
    }
    assert {helen_id, tui_id} <= current


def test_a_change_names_the_worker_of_the_same_kind_it_replaces(app: Flask) -> None:
    """Alex (Sam, a consumer peer worker) asking for Tui replaces Sam, and the page says so."""
    alex = _client(app, "alex")
    assert "Tui Henare would take over from Sam" in alex.get("/my/peer-worker").get_data(
        as_text=True
    )
