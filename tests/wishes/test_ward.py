"""The inpatient ward as a place: a contact in person can happen on the ward, and a support
agreement says whether visits on the ward are part of it (a ward contact outside it is gently
flagged, like community contact)."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import Flask
from sqlalchemy import select

from peernotes.db import get_database
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.contacts.models import Contact
from tests.workforce.test_agreements import (
    _known_ids,  # noqa: F401  (the autouse fixture, for this module too)
    client_for,
    good_form,
    make_agreement,
    post_agreement,
    uid,
)
from tests.workforce.test_contacts import last_saturday, newest_contact, post_contact

MONDAY = date(2026, 11, 23)


def agreement(ward_visits: bool) -> SupportAgreement:
    return SupportAgreement(
        methods=["in_person"],
        days=[0, 1, 2, 3, 4],
        starts_at=time(9),
        ends_at=time(17),
        community_contact=False,
        ward_visits=ward_visits,
    )


def test_a_ward_visit_not_agreed_is_gently_flagged() -> None:
    assert contacts.outside(agreement(False), MONDAY, time(10), 60, "in_person", "ward") == [
        "on the inpatient ward — visits on the ward aren't part of the agreement"
    ]
    # A ward visit is not community contact: agreed, it is inside.
    assert contacts.outside(agreement(True), MONDAY, time(10), 60, "in_person", "ward") == []


def test_a_worker_records_a_contact_on_the_ward(app: Flask) -> None:
    make_agreement(app, "sam", "jordan", days_ago=20, ward_visits=True)
    sam = client_for(app, "sam")
    assert "On the inpatient ward" in sam.get("/contacts").get_data(as_text=True)
    status, page = post_contact(
        sam,
        {
            "subject": str(uid(app, "jordan")),
            "occurred_on": (last_saturday() - timedelta(days=3)).isoformat(),  # a Wednesday
            "at_time": "10:00",
            "minutes": "45",
            "channel": "in_person",
            "place": "ward",
        },
    )
    assert status == 302 and "It was within your agreement with Jordan Lee." in page
    contact = newest_contact(app)
    assert contact.place == "ward" and contact.outside_agreement == []


def test_an_agreement_can_include_visits_on_the_ward(app: Flask) -> None:
    jordan = uid(app, "jordan")
    sam = client_for(app, "sam")
    form = sam.get(f"/people/{jordan}/agreement").get_data(as_text=True)
    assert "Visiting on the inpatient ward is part of our agreement" in form
    location = post_agreement(sam, jordan, good_form(ward_visits="y"))
    assert location.startswith("/agreements/")
    page = sam.get(location).get_data(as_text=True)
    assert "Visits on the inpatient ward" in page and "Part of the agreement" in page
    with app.app_context(), get_database(app).session() as db:
        row = db.get_one(SupportAgreement, int(location.rsplit("/", 1)[1]))
        assert row.ward_visits is True
    # Without the box ticked, visits on the ward are not part of it.
    location = post_agreement(sam, jordan, good_form())
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(SupportAgreement, int(location.rsplit("/", 1)[1])).ward_visits is False


def test_the_demo_has_tui_with_maya_on_the_ward(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as db:
        found = db.scalars(
            select(Contact).where(
                Contact.worker_id == uid(app, "tui"), Contact.subject_id == uid(app, "maya")
            )
        ).all()
        proposed = db.scalars(
            select(SupportAgreement).where(SupportAgreement.subject_id == uid(app, "maya"))
        ).all()
    assert [c.place for c in found] == ["ward"]
    assert [a.ward_visits for a in proposed] == [True]
