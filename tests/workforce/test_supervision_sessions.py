"""Supervision sessions through their pages: the current supervisor logs one, bad input stores
nothing, anyone else is refused (and logged), the texts are sealed and bound to their row;
the supervisor's dashboard and the coordinator's supervision page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.crypto.keys import DecryptionFailed, unseal
from peernotes.crypto.sealing import subject_key
from peernotes.db import get_database, utcnow
from peernotes.supervision import service as supervision
from peernotes.supervision import sessions
from peernotes.supervision.models import SupervisionSession
from peernotes.timefmt import local_today
from peernotes.workforce.agreements import terms as agreement_terms
from tests.audit.helpers import rows
from tests.helpers import (
    app_database_url,
    client_as,
    last_entry,
    post_with_token,
    user_id,
)

TOPICS = "TOPICS-CANARY-71c2 a hard call about boundaries"
WELLBEING = "WELLBEING-CANARY-0b9e tired but okay"
ACTIONS = "ACTIONS-CANARY-4d11 take Friday afternoon off"


_url = app_database_url


_client = client_as


_post = post_with_token


def _today() -> str:
    return utcnow().date().isoformat()


def log_session(
    app: Flask,
    client: FlaskClient,
    worker: str = "sam",
    *,
    held_on: str | None = None,
    topics: str = TOPICS,
    wellbeing: str = WELLBEING,
    actions: str = ACTIONS,
) -> TestResponse:
    return _post(
        client,
        f"/supervision/workers/{user_id(app, worker)}/sessions/new",
        {
            "held_on": _today() if held_on is None else held_on,
            "topics": topics,
            "wellbeing": wellbeing,
            "actions": actions,
        },
    )


def logged_id(response: TestResponse) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/supervision/sessions/"), location
    return int(location.rsplit("/", 1)[1])


def _count(app: Flask) -> int:
    return int(rows(_url(app), "SELECT count(*) FROM supervision_sessions")[0][0])  # type: ignore[call-overload]


_last = last_entry


# Logging ----------------------------------------------------------------------------------------


def test_the_supervisor_logs_a_session_and_the_worker_reads_it(app: Flask) -> None:
    chen = _client(app, "dr.chen")
    form = chen.get(f"/supervision/workers/{user_id(app, 'sam')}/sessions/new")
    assert form.status_code == 200
    assert "Sam Rivera reads everything you write here" in form.get_data(as_text=True)
    before = _count(app)
    session_id = logged_id(log_session(app, chen))
    assert _count(app) == before + 1
    assert _last(app, "supervision:session_log") == (
        user_id(app, "dr.chen"),
        user_id(app, "sam"),
        "supervision_session",
        str(session_id),
        "allowed",
        "supervisor",
    )
    page = chen.get(f"/supervision/sessions/{session_id}").get_data(as_text=True)
    assert TOPICS in page and WELLBEING in page and ACTIONS in page
    sam = _client(app, "sam")
    listing = sam.get("/my/supervision").get_data(as_text=True)
    assert f'href="/my/supervision/{session_id}"' in listing
    assert "Dr Mei Chen is your supervisor." in listing
    own = sam.get(f"/my/supervision/{session_id}")
    assert own.status_code == 200
    assert TOPICS in own.get_data(as_text=True)


def test_every_read_is_logged_with_its_basis(app: Flask) -> None:
    session_id = logged_id(log_session(app, _client(app, "dr.chen")))
    sam, chen = user_id(app, "sam"), user_id(app, "dr.chen")
    _client(app, "sam").get(f"/my/supervision/{session_id}")
    assert _last(app, "supervision:session_read") == (
        sam,
        sam,
        "supervision_session",
        str(session_id),
        "allowed",
        "self",
    )
    _client(app, "dr.chen").get(f"/supervision/sessions/{session_id}")
    assert _last(app, "supervision:session_read") == (
        chen,
        sam,
        "supervision_session",
        str(session_id),
        "allowed",
        "supervisor",
    )
    assert _client(app, "tui").get(f"/my/supervision/{session_id}").status_code == 404
    assert _last(app, "supervision:session_read") == (
        user_id(app, "tui"),
        sam,
        "supervision_session",
        str(session_id),
        "denied",
        "not_supervision_party",
    )
    assert _client(app, "dr.walsh").get(f"/supervision/sessions/{session_id}").status_code == 404
    assert _last(app, "supervision:session_read")[0] == user_id(app, "dr.walsh")
    assert _last(app, "supervision:session_read")[4:] == ("denied", "not_supervision_party")
    # A missing one: the same answer, logged as not found.
    assert _client(app, "tui").get("/my/supervision/999999").status_code == 404
    assert _last(app, "supervision:session_read")[1:] == (
        None,
        "supervision_session",
        "999999",
        "denied",
        "not_found",
    )


def test_no_content_goes_into_the_log(app: Flask) -> None:
    session_id = logged_id(log_session(app, _client(app, "dr.chen")))
    _client(app, "sam").get(f"/my/supervision/{session_id}")
    dumped = repr(rows(_url(app), "SELECT * FROM audit_log"))
    for canary in ("TOPICS-CANARY", "WELLBEING-CANARY", "ACTIONS-CANARY"):
        assert canary not in dumped


@pytest.mark.parametrize("who", ["dr.walsh"])
def test_a_clinician_who_is_not_the_current_supervisor_cannot_log(app: Flask, who: str) -> None:
    before = _count(app)
    client = _client(app, who)
    sam = user_id(app, "sam")
    assert client.get(f"/supervision/workers/{sam}/sessions/new").status_code == 404
    assert log_session(app, client).status_code == 404
    assert _count(app) == before
    assert _last(app, "supervision:session_log") == (
        user_id(app, who),
        sam,
        "user",
        str(sam),
        "denied",
        "not_supervisor",
    )


def test_peer_workers_and_others_cannot_log_at_all(app: Flask) -> None:
    before = _count(app)
    for key in ("sam", "tui", "admin", "alex"):
        assert log_session(app, _client(app, key)).status_code == 403, key
    assert _count(app) == before


def test_a_former_supervisor_still_reads_what_they_logged_but_cannot_log_more(app: Flask) -> None:
    session_id = logged_id(log_session(app, _client(app, "dr.chen")))
    sam = user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        admin = By(user_id(app, "admin"), Role.ADMIN, "test")
        supervision.set_supervisor(db, admin, sam, user_id(app, "dr.walsh"))
        db.commit()
    chen, walsh = _client(app, "dr.chen"), _client(app, "dr.walsh")
    # The new supervisor reads the worker's sessions, the old one still reads their own.
    assert TOPICS in walsh.get(f"/supervision/sessions/{session_id}").get_data(as_text=True)
    assert TOPICS in chen.get(f"/supervision/sessions/{session_id}").get_data(as_text=True)
    assert chen.get(f"/supervision/workers/{sam}").status_code == 200
    assert log_session(app, chen).status_code == 404
    walsh_session = logged_id(log_session(app, walsh, topics="NEW-CANARY by Dr Walsh"))
    # Dr Chen's list of Sam's sessions holds the ones Dr Chen logged, not Dr Walsh's.
    listing = chen.get(f"/supervision/workers/{sam}").get_data(as_text=True)
    assert f'href="/supervision/sessions/{session_id}"' in listing
    assert f'href="/supervision/sessions/{walsh_session}"' not in listing
    assert chen.get(f"/supervision/sessions/{walsh_session}").status_code == 404
    assert "NEW-CANARY" in walsh.get(f"/supervision/sessions/{walsh_session}").get_data(
        as_text=True
    )
    assert f'href="/supervision/sessions/{walsh_session}"' in walsh.get(
        f"/supervision/workers/{sam}"
    ).get_data(as_text=True)


BAD = [
    ({"held_on": ""}, "Give the date of the session."),
    ({"held_on": "next tuesday"}, "Enter a date, for example 2026-05-03."),
    ({"held_on": "2026-02-30"}, "Enter a date, for example 2026-05-03."),
    ({"held_on": "FUTURE"}, "The session date cannot be in the future."),
    ({"held_on": "0001-01-01"}, "That is more than 366 days ago; check the year."),
    ({"held_on": "LONG_AGO"}, "That is more than 366 days ago; check the year."),
    (
        {"topics": "  ", "wellbeing": "", "actions": "\n"},
        "Write at least one of: what you talked about",
    ),
    ({"topics": "x" * 5_001}, "is longer than 5,000 characters"),
    ({"wellbeing": "x" * 5_001}, "is longer than 5,000 characters"),
    ({"actions": "x" * 5_001}, "is longer than 5,000 characters"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_is_refused_plainly_and_nothing_is_stored(
    app: Flask, change: dict[str, str], message: str
) -> None:
    client = _client(app, "dr.chen")
    data = {"topics": TOPICS, "wellbeing": WELLBEING, "actions": ACTIONS, **change}
    if data.get("held_on") == "FUTURE":
        data["held_on"] = (utcnow().date() + timedelta(days=2)).isoformat()
    if data.get("held_on") == "LONG_AGO":
        with app.app_context():
            data["held_on"] = (local_today() - timedelta(days=367)).isoformat()
    before = _count(app)
    log_count = rows(
        _url(app),
        "SELECT count(*) FROM audit_log WHERE action = :a",
        {"a": "supervision:session_log"},
    )
    response = log_session(
        app,
        client,
        held_on=data.get("held_on"),
        topics=data["topics"],
        wellbeing=data["wellbeing"],
        actions=data["actions"],
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app) == before
    assert (
        rows(
            _url(app),
            "SELECT count(*) FROM audit_log WHERE action = :a",
            {"a": "supervision:session_log"},
        )
        == log_count
    )


def test_a_session_of_exactly_5000_characters_is_fine(app: Flask) -> None:
    logged_id(log_session(app, _client(app, "dr.chen"), topics="y" * 5_000))


# Encryption at rest -----------------------------------------------------------------------------


def test_the_texts_are_sealed_and_bound_to_their_row_and_worker(app: Flask) -> None:
    chen = _client(app, "dr.chen")
    first = logged_id(log_session(app, chen))
    second = logged_id(log_session(app, chen, worker="tui", topics="Other row"))
    with app.app_context(), get_database(app).session() as db:
        a = db.get_one(SupervisionSession, first)
        b = db.get_one(SupervisionSession, second)
        for canary in (TOPICS, WELLBEING, ACTIONS):
            assert canary.encode() not in a.ciphertext
        assert len(a.token) == 32 and a.token != b.token
        key = subject_key(db, a.worker_id, create=False)
        assert TOPICS.encode() in unseal(key, a.ciphertext, sessions.aad(a.token, a.worker_id))
        with pytest.raises(DecryptionFailed):
            unseal(key, a.ciphertext, sessions.aad(b.token, a.worker_id))
        with pytest.raises(DecryptionFailed):
            unseal(key, a.ciphertext, sessions.aad(a.token, b.worker_id))
        # Under another worker's key it does not open either.
        other = subject_key(db, b.worker_id, create=False)
        with pytest.raises(DecryptionFailed):
            unseal(other, a.ciphertext, sessions.aad(a.token, a.worker_id))


# The dashboard ----------------------------------------------------------------------------------


def _part(page: str, name: str) -> str:
    """The dashboard section about one worker."""
    return page.split(f"{name} <span", 1)[1].split("</section>", 1)[0]


def test_the_dashboard_lists_current_workers_with_nudges(app: Flask) -> None:
    chen = _client(app, "dr.chen").get("/supervision").get_data(as_text=True)
    # Sam and Tui are Dr Chen's; Helen is Dr Walsh's.
    assert "Sam Rivera" in chen and "Tui Henare" in chen and "Helen Costa" not in chen
    walsh = _client(app, "dr.walsh")
    page = walsh.get("/supervision").get_data(as_text=True)
    assert "Sam Rivera" not in page
    assert "No session yet." in _part(page, "Helen Costa")
    logged_id(
        log_session(app, walsh, "helen", held_on=(utcnow().date() - timedelta(days=50)).isoformat())
    )
    helen = _part(walsh.get("/supervision").get_data(as_text=True), "Helen Costa")
    assert "over six weeks ago" in helen and "No session yet." not in helen
    logged_id(log_session(app, walsh, "helen", held_on=_today()))
    page = walsh.get("/supervision").get_data(as_text=True)
    day = utcnow().date()
    assert f"Last session {day.day} {day:%B %Y}" in _part(page, "Helen Costa")
    assert "over six weeks ago" not in _part(page, "Helen Costa")
    assert TOPICS not in page  # dates only, never the texts


def test_the_dashboard_shows_open_risk_concerns_waiting_for_cosignature(app: Flask) -> None:
    from peernotes.risk import service as risk

    with app.app_context(), get_database(app).session() as db:
        sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "test")
        concern = risk.raise_concern(
            db, sam, user_id(app, "alex"), "OBSERVED-CANARY", "Now.", "Called."
        )
        db.commit()
        concern_id = concern.id
    page = _client(app, "dr.chen").get("/supervision").get_data(as_text=True)
    assert f'href="/risk/{concern_id}">About Alex Nguyen</a>' in page
    assert "OBSERVED-CANARY" not in page
    # The list of concerns about Alex is on record, as on the clinician's risk list.
    assert _last(app, "risk:list")[:2] == (user_id(app, "dr.chen"), user_id(app, "alex"))
    _post(_client(app, "dr.chen"), f"/risk/{concern_id}/cosign", {})
    page = _client(app, "dr.chen").get("/supervision").get_data(as_text=True)
    assert f'href="/risk/{concern_id}"' not in page


def test_the_dashboard_with_no_workers_says_so(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as db:
        admin = By(user_id(app, "admin"), Role.ADMIN, "test")
        supervision.set_supervisor(db, admin, user_id(app, "helen"), user_id(app, "dr.chen"))
        db.commit()
    page = _client(app, "dr.walsh").get("/supervision").get_data(as_text=True)
    assert "You do not supervise any peer workers at the moment." in page


# The coordinator's page -------------------------------------------------------------------------


def test_the_coordinator_sees_when_a_session_happened_and_never_what_was_said(app: Flask) -> None:
    day = utcnow().date() - timedelta(days=3)
    logged_id(log_session(app, _client(app, "dr.chen"), held_on=day.isoformat()))
    page = _client(app, "admin").get("/admin/supervision").get_data(as_text=True)
    assert f"Last supervision session {day.day} {day:%B %Y}, with Dr" in page
    for canary in (TOPICS, WELLBEING, ACTIONS):
        assert canary not in page


def test_the_coordinator_sees_plainly_who_has_no_supervisor(app: Flask) -> None:
    page = _client(app, "admin").get("/admin/supervision").get_data(as_text=True)
    assert "Without a supervisor" not in page
    # Dr Walsh's account is deactivated: Helen has no one who can meet or co-sign.
    with app.app_context(), get_database(app).session() as db:
        db.get_one(User, user_id(app, "dr.walsh")).active = False
        db.commit()
    page = _client(app, "admin").get("/admin/supervision").get_data(as_text=True)
    assert "Without a supervisor" in page
    notice = page.split("Without a supervisor", 1)[1].split("</section>", 1)[0]
    assert "Helen" in notice and "Sam Rivera" not in notice
    assert "no current supervisor" in notice


def test_the_dashboard_shows_agreements_due_and_contacts_outside_an_agreement(
    app: Flask,
) -> None:
    from peernotes.workforce.agreements import service as agreements
    from peernotes.workforce.contacts import service as contacts

    sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "test")
    alex = By(user_id(app, "alex"), Role.CONSUMER, "test")
    today = utcnow().date()
    with app.app_context(), get_database(app).session() as db:
        terms = agreement_terms.validate_terms(
            methods=["phone"],
            days=[0, 1, 2, 3, 4],
            starts_at="09:00",
            ends_at="17:00",
            places="At the service.",
            community_contact=False,
            review_on=today + timedelta(days=7),
            today=today,
        )
        agreement = agreements.propose(db, sam, user_id(app, "alex"), terms)
        agreements.confirm(db, alex, agreement.id)
        # A text is not one of the agreed ways now: gently flagged.
        contacts.record(
            db,
            sam,
            alex.id,
            occurred_on=today,
            at_time="10:00",
            minutes=5,
            channel="text",
            place="",
            group=False,
            today=today,
        )
        db.commit()
        agreement_id = agreement.id
    page = _client(app, "dr.chen").get("/supervision").get_data(as_text=True)
    sam_part = _part(page, "Sam Rivera")
    assert f'href="/agreements/{agreement_id}"' in sam_part
    due = today + timedelta(days=7)
    assert f"review due {due.day} {due:%B %Y}" in sam_part
    assert "not one of the agreed ways" in sam_part
    assert "None." not in sam_part.split("Contacts outside an agreement", 1)[1]
    # Never to anyone else: not Dr Walsh, not under Tui's name.
    walsh = _client(app, "dr.walsh").get("/supervision").get_data(as_text=True)
    assert f'href="/agreements/{agreement_id}"' not in walsh
    assert "not one of the agreed ways" not in walsh
    tui_part = _part(page, "Tui Henare")
    assert f'href="/agreements/{agreement_id}"' not in tui_part
    # Seeing Sam's flags is on record, about Sam (never on Alex's own access-log page).
    assert _last(app, "contact:flags_read") == (
        user_id(app, "dr.chen"),
        None,
        "user",
        str(user_id(app, "sam")),
        "allowed",
        "supervisor",
    )
    assert "outside" not in _client(app, "alex").get("/my/access-log").get_data(as_text=True)


def test_a_new_peer_worker_shows_as_without_a_supervisor_until_one_is_set(app: Flask) -> None:
    from peernotes.auth.accounts import create_user

    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        create_user(
            db,
            email="ari@peernotes.example",
            display_name="Ari Walker",
            role=Role.CONSUMER_PEER_WORKER,
            password="a long enough password 1",
            by=admin,
        )
        db.commit()
    client = _client(app, "admin")
    page = client.get("/admin/supervision").get_data(as_text=True)
    notice = page.split("Without a supervisor", 1)[1].split("</section>", 1)[0]
    assert "<strong>Ari Walker</strong> has no current supervisor" in notice
    with app.app_context(), get_database(app).session() as db:
        ari_id = db.scalar(select(User.id).where(User.email == "ari@peernotes.example"))
    _post(
        client,
        "/admin/supervision",
        {"worker": str(ari_id), "supervisor": str(user_id(app, "dr.walsh"))},
    )
    assert "Without a supervisor" not in client.get("/admin/supervision").get_data(as_text=True)
