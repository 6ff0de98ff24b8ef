"""Support agreements: a peer worker proposes, the person confirms, the newest version both
confirmed is in force; only the two of them and the worker's supervisor read it (logged), and
bad input is refused with a plain message and nothing stored."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import PEOPLE
from peernotes.timefmt import local_today
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements import terms as agreement_terms
from peernotes.workforce.agreements.models import SupportAgreement
from tests.helpers import csrf_token, demo_email, post_form, sign_in, user_id, without_csrf

ROLES = {
    "sam": Role.CONSUMER_PEER_WORKER,
    "tui": Role.CONSUMER_PEER_WORKER,
    "helen": Role.CARER_PEER_WORKER,
    "jordan": Role.CONSUMER,
    "alex": Role.CONSUMER,
    "maya": Role.CONSUMER,
    "linh": Role.CARER,
    "robert": Role.CARER,
    "admin": Role.ADMIN,
    "dr.chen": Role.CLINICIAN,
    "dr.walsh": Role.CLINICIAN,
}

GOOD = {
    "methods": ["phone", "text", "in_person"],
    "days": ["0", "1", "2", "3", "4"],
    "starts_at": "09:00",
    "ends_at": "17:00",
    "places": "At the service or the park nearby.",
    "review_on": "",  # filled in per test: within the year
}


@pytest.fixture(autouse=True)
def _known_ids(app: Flask) -> None:
    """Every demo person's id, looked up once before a test opens its own session (each
    look-up is a transaction, and SQLite has one writer at a time)."""
    app.config["TEST_IDS"] = {p.key: user_id(app, p.key) for p in PEOPLE}


def uid(app: Flask, key: str) -> int:
    ids: dict[str, int] = app.config["TEST_IDS"]
    return ids[key]


def today() -> date:
    """Today where the tests' service is (UTC)."""
    return utcnow().date()


def good_form(**changes: object) -> dict[str, object]:
    review = (today() + timedelta(days=60)).isoformat()
    return {**GOOD, "review_on": review, **changes}


def by(app: Flask, key: str) -> By:
    return By(uid(app, key), ROLES[key], "test")


def make_agreement(
    app: Flask,
    worker: str,
    subject: str,
    *,
    confirmed: bool = True,
    days_ago: int = 0,
    **changes: object,
) -> int:
    """An agreement made the way the app makes it, proposed (and confirmed) `days_ago`."""
    values: dict[str, object] = {
        "methods": ["phone", "text", "in_person"],
        "days": [0, 1, 2, 3, 4],
        "starts_at": "09:00",
        "ends_at": "17:00",
        "places": "At the service or the park nearby.",
        "community_contact": False,
        "review_on": today() + timedelta(days=60),
        **changes,
    }
    moment = utcnow() - timedelta(days=days_ago)
    # Ids first: each look-up is a transaction of its own (SQLite allows one writer).
    proposer, confirmer, subject_id = by(app, worker), by(app, subject), uid(app, subject)
    with app.app_context(), get_database(app).session() as db:
        terms = agreement_terms.validate_terms(today=moment.date(), **values)  # type: ignore[arg-type]
        row = agreements.propose(db, proposer, subject_id, terms, now=moment)
        if confirmed:
            agreements.confirm(db, confirmer, row.id, now=moment + timedelta(minutes=5))
        db.commit()
        return row.id


def count_agreements(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(SupportAgreement)) or 0)


def log_entries(app: Flask, actor: str, action: str) -> list[tuple[str, str, int | None]]:
    """(outcome, basis, subject) of one person's entries for one action, oldest first."""
    with app.app_context(), get_database(app).engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT outcome, basis, subject_id FROM audit_log"
                " WHERE actor_id = :a AND action = :x ORDER BY seq"
            ),
            {"a": uid(app, actor), "x": action},
        )
        return [(r[0], r[1], r[2]) for r in rows]


def agreement_pages(app: Flask) -> dict[str, int]:
    """For the deny-by-default matrix: the demo's agreement between Sam and Alex."""
    sam, alex = user_id(app, "sam"), user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        found = db.scalar(
            select(SupportAgreement.id).where(
                SupportAgreement.worker_id == sam, SupportAgreement.subject_id == alex
            )
        )
    assert found is not None, "the demo has no agreement between Sam and Alex"
    return {"agreement_id": found}


def agreement_objects(app: Flask) -> dict[str, int]:
    """For the IDOR sweep: the demo's agreement between Sam and Alex, and a new one Sam
    proposed to Jordan, waiting for Jordan to confirm."""
    found = agreement_pages(app)["agreement_id"]
    sam, jordan = user_id(app, "sam"), user_id(app, "jordan")
    with app.app_context(), get_database(app).session() as db:
        terms = agreement_terms.validate_terms(today=today(), **good_terms())  # type: ignore[arg-type]
        row = agreements.propose(db, By(sam, Role.CONSUMER_PEER_WORKER, "sweep"), jordan, terms)
        db.commit()
        return {"agreement": found, "pending_agreement": row.id}


def client_for(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def post_agreement(client: FlaskClient, subject_id: int, data: dict[str, object]) -> str:
    page = client.get(f"/people/{subject_id}/agreement")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(f"/people/{subject_id}/agreement", data={**data, "csrf_token": token})
    if response.status_code == 302:
        return str(response.headers["Location"])
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Propose, confirm, in force ---------------------------------------------------------------------


def test_worker_proposes_person_confirms_and_it_is_in_force(app: Flask) -> None:
    jordan = uid(app, "jordan")
    sam = client_for(app, "sam")
    location = post_agreement(sam, jordan, good_form(community_contact="y"))
    assert location.startswith("/agreements/")
    agreement_id = int(location.rsplit("/", 1)[1])
    page = sam.get(location).get_data(as_text=True)
    assert "Waiting for Jordan Lee to confirm it." in page
    assert "Confirm this agreement" not in page  # the proposer's side is confirmed already
    with app.app_context(), get_database(app).session() as db:
        assert agreements.in_force(db, uid(app, "sam"), jordan, local_today()) is None

    person = client_for(app, "jordan")
    mine = person.get("/my/agreements").get_data(as_text=True)
    assert "With Sam Rivera, version 1" in mine and "waiting for you to confirm" in mine
    page = person.get(location).get_data(as_text=True)
    assert (
        "Weekdays" in page and "09:00–17:00" in page and "Phone, text message or in person" in page
    )
    assert "At the service or the park nearby." in page
    response = post_form(person, f"/agreements/{agreement_id}/confirm", {}, form_page=location)
    assert response.status_code == 302
    page = person.get(location).get_data(as_text=True)
    assert "In force. Both of you confirmed it." in page
    assert "Contacts outside the agreement" not in page  # never on the person's page

    with app.app_context(), get_database(app).session() as db:
        current = agreements.in_force(db, uid(app, "sam"), jordan, local_today())
        assert current is not None and current.id == agreement_id
        assert current.community_contact is True
        assert current.methods == ["phone", "text", "in_person"]
        assert (current.starts_at, current.ends_at) == (time(9), time(17))
    assert "In force" in sam.get(f"/people/{jordan}/agreement").get_data(as_text=True)
    assert log_entries(app, "jordan", "agreement:confirm")[-1] == ("allowed", "self", jordan)
    assert log_entries(app, "sam", "agreement:propose")[-1] == ("allowed", "party", jordan)


def test_a_change_is_a_new_version_and_the_old_one_stands_until_confirmed(app: Flask) -> None:
    first = make_agreement(app, "sam", "jordan", days_ago=10)
    jordan = uid(app, "jordan")
    sam = client_for(app, "sam")
    location = post_agreement(sam, jordan, good_form(days=["5", "6"], methods=["video"]))
    second = int(location.rsplit("/", 1)[1])
    with app.app_context(), get_database(app).session() as db:
        rows = agreements.versions(db, uid(app, "sam"), jordan)
        assert [r.version for r in rows] == [2, 1]
        current = agreements.in_force(db, uid(app, "sam"), jordan, local_today())
        assert current is not None and current.id == first
        assert rows[1].days == [0, 1, 2, 3, 4]  # the confirmed version was not touched
    post_form(client_for(app, "jordan"), f"/agreements/{second}/confirm", {}, form_page=location)
    with app.app_context(), get_database(app).session() as db:
        current = agreements.in_force(db, uid(app, "sam"), jordan, local_today())
        assert current is not None and current.id == second
        # On a day before the change, the first version was the one in force.
        earlier = local_today() - timedelta(days=3)
        assert agreements.in_force(db, uid(app, "sam"), jordan, earlier).id == first  # type: ignore[union-attr]
        assert (
            agreements.in_force(db, uid(app, "sam"), jordan, earlier - timedelta(days=30)) is None
        )
    page = sam.get(f"/agreements/{first}").get_data(as_text=True)
    assert "Replaced by a newer version." in page


def test_confirming_twice_or_an_outdated_proposal_changes_nothing(app: Flask) -> None:
    pending = make_agreement(app, "sam", "jordan", confirmed=False)
    sam = client_for(app, "sam")
    response = post_form(
        sam, f"/agreements/{pending}/confirm", {}, form_page=f"/agreements/{pending}"
    )
    assert response.status_code == 302
    assert "already confirmed" in sam.get(f"/agreements/{pending}").get_data(as_text=True)
    newer = make_agreement(app, "sam", "jordan", confirmed=False, places="At the library.")
    jordan = client_for(app, "jordan")
    post_form(jordan, f"/agreements/{pending}/confirm", {}, form_page=f"/agreements/{pending}")
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(SupportAgreement, pending).subject_confirmed_at is None
        assert db.get_one(SupportAgreement, newer).subject_confirmed_at is None
    page = jordan.get(f"/agreements/{pending}").get_data(as_text=True)
    assert "Not confirmed; a newer version was proposed instead." in page


def test_carer_peer_workers_agree_with_carers_only(app: Flask) -> None:
    linh = uid(app, "linh")
    helen = client_for(app, "helen")
    location = post_agreement(helen, linh, good_form())
    agreement_id = int(location.rsplit("/", 1)[1])
    response = post_form(
        client_for(app, "linh"), f"/agreements/{agreement_id}/confirm", {}, form_page=location
    )
    assert response.status_code == 302
    with app.app_context(), get_database(app).session() as db:
        assert agreements.in_force(db, uid(app, "helen"), linh, local_today()) is not None
    # Helen does not support Alex; Sam does not support carers.
    assert helen.get(f"/people/{uid(app, 'alex')}/agreement").status_code == 404
    assert client_for(app, "sam").get(f"/people/{linh}/agreement").status_code == 404


# Who reads it ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status", "action"),
    [
        ("tui", 404, "agreement:read"),  # another peer worker
        ("helen", 404, "agreement:read"),  # a carer peer worker
        ("linh", 404, "agreement:read"),  # Alex's carer
        ("jordan", 404, "agreement:read"),  # another consumer
        ("dr.walsh", 404, "agreement:read"),  # not Sam's supervisor (her emergency access to
        # Alex's record does not reach it either)
        ("admin", 403, "access:denied"),  # the coordinator
        ("auditor", 403, "access:denied"),
    ],
)
def test_third_parties_are_refused_and_logged(
    app: Flask, key: str, status: int, action: str
) -> None:
    agreement_id = make_agreement(app, "sam", "alex")
    client = client_for(app, key)
    before = log_entries(app, key, action)
    response = client.get(f"/agreements/{agreement_id}")
    assert response.status_code == status
    assert "At the service or the park nearby." not in response.get_data(as_text=True)
    after = log_entries(app, key, action)
    assert len(after) == len(before) + 1 and after[-1][0] == "denied"
    # And it answers exactly like an agreement that does not exist.
    missing = client.get("/agreements/999999")
    assert missing.status_code == status
    assert without_csrf(missing.data) == without_csrf(response.data)
    # Nor can they confirm it or reach the worker's page for Jordan.
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert (
        client.post(f"/agreements/{agreement_id}/confirm", data={"csrf_token": token}).status_code
        == status
    )
    assert client.get(f"/people/{uid(app, 'alex')}/agreement").status_code == status


def test_a_denied_read_names_the_person_in_their_own_log(app: Flask) -> None:
    agreement_id = make_agreement(app, "sam", "jordan")
    client_for(app, "dr.walsh").get(f"/agreements/{agreement_id}")
    assert log_entries(app, "dr.walsh", "agreement:read") == [
        ("denied", "not_party", uid(app, "jordan"))
    ]
    page = client_for(app, "jordan").get("/my/access-log").get_data(as_text=True)
    assert "tried to read your support agreement" in page


def test_the_supervisor_reads_it_and_the_read_is_logged(app: Flask) -> None:
    agreement_id = make_agreement(app, "sam", "jordan")
    chen = client_for(app, "dr.chen")
    page = chen.get(f"/agreements/{agreement_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Support agreement: Sam Rivera and Jordan Lee" in html
    assert "because you supervise Sam Rivera" in html
    assert "Confirm this agreement" not in html
    assert log_entries(app, "dr.chen", "agreement:read") == [
        ("allowed", "supervisor", uid(app, "jordan"))
    ]
    assert "Sam Rivera with Jordan Lee" in chen.get("/my/agreements").get_data(as_text=True)
    # Reading is not agreeing: only the two of them confirm.
    pending = make_agreement(app, "sam", "jordan", confirmed=False)
    token = csrf_token(chen.get("/").get_data(as_text=True))
    assert (
        chen.post(f"/agreements/{pending}/confirm", data={"csrf_token": token}).status_code == 403
    )
    assert log_entries(app, "dr.chen", "agreement:confirm")[-1][:2] == ("denied", "not_party")
    # The person sees the supervisor's read in plain words.
    own_log = client_for(app, "jordan").get("/my/access-log").get_data(as_text=True)
    assert "Dr Mei Chen" in own_log and "read your support agreement" in own_log


def test_a_supervisor_who_changed_no_longer_reads_it(app: Flask) -> None:
    from peernotes.supervision import service as supervision

    agreement_id = make_agreement(app, "sam", "jordan")
    with app.app_context(), get_database(app).session() as db:
        supervision.set_supervisor(db, by_admin(app), uid(app, "sam"), uid(app, "dr.walsh"))
        db.commit()
    assert client_for(app, "dr.chen").get(f"/agreements/{agreement_id}").status_code == 404
    assert client_for(app, "dr.walsh").get(f"/agreements/{agreement_id}").status_code == 200


def by_admin(app: Flask) -> By:
    return By(uid(app, "admin"), Role.ADMIN, "test")


# Bad input -------------------------------------------------------------------------------------


BAD: list[tuple[str, dict[str, object], str]] = [
    (
        "end before start",
        {"starts_at": "17:00", "ends_at": "09:00"},
        "must be later than the start time",
    ),
    (
        "end equals start",
        {"starts_at": "09:00", "ends_at": "09:00"},
        "must be later than the start time",
    ),
    ("not a time", {"starts_at": "nine"}, "as hours and minutes"),
    ("hour out of range", {"ends_at": "24:30"}, "isn&#39;t a time of day"),
    ("minute out of range", {"starts_at": "09:75"}, "isn&#39;t a time of day"),
    ("no start", {"starts_at": ""}, "Enter the time contact can start"),
    ("no days", {"days": []}, "Choose at least one day"),
    ("unknown day", {"days": ["9"]}, "Choose days from Monday to Sunday"),
    ("no methods", {"methods": []}, "Choose at least one way of keeping in touch"),
    (
        "unknown method",
        {"methods": ["phone", "carrier pigeon"]},
        "isn&#39;t one of the ways we know",
    ),
    ("review in the past", {"review_on": "2020-01-01"}, "The review date has already passed"),
    ("review too far", {"review_on": "2099-01-01"}, "Choose a review date within a year"),
    ("no review date", {"review_on": ""}, "Choose a date to look at this agreement again"),
    ("review not a date", {"review_on": "next week"}, "Enter a date"),
    ("places too long", {"places": "x" * 301}, "Places can be up to 300 characters"),
]


@pytest.mark.parametrize(("case", "changes", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_plainly_and_nothing_is_stored(
    app: Flask, case: str, changes: dict[str, object], message: str
) -> None:
    sam = client_for(app, "sam")
    before = count_agreements(app), log_entries(app, "sam", "agreement:propose")
    html = post_agreement(sam, uid(app, "jordan"), good_form(**changes))
    assert message in html, case
    assert 'aria-invalid="true"' in html or 'class="field has-error"' in html
    assert (count_agreements(app), log_entries(app, "sam", "agreement:propose")) == before


def test_someone_not_in_your_care_is_refused_logged_and_nothing_stored(app: Flask) -> None:
    maya = uid(app, "maya")
    sam = client_for(app, "sam")
    token = csrf_token(sam.get("/").get_data(as_text=True))
    before = count_agreements(app)
    response = sam.post(f"/people/{maya}/agreement", data={**good_form(), "csrf_token": token})
    assert response.status_code == 404
    assert count_agreements(app) == before
    assert log_entries(app, "sam", "agreement:propose")[-1] == (
        "denied",
        "no_care_assignment",
        maya,
    )
    with app.app_context(), get_database(app).session() as db:
        terms = agreement_terms.validate_terms(today=today(), **good_terms())  # type: ignore[arg-type]
        with pytest.raises(agreement_terms.AgreementError, match="someone you support"):
            agreements.propose(db, by(app, "sam"), maya, terms)
        # A clinician in Jordan's care is not a peer worker: agreements are peer work.
        with pytest.raises(agreement_terms.AgreementError):
            agreements.propose(db, by(app, "dr.chen"), uid(app, "jordan"), terms)


def good_terms() -> dict[str, object]:
    return {
        "methods": ["phone"],
        "days": ["0"],
        "starts_at": "09:00",
        "ends_at": "10:00",
        "places": "",
        "community_contact": False,
        "review_on": today() + timedelta(days=30),
    }


def test_review_dates_today_and_a_year_ahead_are_fine() -> None:
    today = date(2026, 2, 28)
    for review in (today, date(2027, 2, 28)):
        terms = agreement_terms.validate_terms(**{**good_terms(), "review_on": review, "today": today})  # type: ignore[arg-type]
        assert terms.review_on == review
    with pytest.raises(agreement_terms.AgreementError, match="28 February 2027"):
        agreement_terms.validate_terms(**{**good_terms(), "review_on": date(2027, 3, 1), "today": today})  # type: ignore[arg-type]
    leap = date(2028, 2, 29)
    assert agreement_terms.one_year_after(leap) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09:00", time(9)),
        ("9:05", time(9, 5)),
        ("23:59", time(23, 59)),
        ("00:00", time(0)),
        ("17:30:00", time(17, 30)),
    ],
)
def test_times_people_type(raw: str, expected: time) -> None:
    assert agreement_terms.parse_time(raw, "starts_at", "the time") == expected


def test_words() -> None:
    assert agreement_terms.days_phrase([0, 1, 2, 3, 4]) == "weekdays"
    assert agreement_terms.days_phrase([6, 5]) == "weekends"
    assert agreement_terms.days_phrase(range(7)) == "every day"
    assert agreement_terms.days_phrase([0, 2, 4]) == "Monday, Wednesday and Friday"
    assert (
        agreement_terms.methods_phrase(["phone", "text", "in_person"])
        == "phone, text message or in person"
    )
    assert agreement_terms.hours_phrase(time(9), time(17)) == "09:00–17:00"


# For the supervisor's dashboard --------------------------------------------------------------------


def test_due_for_review_lists_in_force_agreements_due_soon_or_overdue(app: Flask) -> None:
    soon = make_agreement(app, "sam", "jordan", days_ago=30, review_on=today() + timedelta(days=10))
    overdue = make_agreement(
        app, "helen", "robert", days_ago=300, review_on=today() - timedelta(days=200)
    )
    make_agreement(app, "tui", "maya", confirmed=False, review_on=today() + timedelta(days=1))
    later = make_agreement(app, "helen", "linh", review_on=today() + timedelta(days=40))
    with app.app_context(), get_database(app).session() as db:
        ids = [uid(app, k) for k in ("sam", "tui", "helen")]
        day = today()
        due = agreements.due_for_review(db, ids, day)
        assert [a.id for a in due] == [overdue, soon]
        assert [a.id for a in agreements.due_for_review(db, ids, day, within_days=45)] == [
            overdue,
            soon,
            later,
        ]
        assert agreements.due_for_review(db, [uid(app, "tui")], day) == []
        assert agreements.due_for_review(db, [], day) == []
    # Dr Chen supervises Sam: the dashboard names the person the agreement is with.
    page = client_for(app, "dr.chen").get("/supervision").get_data(as_text=True)
    assert f'href="/agreements/{soon}">With Jordan Lee</a>: review due' in page


# The person suggests a change --------------------------------------------------------------------


def test_the_person_suggests_a_change_and_the_worker_confirms_it(app: Flask) -> None:
    first = make_agreement(app, "sam", "jordan", days_ago=5)
    jordan_id = uid(app, "jordan")
    jordan = client_for(app, "jordan")
    assert "Suggest a change" in jordan.get(f"/agreements/{first}").get_data(as_text=True)
    form_page = jordan.get(f"/agreements/{first}/change").get_data(as_text=True)
    assert 'value="09:00"' in form_page  # it starts from what was agreed
    token = csrf_token(form_page)
    response = jordan.post(
        f"/agreements/{first}/change",
        data={**good_form(methods=["text"], ends_at="15:00"), "csrf_token": token},
    )
    assert response.status_code == 302
    suggested = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context(), get_database(app).session() as db:
        row = db.get_one(SupportAgreement, suggested)
        assert (row.version, row.created_by_id) == (2, jordan_id)
        assert row.subject_confirmed_at is not None and row.worker_confirmed_at is None
        assert row.methods == ["text"] and row.ends_at == time(15)
        current = agreements.in_force(db, uid(app, "sam"), jordan_id, today())
        assert current is not None and current.id == first  # still the first, until Sam agrees
    assert log_entries(app, "jordan", "agreement:propose")[-1] == ("allowed", "self", jordan_id)
    sam = client_for(app, "sam")
    page = sam.get(f"/agreements/{suggested}").get_data(as_text=True)
    assert "Waiting for you to confirm it." in page and "Confirm this agreement" in page
    post_form(sam, f"/agreements/{suggested}/confirm", {}, form_page=f"/agreements/{suggested}")
    with app.app_context(), get_database(app).session() as db:
        current = agreements.in_force(db, uid(app, "sam"), jordan_id, today())
        assert current is not None and current.id == suggested
    assert log_entries(app, "sam", "agreement:confirm")[-1] == ("allowed", "party", jordan_id)


def test_a_suggested_change_with_bad_hours_stores_nothing(app: Flask) -> None:
    first = make_agreement(app, "sam", "jordan")
    jordan = client_for(app, "jordan")
    token = csrf_token(jordan.get(f"/agreements/{first}/change").get_data(as_text=True))
    before = count_agreements(app)
    response = jordan.post(
        f"/agreements/{first}/change",
        data={**good_form(starts_at="18:00", ends_at="08:00"), "csrf_token": token},
    )
    assert response.status_code == 200
    assert "must be later than the start time" in response.get_data(as_text=True)
    assert count_agreements(app) == before


def test_only_the_two_of_them_change_it_while_they_work_together(app: Flask) -> None:
    from peernotes.care import service as care

    first = make_agreement(app, "sam", "jordan")
    chen = client_for(app, "dr.chen")
    assert chen.get(f"/agreements/{first}/change").status_code == 403
    assert log_entries(app, "dr.chen", "agreement:read")[-1][:2] == ("denied", "not_party")
    for key in ("tui", "linh", "dr.walsh", "alex"):
        assert client_for(app, key).get(f"/agreements/{first}/change").status_code == 404, key
    sam_id, jordan_id, admin = uid(app, "sam"), uid(app, "jordan"), by_admin(app)
    with app.app_context(), get_database(app).session() as db:
        for assignment in care.assignments_between(db, sam_id, jordan_id):
            if assignment.ended_at is None:
                care.end_assignment(db, assignment, by=admin)
        db.commit()
    jordan = client_for(app, "jordan")
    assert jordan.get(f"/agreements/{first}").status_code == 200  # still theirs to read
    assert jordan.get(f"/agreements/{first}/change").status_code == 403
    assert "Suggest a change" not in jordan.get(f"/agreements/{first}").get_data(as_text=True)
