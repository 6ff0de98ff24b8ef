"""The contact log: recorded without a note, checked against the agreement in force on the day,
gently flagged to the worker and their supervisor and never to anyone else; bad input is
refused plainly and nothing is stored."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.care.service import caseload
from peernotes.db import get_database, utcnow
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.contacts.models import Contact
from tests.helpers import csrf_token
from tests.workforce.test_agreements import (
    _known_ids,  # noqa: F401  (the autouse fixture, for this module too)
    by,
    client_for,
    log_entries,
    make_agreement,
    today,
    uid,
)

AGREED = SupportAgreement(
    methods=["phone", "text", "in_person"],
    days=[0, 1, 2, 3, 4],
    starts_at=time(9),
    ends_at=time(17),
    community_contact=False,
)
MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)


# The check, by itself ----------------------------------------------------------------------------


def test_inside_the_agreement_has_no_reasons() -> None:
    assert contacts.outside(AGREED, MONDAY, time(10), 60, "in_person", "service") == []
    assert contacts.outside(AGREED, MONDAY, None, 600, "phone", "") == []
    assert contacts.outside(AGREED, MONDAY, time(16, 30), 30, "text", "") == []  # ends at 17:00


def test_no_agreement_means_nothing_to_be_outside_of() -> None:
    assert contacts.outside(None, SATURDAY, time(23), 720, "email", "home") == []


def test_a_day_outside_the_agreement() -> None:
    assert contacts.outside(AGREED, SATURDAY, time(11), 10, "phone", "") == [
        "on a Saturday — your agreement says weekdays"
    ]


def test_a_time_outside_the_hours() -> None:
    assert contacts.outside(AGREED, MONDAY, time(20, 30), 15, "phone", "") == [
        "at 20:30 — your agreement says 09:00–17:00"
    ]
    assert contacts.outside(AGREED, MONDAY, time(8, 59), 15, "phone", "") == [
        "at 08:59 — your agreement says 09:00–17:00"
    ]
    assert contacts.outside(AGREED, MONDAY, time(17), 15, "phone", "") == [
        "at 17:00 — your agreement says 09:00–17:00"
    ]


def test_running_past_the_end_of_the_hours() -> None:
    assert contacts.outside(AGREED, MONDAY, time(16, 30), 90, "in_person", "service") == [
        "until 18:00 — your agreement says 09:00–17:00"
    ]


def test_a_way_not_agreed() -> None:
    assert contacts.outside(AGREED, MONDAY, time(10), 5, "email", "") == [
        "by email — not one of the agreed ways"
    ]
    assert contacts.outside(AGREED, MONDAY, time(10), 5, "video", "") == [
        "by video call — not one of the agreed ways"
    ]


def test_community_contact_when_not_agreed() -> None:
    assert contacts.outside(AGREED, MONDAY, time(10), 60, "in_person", "community") == [
        "in the community — community contact isn't part of the agreement"
    ]
    assert contacts.outside(AGREED, MONDAY, time(10), 60, "in_person", "home") == [
        "at their home — community contact isn't part of the agreement"
    ]
    community = SupportAgreement(
        methods=["in_person"],
        days=[5],
        starts_at=time(10),
        ends_at=time(12),
        community_contact=True,
    )
    assert contacts.outside(community, SATURDAY, time(10), 60, "in_person", "community") == []


def test_several_reasons_together() -> None:
    assert contacts.outside(AGREED, SATURDAY, time(21), 20, "video", "") == [
        "on a Saturday — your agreement says weekdays",
        "at 21:00 — your agreement says 09:00–17:00",
        "by video call — not one of the agreed ways",
    ]


# Recording -------------------------------------------------------------------------------------


def last_saturday() -> date:
    day = today()
    return day - timedelta(days=(day.weekday() - 5) % 7 or 7)


def post_contact(client: FlaskClient, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_token(client.get("/contacts").get_data(as_text=True))
    response = client.post("/contacts", data={**data, "csrf_token": token})
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def count_contacts(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(Contact)) or 0)


def newest_contact(app: Flask) -> Contact:
    with app.app_context(), get_database(app).session() as db:
        found = db.scalar(select(Contact).order_by(Contact.id.desc()).limit(1))
        assert found is not None
        db.expunge(found)
        return found


def test_a_contact_outside_the_agreement_is_stored_with_gentle_reasons(app: Flask) -> None:
    make_agreement(app, "sam", "jordan", days_ago=20)
    sam = client_for(app, "sam")
    status, page = post_contact(
        sam,
        {
            "subject": str(uid(app, "jordan")),
            "occurred_on": last_saturday().isoformat(),
            "at_time": "11:15",
            "minutes": "10",
            "channel": "text",
        },
    )
    assert status == 302
    assert "a little outside your agreement with Jordan Lee" in page
    assert "on a Saturday — your agreement says weekdays" in page
    contact = newest_contact(app)
    assert contact.outside_agreement == ["on a Saturday — your agreement says weekdays"]
    assert (contact.channel, contact.minutes, contact.at_time) == ("text", 10, time(11, 15))
    assert contact.place == "" and contact.group is False
    assert log_entries(app, "sam", "contact:log")[-1] == (
        "allowed",
        "care_assignment",
        uid(app, "jordan"),
    )


def test_a_contact_inside_the_agreement(app: Flask) -> None:
    make_agreement(app, "sam", "jordan", days_ago=20)
    status, page = post_contact(
        client_for(app, "sam"),
        {
            "subject": str(uid(app, "jordan")),
            "occurred_on": (last_saturday() - timedelta(days=3)).isoformat(),  # a Wednesday
            "at_time": "10:00",
            "minutes": "45",
            "channel": "in_person",
            "place": "service",
            "group": "y",
        },
    )
    assert status == 302 and "It was within your agreement with Jordan Lee." in page
    contact = newest_contact(app)
    assert contact.outside_agreement == [] and contact.group is True and contact.place == "service"


def test_with_no_agreement_nothing_is_flagged_and_the_worker_is_told(app: Flask) -> None:
    status, page = post_contact(
        client_for(app, "sam"),
        {
            "subject": str(uid(app, "jordan")),
            "occurred_on": last_saturday().isoformat(),
            "at_time": "22:00",
            "minutes": "30",
            "channel": "email",
        },
    )
    assert status == 302
    assert "no agreement with Jordan Lee yet" in page
    assert newest_contact(app).outside_agreement == []


def test_a_contact_before_the_agreement_was_confirmed_is_not_flagged(app: Flask) -> None:
    make_agreement(app, "sam", "jordan", days_ago=0)
    status, _ = post_contact(
        client_for(app, "sam"),
        {
            "subject": str(uid(app, "jordan")),
            "occurred_on": (today() - timedelta(days=8)).isoformat(),
            "minutes": "30",
            "channel": "email",
        },
    )
    assert status == 302
    assert newest_contact(app).outside_agreement == []


GOOD = {"occurred_on": "", "at_time": "10:00", "minutes": "30", "channel": "phone"}

BAD: list[tuple[str, dict[str, str], str]] = [
    ("date in the future", {"occurred_on": "+1"}, "The date can&#39;t be in the future"),
    ("no date", {"occurred_on": "none"}, "Give the date of the contact"),
    ("not a date", {"occurred_on": "yesterday"}, "Enter a date"),
    ("long ago", {"occurred_on": "-200"}, "more than 92 days ago"),
    # The demo's assignments began 60 days ago.
    ("before the support began", {"occurred_on": "-70"}, "You began supporting them on"),
    ("no minutes", {"minutes": ""}, "Say how long it lasted"),
    ("zero minutes", {"minutes": "0"}, "Say how long it lasted"),
    ("too many minutes", {"minutes": "721"}, "from 1 to 720"),
    ("minutes not a number", {"minutes": "half an hour"}, "whole number"),
    ("not a time", {"at_time": "25:61"}, "isn&#39;t a time of day"),
    ("unknown channel", {"channel": "pigeon"}, "Choose how you were in touch"),
    ("no channel", {"channel": ""}, "Choose how you were in touch"),
    ("in person, nowhere", {"channel": "in_person"}, "choose where"),
    ("in person, unknown place", {"channel": "in_person", "place": "moon"}, "choose where"),
    ("no one", {"subject": ""}, "Choose someone you support now"),
]


@pytest.mark.parametrize(("case", "changes", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_plainly_and_nothing_is_stored(
    app: Flask, case: str, changes: dict[str, str], message: str
) -> None:
    data = {**GOOD, "subject": str(uid(app, "jordan")), **changes}
    raw = data["occurred_on"]
    if raw in ("", "+1", "-200", "-70"):
        data["occurred_on"] = (today() + timedelta(days=int(raw or 0))).isoformat()
    elif raw == "none":
        data["occurred_on"] = ""
    before = count_contacts(app)
    status, page = post_contact(client_for(app, "sam"), data)
    assert status == 200, case
    assert message in page, case
    assert count_contacts(app) == before


def test_someone_not_in_your_care_is_refused_logged_and_nothing_stored(app: Flask) -> None:
    maya = uid(app, "maya")
    before = count_contacts(app)
    status, page = post_contact(
        client_for(app, "sam"),
        {**GOOD, "subject": str(maya), "occurred_on": today().isoformat()},
    )
    assert status == 200 and "Choose someone you support now" in page
    assert count_contacts(app) == before
    assert log_entries(app, "sam", "contact:log")[-1] == ("denied", "no_care_assignment", maya)


def test_only_peer_workers_record_contacts(app: Flask) -> None:
    for key in ("alex", "linh", "dr.chen", "admin", "auditor"):
        assert client_for(app, key).get("/contacts").status_code == 403, key


# Who sees the flags -----------------------------------------------------------------------------


FLAG = "on a Saturday — your agreement says weekdays"


def _flagged_contact(app: Flask) -> int:
    agreement = make_agreement(app, "sam", "jordan", days_ago=20)
    with app.app_context(), get_database(app).session() as db:
        contacts.record(
            db,
            by(app, "sam"),
            uid(app, "jordan"),
            occurred_on=last_saturday(),
            at_time="11:15",
            minutes=10,
            channel="text",
            place="",
            group=False,
            today=today(),
        )
        db.commit()
    return agreement


def test_flags_reach_the_worker_and_the_supervisor(app: Flask) -> None:
    agreement = _flagged_contact(app)
    jordan = uid(app, "jordan")
    sam = client_for(app, "sam")
    assert FLAG in sam.get("/contacts").get_data(as_text=True)
    assert FLAG in sam.get(f"/agreements/{agreement}").get_data(as_text=True)
    assert FLAG in sam.get(f"/people/{jordan}/agreement").get_data(as_text=True)
    chen = client_for(app, "dr.chen")
    assert FLAG in chen.get(f"/agreements/{agreement}").get_data(as_text=True)
    # The supervisor's dashboard names the person the flagged contact was with.
    assert f"with Jordan Lee: {FLAG}" in chen.get("/supervision").get_data(as_text=True)


def test_flags_never_reach_the_person_or_anyone_else(app: Flask) -> None:
    agreement = _flagged_contact(app)
    jordan = client_for(app, "jordan")
    for path in (f"/agreements/{agreement}", "/my/agreements", "/my/access-log", "/"):
        page = jordan.get(path)
        assert page.status_code == 200, path
        assert "Saturday" not in page.get_data(as_text=True), path
    for key in ("admin", "auditor", "dr.walsh", "tui", "linh"):
        client = client_for(app, key)
        for path in (f"/agreements/{agreement}", "/contacts", "/my/agreements", "/"):
            assert "Saturday" not in client.get(path).get_data(as_text=True), (key, path)
    auditor = client_for(app, "auditor")
    assert "Saturday" not in auditor.get("/audit").get_data(as_text=True)


# For the caseload view ---------------------------------------------------------------------------


def _summary(db: Session, worker_id: int, day: date) -> dict[int, tuple[date | None, int]]:
    return contacts.caseload_summary(db, worker_id, caseload(db, worker_id, utcnow()), day)


def test_caseload_summary_gives_the_last_contact_and_the_count_of_30_days(app: Flask) -> None:
    sam, jordan, alex = by(app, "sam"), uid(app, "jordan"), uid(app, "alex")
    robert = uid(app, "robert")  # the demo's carer Sam supports (issue 17)
    day = today()
    with app.app_context(), get_database(app).session() as db:
        before = _summary(db, sam.id or 0, day)
        for ago in (0, 3, 29, 30, 60):
            contacts.record(
                db,
                sam,
                jordan,
                occurred_on=day - timedelta(days=ago),
                at_time="",
                minutes=20,
                channel="phone",
                place="",
                group=False,
                today=day,
            )
        summary = _summary(db, sam.id or 0, day)
        db.rollback()
    assert set(summary) == {alex, jordan, robert}  # Sam's caseload, and no one else
    last, count = summary[jordan]
    assert last == day
    assert count == before[jordan][1] + 3  # today, 3 and 29 days ago; not 30 or 60
    assert summary[alex] == before[alex]
    with app.app_context(), get_database(app).session() as db:
        assert _summary(db, uid(app, "tui"), day).keys() == {uid(app, "maya")}


def test_flagged_lists_only_contacts_outside_the_agreement_newest_first(app: Flask) -> None:
    make_agreement(app, "sam", "jordan", days_ago=20)
    sam = by(app, "sam")
    day = today()
    saturday = last_saturday()
    with app.app_context(), get_database(app).session() as db:
        ids = []
        for occurred, channel in (
            (saturday - timedelta(days=7), "text"),  # outside: a Saturday
            (saturday - timedelta(days=3), "phone"),  # inside: a Wednesday
            (saturday, "email"),  # outside twice
        ):
            ids.append(
                contacts.record(
                    db,
                    sam,
                    uid(app, "jordan"),
                    occurred_on=occurred,
                    at_time="12:00",
                    minutes=10,
                    channel=channel,
                    place="",
                    group=False,
                    today=day,
                ).id
            )
        found = [
            c.id
            for c in contacts.flagged(db, [sam.id or 0], saturday - timedelta(days=10))
            if c.subject_id == uid(app, "jordan")
        ]
        assert found == [ids[2], ids[0]]
        assert contacts.flagged(db, [uid(app, "tui")], saturday - timedelta(days=10)) == []
        assert contacts.flagged(db, [], saturday) == []
        db.rollback()
