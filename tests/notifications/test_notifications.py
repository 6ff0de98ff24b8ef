"""In-app notifications: one for each event where it happens, read and marked by their owner
only, and held back with a delayed concern."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import By
from peernotes.auth.roles import Permission, Role, has_permission
from peernotes.db import get_database
from peernotes.notifications import service as notifications
from peernotes.notifications.kinds import LABELS, Kind, kinds_for, link_for
from peernotes.notifications.models import EmailPreference, Notification, OutboxMessage
from peernotes.risk import service as risk
from tests.helpers import post_form, user_id
from tests.notifications.events import ids, trigger_every_kind


def first_notification(app: Flask, key: str) -> int:
    """The id of this demo person's first notification that nothing holds back."""
    person = user_id(app, key)
    with app.app_context(), get_database(app).session() as db:
        found = db.scalar(
            select(Notification.id)
            .where(Notification.person_id == person, Notification.kind != "risk_about_you")
            .order_by(Notification.id)
        )
    assert found is not None, f"{key} has no notification in the demo"
    return found


# Each event, where it happens ------------------------------------------------------------------


def _notifications(app: Flask) -> list[tuple[int, str, int, str, bool]]:
    with app.app_context(), get_database(app).session() as db:
        rows = db.execute(
            select(
                Notification.person_id,
                Notification.kind,
                Notification.about_id,
                Notification.link,
                Notification.read_at.is_not(None),
            ).order_by(Notification.id)
        ).all()
    return [(p, k.value, a, link, read) for p, k, a, link, read in rows]


def test_every_event_notifies_the_people_it_concerns_and_no_one_else(app: Flask) -> None:
    before = len(_notifications(app))
    expected = trigger_every_kind(app)
    people = ids(app)
    made = _notifications(app)[before:]
    assert sorted((p, k, a) for p, k, a, _, _ in made) == sorted(
        (people[e.person], e.kind.value, e.about_id) for e in expected
    )
    assert {e.kind for e in expected} == set(Kind), "an event is missing from the test"
    for _person, kind, about, link, read in made:
        assert link == link_for(Kind(kind), about) and not read


def test_every_link_leads_to_a_page(app: Flask) -> None:
    adapter = app.url_map.bind("peernotes.test")
    for kind in Kind:
        endpoint, _ = adapter.match(link_for(kind, 1), method="GET")
        assert not endpoint.startswith("notifications."), kind


def test_a_refused_action_leaves_no_notification(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    """A step that is refused rolls back its notification with everything else."""
    before = _notifications(app)
    people = ids(app)
    with app.app_context(), get_database(app).session() as db:
        # Tui does not support Alex: her concern about him is refused, and nothing is stored.
        with pytest.raises(risk.RiskError):
            risk.raise_concern(
                db, By(people["tui"], Role.CONSUMER_PEER_WORKER, "t"), people["alex"], "a", "b", "c"
            )
        db.commit()
    assert _notifications(app) == before


# Reading and marking -------------------------------------------------------------------------


def test_the_list_shows_unread_first_and_opening_one_marks_it_read(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    expected = trigger_every_kind(app)
    client = signed_in("sam")
    page = client.get("/notifications").get_data(as_text=True)
    assert LABELS[Kind.HANDOVER_ASKED] in page and LABELS[Kind.AGREEMENT_TO_CONFIRM] in page
    assert re.search(r'Notifications <span class="badge">(\d+)</span>', page)
    sam = ids(app)["sam"]
    handover_id = next(e.about_id for e in expected if e.kind is Kind.HANDOVER_ASKED)
    with app.app_context(), get_database(app).session() as db:
        unread_before = notifications.unread_count(db, sam)
        handover = db.scalar(
            select(Notification).where(
                Notification.person_id == sam,
                Notification.kind == Kind.HANDOVER_ASKED,
                Notification.about_id == handover_id,
            )
        )
        assert handover is not None
    assert unread_before >= 2
    response = client.get(f"/notifications/{handover.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/handover/{handover_id}/write"
    with app.app_context(), get_database(app).session() as db:
        assert notifications.unread_count(db, sam) == unread_before - 1
        listed = notifications.listed(db, sam)
    # Unread first, the one just opened among the read ones.
    reads = [n.read_at is not None for n in listed]
    assert reads == sorted(reads) and reads.count(True) >= 1
    page = client.get("/notifications").get_data(as_text=True)
    assert f"{unread_before - 1} unread" in page


def test_mark_all_read_marks_only_ones_own(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    trigger_every_kind(app)
    people = ids(app)
    client = signed_in("alex")
    post_form(client, "/notifications/read-all", {}, form_page="/notifications")
    with app.app_context(), get_database(app).session() as db:
        assert notifications.unread_count(db, people["alex"]) == 0
        assert notifications.unread_count(db, people["sam"]) > 0
    page = client.get("/notifications").get_data(as_text=True)
    assert "All read" in page and "Mark all as read" not in page
    assert not re.search(r'Notifications <span class="badge">', page)


def test_no_one_opens_or_marks_another_persons_notification(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    alexs = first_notification(app, "alex")
    client = signed_in("sam")
    assert client.get(f"/notifications/{alexs}").status_code == 404
    assert client.get("/notifications/999999").status_code == 404
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/notifications/{alexs}"' not in page
    with app.app_context(), get_database(app).session() as db:
        row = db.get_one(Notification, alexs)
        assert row.read_at is None
        refused = db.scalars(
            select(AuditEntry).where(
                AuditEntry.target_type == "notification", AuditEntry.target_id == str(alexs)
            )
        ).all()
    # The attempt is on record, about Alex (it was his).
    assert [(e.actor_id, e.subject_id, e.outcome) for e in refused] == [
        (ids(app)["sam"], ids(app)["alex"], "denied")
    ]


def test_a_concern_held_back_is_not_in_the_persons_notifications_until_the_delay_ends(
    app: Flask, signed_in
) -> None:  # type: ignore[no-untyped-def]
    people = ids(app)
    sam = By(people["sam"], Role.CONSUMER_PEER_WORKER, "t")
    chen = By(people["dr.chen"], Role.CLINICIAN, "t")
    with app.app_context(), get_database(app).session() as db:
        count_before = notifications.unread_count(db, people["alex"])
        concern = risk.raise_concern(db, sam, people["alex"], "Seen.", "Now.", "Called.")
        risk.delay(
            db, chen, concern.id, "Telling him today could put him at risk.", 24, max_hours=72
        )
        db.commit()
        held = db.scalar(
            select(Notification.id).where(
                Notification.kind == Kind.RISK_ABOUT_YOU, Notification.about_id == concern.id
            )
        )
        assert held is not None
        assert notifications.unread_count(db, people["alex"]) == count_before
    client = signed_in("alex")
    assert f'href="/notifications/{held}"' not in client.get("/notifications").get_data(
        as_text=True
    )
    assert client.get(f"/notifications/{held}").status_code == 404
    post_form(client, "/notifications/read-all", {}, form_page="/notifications")
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(Notification, held).read_at is None  # not marked while held
        risk.lift_delay(db, chen, concern.id)
        db.commit()
    assert f'href="/notifications/{held}"' in client.get("/notifications").get_data(as_text=True)
    response = client.get(f"/notifications/{held}")
    assert response.status_code == 302 and response.headers["Location"] == f"/risk/{concern.id}"
    assert client.get(f"/risk/{concern.id}").status_code == 200


def test_in_app_notifications_work_without_email(app: Flask) -> None:
    assert app.config["PEERNOTES"].smtp is None
    trigger_every_kind(app)
    with app.app_context(), get_database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# Email choices ---------------------------------------------------------------------------------


def _choices(app: Flask, key: str) -> list[tuple[str, bool]]:
    person = ids(app)[key]
    with app.app_context(), get_database(app).session() as db:
        rows = db.execute(
            select(EmailPreference.kind, EmailPreference.email)
            .where(EmailPreference.person_id == person)
            .order_by(EmailPreference.kind)
        ).all()
    return [(k.value, e) for k, e in rows]


def _checked(page: str) -> set[str]:
    return set(re.findall(r'id="email-(\w+)"[^>]*\bchecked\b', page))


def test_email_is_off_by_default_and_emergency_access_is_always_on(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    page = client.get("/notifications/settings").get_data(as_text=True)
    offered = set(re.findall(r'id="email-(\w+)"', page))
    assert offered == {k.value for k in kinds_for(Role.CONSUMER)}
    assert _checked(page) == {"emergency_access"}
    assert re.search(r'id="email-emergency_access" checked disabled', page)
    assert 'name="email" id="email-emergency_access"' not in page  # nothing to untick
    assert "does not send email yet" in page
    people = ids(app)
    with app.app_context(), get_database(app).session() as db:
        for kind in Kind:
            wanted = notifications.emails_wanted(db, people["alex"], kind)
            assert wanted is (kind is Kind.EMERGENCY_ACCESS), kind


def test_choices_are_saved_and_emergency_access_cannot_be_switched_off(
    app: Flask, signed_in
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    response = post_form(
        client, "/notifications/settings", {"email": ["note_to_review", "request_answered"]}
    )
    assert response.status_code == 302
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Your email choices are saved." in page
    assert _checked(page) == {"emergency_access", "note_to_review", "request_answered"}
    assert _choices(app, "alex") == [("note_to_review", True), ("request_answered", True)]
    # Unticking everything: the chosen ones go off; emergency access stays on, unstored.
    assert post_form(client, "/notifications/settings", {}).status_code == 302
    assert _choices(app, "alex") == [("note_to_review", False), ("request_answered", False)]
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert _checked(page) == {"emergency_access"}
    with app.app_context(), get_database(app).session() as db:
        assert notifications.emails_wanted(db, ids(app)["alex"], Kind.EMERGENCY_ACCESS)


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not_a_kind"},
        {"email": ["note_to_review", "cosign_asked"]},  # a clinician's kind, not Alex's
        {"email": ["note_to_review", "x" * 500]},
    ],
    ids=["unknown", "not-his", "long"],
)
def test_bad_settings_change_nothing(app: Flask, signed_in, data: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    post_form(client, "/notifications/settings", {"email": "request_answered"})
    before = _choices(app, "alex")
    response = post_form(client, "/notifications/settings", data)  # type: ignore[arg-type]
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Choose only from the kinds of notice listed." in page
    assert 'class="errors" id="email-error"' in page
    assert _choices(app, "alex") == before == [("request_answered", True)]


def test_settings_without_a_csrf_token_are_refused(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("alex")
    response = client.post("/notifications/settings", data={"email": "note_to_review"})
    assert response.status_code == 400
    assert _choices(app, "alex") == []
    assert client.post("/notifications/read-all").status_code == 400


def test_a_role_with_nothing_to_receive_is_told_so(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("auditor")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Nothing in PeerNotes sends notifications to your role yet." in page
    assert "Nothing is waiting for you." in client.get("/notifications").get_data(as_text=True)


def test_every_role_has_its_own_notifications(app: Flask) -> None:
    for role in Role:
        assert has_permission(role, Permission.NOTIFICATIONS_OWN), role


def test_the_mail_command_says_when_email_is_not_set_up(app: Flask) -> None:
    from peernotes.cli import mail_send_pending

    result = app.test_cli_runner().invoke(mail_send_pending)
    assert result.exit_code == 2
    assert "PEERNOTES_SMTP_URL" in result.output
