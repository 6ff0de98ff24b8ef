"""Coordinator pages: accounts, teams and care assignments, with their bad-input paths."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from peernotes.auth.models import User
from peernotes.care.models import CareAssignment, Team, TeamMembership
from peernotes.db import get_database, utcnow
from tests.helpers import demo_email, post_form, sign_in, user_id


def _count(app: Flask, model: type) -> int:
    with app.app_context(), get_database(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


NEW_ACCOUNT = {
    "display_name": "Aroha Wiremu",
    "email": "aroha@peernotes.example",
    "role": "clinician",
    "password": "a first password here",
}


def test_admin_creates_an_account_that_can_sign_in(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    response = post_form(admin, "/admin/accounts", NEW_ACCOUNT)
    assert response.status_code == 302
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "Account created for Aroha Wiremu" in page
    assert sign_in(app.test_client(), "aroha@peernotes.example", "a first password here").status_code == 302


def test_malformed_account_fields_show_errors_and_store_nothing(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    before = _count(app, User)
    cases = [
        ({"email": "not-an-email"}, "email address doesn"),
        ({"display_name": ""}, "Enter the person"),
        ({"role": "wizard"}, "Not a valid choice"),
        ({"password": "short"}, "at least 12 characters"),
        ({"email": demo_email("alex")}, "already exists"),
    ]
    for change, message in cases:
        response = post_form(admin, "/admin/accounts", {**NEW_ACCOUNT, **change})
        text = response.get_data(as_text=True)
        assert response.status_code == 200, change
        assert message in text.replace("&#39;", "'").replace("&#34;", '"'), change
        assert 'aria-invalid="true"' in text, change
    assert _count(app, User) == before


def test_admin_deactivates_and_reactivates_an_account(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    maya = user_id(app, "maya")
    post_form(admin, f"/admin/accounts/{maya}/deactivate", {}, form_page="/admin/accounts")
    assert sign_in(app.test_client(), demo_email("maya")).status_code == 200
    post_form(admin, f"/admin/accounts/{maya}/reactivate", {}, form_page="/admin/accounts")
    assert sign_in(app.test_client(), demo_email("maya")).status_code == 302
    with app.app_context(), get_database(app).session() as session:
        assert session.get(User, maya) is not None  # never deleted


def test_admin_cannot_deactivate_themself(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    response = post_form(
        admin, f"/admin/accounts/{user_id(app, 'admin')}/deactivate", {}, form_page="/admin/accounts"
    )
    assert response.status_code == 302
    assert "can&#39;t deactivate your own account" in admin.get("/admin/accounts").get_data(as_text=True)
    assert admin.get("/").status_code == 200


def test_unknown_account_id_is_404(signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    response = post_form(admin, "/admin/accounts/99999/deactivate", {}, form_page="/admin/accounts")
    assert response.status_code == 404


def test_teams_create_members_and_deactivate(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    response = post_form(admin, "/admin/teams", {"name": "Youth Outreach", "description": ""})
    assert response.status_code == 302
    team_path = response.headers["Location"]
    duplicate = post_form(admin, "/admin/teams", {"name": "Youth Outreach"})
    assert "already exists" in duplicate.get_data(as_text=True)
    assert _count(app, Team) == 2

    tui = user_id(app, "tui")
    post_form(admin, team_path, {"user_id": str(tui)})
    page = admin.get(team_path).get_data(as_text=True)
    assert "Tui Henare joined Youth Outreach" in page

    # A consumer is not staff: they cannot be put in a team, even by a hand-made request.
    refused = post_form(admin, team_path, {"user_id": str(user_id(app, "alex"))})
    assert refused.status_code == 200
    assert "Not a valid choice" in refused.get_data(as_text=True)

    team_id = int(team_path.rsplit("/", 1)[1])
    post_form(admin, f"/admin/teams/{team_id}/deactivate", {}, form_page=team_path)
    with app.app_context(), get_database(app).session() as session:
        team = session.get_one(Team, team_id)
        assert team.deactivated_at is not None
        assert session.scalar(select(func.count()).select_from(TeamMembership).where(TeamMembership.team_id == team_id)) == 1


def _assignment_form(app: Flask, worker: str, subject: str, **extra: str) -> dict[str, str]:
    return {
        "worker_id": str(user_id(app, worker)),
        "subject_id": str(user_id(app, subject)),
        "team_id": "0",
        "starts_on": utcnow().date().isoformat(),
        "ends_on": "",
        **extra,
    }


def test_assignment_appears_in_the_workers_caseload(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    response = post_form(admin, "/admin/assignments", _assignment_form(app, "tui", "jordan"))
    assert response.status_code == 302
    tui = app.test_client()
    sign_in(tui, demo_email("tui"))
    assert "Jordan Lee" in tui.get("/").get_data(as_text=True)


def test_ending_an_assignment_takes_effect_at_once(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    sam = app.test_client()
    sign_in(sam, demo_email("sam"))
    assert "Alex Nguyen" in sam.get("/").get_data(as_text=True)
    with app.app_context(), get_database(app).session() as session:
        assignment_id = session.scalar(
            select(CareAssignment.id).where(
                CareAssignment.worker_id == user_id(app, "sam"),
                CareAssignment.subject_id == user_id(app, "alex"),
            )
        )
    admin = signed_in("admin")
    post_form(admin, f"/admin/assignments/{assignment_id}/end", {}, form_page="/admin/assignments")
    assert "Alex Nguyen" not in sam.get("/").get_data(as_text=True)
    with app.app_context(), get_database(app).session() as session:
        ended = session.get_one(CareAssignment, assignment_id)
        assert ended.ended_at is not None  # kept, with its end recorded


def test_bad_assignments_show_errors_and_store_nothing(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    before = _count(app, CareAssignment)
    today = utcnow().date()
    cases = [
        (_assignment_form(app, "helen", "alex"), "carer peer worker is assigned to a carer"),
        # (A consumer peer worker may support a carer: tests/workforce/test_carers_support.py.)
        (_assignment_form(app, "dr.chen", "linh"), "clinician is assigned to a consumer"),
        (_assignment_form(app, "sam", "alex"), "already have an assignment"),
        (
            _assignment_form(
                app, "tui", "alex", ends_on=(today - timedelta(days=1)).isoformat()
            ),
            "can&#39;t be before the start date",
        ),
        (_assignment_form(app, "tui", "alex", starts_on="31/02/2026"), "Not a valid date"),
        (_assignment_form(app, "alex", "jordan"), "Not a valid choice"),
        ({**_assignment_form(app, "tui", "alex"), "worker_id": "0"}, "Choose a clinician"),
    ]
    for data, message in cases:
        response = post_form(admin, "/admin/assignments", data)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, data
        assert message in text, (message, data)
    assert _count(app, CareAssignment) == before


def test_admin_pages_show_no_note_or_record_content(signed_in) -> None:  # type: ignore[no-untyped-def]
    """Admins manage connections only; their pages link to nothing clinical."""
    admin = signed_in("admin")
    for path in ("/", "/admin/accounts", "/admin/teams", "/admin/assignments"):
        text = admin.get(path).get_data(as_text=True)
        assert "/records" not in text and "/notes" not in text
