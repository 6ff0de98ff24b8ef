"""A consumer's own pages: naming carers, and who can see their information."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from peernotes.care.models import CarerNomination
from peernotes.db import get_database
from tests.helpers import demo_email, post_form, sign_in, user_id, without_csrf


def _nominations(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(CarerNomination)) or 0)


def test_consumer_names_a_carer(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    jordan = signed_in("jordan")
    response = post_form(
        jordan, "/my/carers", {"email": demo_email("robert"), "relationship_label": "uncle"}
    )
    assert response.status_code == 302
    page = jordan.get("/my/carers").get_data(as_text=True)
    assert "Robert Thompson" in page and "(uncle)" in page
    assert "can&#39;t see any of your information" in page
    robert = app.test_client()
    sign_in(robert, demo_email("robert"))
    assert "Jordan Lee" in robert.get("/").get_data(as_text=True)


def test_bad_nominations_show_an_error_and_store_nothing(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    jordan = signed_in("jordan")
    before = _nominations(app)
    for email, message in [
        ("", "Enter your carer"),
        ("nobody@peernotes.example", "couldn&#39;t find a carer account"),
        (demo_email("sam"), "couldn&#39;t find a carer account"),  # a worker, not a carer
    ]:
        response = post_form(jordan, "/my/carers", {"email": email, "relationship_label": ""})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), email
    alex = app.test_client()
    sign_in(alex, demo_email("alex"))
    again = post_form(alex, "/my/carers", {"email": demo_email("linh"), "relationship_label": ""})
    assert "already nominated" in again.get_data(as_text=True)
    assert _nominations(app) == before


def test_consumer_removes_a_carer(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    alex = signed_in("alex")
    with app.app_context(), get_database(app).session() as session:
        nomination_id = session.scalar(
            select(CarerNomination.id).where(CarerNomination.consumer_id == user_id(app, "alex"))
        )
    post_form(alex, f"/my/carers/{nomination_id}/end", {}, form_page="/my/carers")
    assert "Linh Nguyen is no longer listed" in alex.get("/my/carers").get_data(as_text=True)
    assert "Linh Nguyen" not in alex.get("/my/sharing").get_data(as_text=True)
    assert _nominations(app) == 2  # ended, not deleted


def test_another_consumers_nomination_answers_like_a_missing_one(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), get_database(app).session() as session:
        alex_nomination = session.scalar(
            select(CarerNomination.id).where(CarerNomination.consumer_id == user_id(app, "alex"))
        )
    maya = signed_in("maya")
    theirs = post_form(maya, f"/my/carers/{alex_nomination}/end", {}, form_page="/my/carers")
    missing = post_form(maya, "/my/carers/99999/end", {}, form_page="/my/carers")
    assert theirs.status_code == missing.status_code == 404
    assert without_csrf(theirs.get_data()) == without_csrf(missing.get_data())


def test_who_can_see_my_information_lists_care_team_and_carers(signed_in) -> None:  # type: ignore[no-untyped-def]
    alex = signed_in("alex")
    text = alex.get("/my/sharing").get_data(as_text=True)
    assert "Privacy and sharing" in text
    assert "Dr Mei Chen" in text and "Sam Rivera" in text and "Linh Nguyen" in text
    # Not in Alex's care team; but the demo gives her emergency access to Alex's record, and the
    # page must say so (it used to say "no one else can see your information").
    care_team = text.split('id="team-heading"', 1)[1].split("</section>", 1)[0]
    assert "Dr Fiona Walsh" not in care_team
    walsh = text.split("Dr Fiona Walsh", 1)[1].split("</tr>", 1)[0]
    assert "emergency access until" in walsh
