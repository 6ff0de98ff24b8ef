"""The handover flow: a change of peer worker with the person's consent to a handover waits
for it. The coordinator's list and the request's page say it is pending (who writes it, since
when); confirming is refused while it is, and changes nothing; it is released when the
previous worker writes it or the person withdraws the consent; and the coordinator can confirm
without it, saying why (stored, shown, logged).

The browser journey of the same flow is in tests/browser/test_workforce_choosing.py."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care.models import CareAssignment
from peernotes.db import get_database, utcnow
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.choosing.models import WorkerRequest
from tests.helpers import (
    client_as,
    count_rows,
    csrf_token,
    last_entry,
    post_with_token,
    query,
    user_id,
)
from tests.sealed import assert_sealed
from tests.web.test_refused_routes import assert_unchanged, snapshot

SUMMARY = "HANDOVER-FLOW-CANARY Alex likes to walk while we talk; mornings are best."
REASON = "Sam is on leave for six weeks from tomorrow, and Alex would like to start with Tui now."
OVERRIDE = "confirm-without-handover"


def _ask_for_tui(app: Flask, *, handover_consent: bool = True) -> int:
    """Alex asks to move from Sam to Tui; the request's id."""
    data = {"worker_id": str(user_id(app, "tui"))}
    if handover_consent:
        data["handover"] = "yes"
    assert post_with_token(client_as(app, "alex"), "/my/peer-worker/request", data).status_code
    ((request_id,),) = query(
        app,
        "SELECT id FROM worker_requests WHERE subject_id = :s AND state = 'requested'",
        {"s": user_id(app, "alex")},
    )
    assert isinstance(request_id, int)
    return request_id


def _waiting_item(page: str, name: str) -> str:
    """The list item of the coordinator's list about `name`'s request."""
    waiting = page.split('id="waiting-heading"', 1)[1].split('id="decided-heading"', 1)[0]
    items = [item for item in waiting.split("<li>")[1:] if f"<strong>{name}</strong>" in item]
    assert len(items) == 1, waiting
    return items[0]


def _confirm_action(request_id: int) -> str:
    return f'action="/admin/worker-requests/{request_id}/confirm"'


def _alex_assigned_to(app: Flask) -> set[int]:
    """Alex's peer workers now (his clinician left aside)."""
    return {
        int(row[0])  # type: ignore[call-overload]
        for row in query(
            app,
            "SELECT a.worker_id FROM care_assignments a JOIN users u ON u.id = a.worker_id "
            "WHERE a.subject_id = :s AND a.ended_at IS NULL AND u.role = 'consumer_peer_worker'",
            {"s": user_id(app, "alex")},
        )
    }


def _override(admin: FlaskClient, request_id: int, reason: str) -> str:
    """Post the override from the request's own page, with that page's token; the page shown."""
    page = admin.get(f"/admin/worker-requests/{request_id}").get_data(as_text=True)
    response = admin.post(
        f"/admin/worker-requests/{request_id}/{OVERRIDE}",
        data={"reason": reason, "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


# Shown where people look ---------------------------------------------------------------------


def test_a_pending_handover_shows_on_the_list_and_the_request_page(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    admin = client_as(app, "admin")
    listing = admin.get("/admin/worker-requests").get_data(as_text=True)
    item = _waiting_item(listing, "Alex Nguyen")
    assert "Handover pending." in item
    assert "Sam Rivera is to write it; Alex Nguyen agreed on" in item
    assert "a change from Sam Rivera" in item
    # No confirm button for it, only the way to its page.
    assert _confirm_action(request_id) not in item
    assert f'href="/admin/worker-requests/{request_id}"' in item
    # Jordan's change (the demo's) has its handover written: confirming is offered.
    ((jordan_request,),) = query(
        app,
        "SELECT id FROM worker_requests WHERE subject_id = :s",
        {"s": user_id(app, "jordan")},
    )
    jordan = _waiting_item(listing, "Jordan Lee")
    assert "Sam Rivera wrote the handover on" in jordan and "Handover pending" not in jordan
    assert _confirm_action(int(jordan_request)) in jordan  # type: ignore[call-overload]

    page = admin.get(f"/admin/worker-requests/{request_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Handover pending." in body and "Confirming waits for the handover" in body
    assert _confirm_action(request_id) not in body
    assert f'action="/admin/worker-requests/{request_id}/{OVERRIDE}"' in body
    assert "Why the change can&#39;t wait for the handover" in body


def test_the_service_says_who_writes_which_handover_since_when(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    sam, tui, alex = (user_id(app, k) for k in ("sam", "tui", "alex"))
    with app.app_context(), get_database(app).session() as db:
        now = utcnow()
        row = db.get_one(WorkerRequest, request_id)
        (pending,) = handover.to_write(db, sam, now)
        assert (pending.request_id, pending.subject_id, pending.writer_id) == (
            request_id,
            alex,
            sam,
        )
        assert pending.since == row.handover_consent_changed_at
        assert handover.to_write(db, tui, now) == []
        # The home page's list is the same requests.
        assert [r.id for r in handover.asked_of(db, sam, now)] == [request_id]
        waiting = {s.request.id: s for s in choosing.waiting_for_coordinator(db, now)}
        assert waiting[request_id].held and waiting[request_id].pending == pending
        assert waiting[request_id].previous_worker_id == sam
        # Jordan's (the demo's) is written: not held, and it says when.
        (jordan,) = (s for s in waiting.values() if s.request.id != request_id)
        assert not jordan.held and jordan.handover_written_at is not None


def test_the_old_worker_finds_the_handover_to_write_at_one_address(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    sam = client_as(app, "sam")
    home = sam.get("/").get_data(as_text=True)
    assert f'href="/handover/{request_id}/write"' in home
    page = sam.get(f"/handover/{request_id}/write").get_data(as_text=True)
    assert "Save the handover" in page
    assert "The change waits for your handover" in page


def test_the_person_is_told_the_change_waits_for_the_handover(app: Flask) -> None:
    alex = client_as(app, "alex")
    tui = str(user_id(app, "tui"))
    page = alex.get("/my/peer-worker").get_data(as_text=True)
    response = alex.post(
        "/my/peer-worker/request",
        data={"worker_id": tui, "handover": "yes", "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert (
        "You asked for Tui Henare. The coordinator will confirm it once Sam Rivera has written "
        "the handover. You can cancel before then."
    ) in response.get_data(as_text=True)


# Held ------------------------------------------------------------------------------------------


def test_confirming_is_refused_while_the_handover_is_pending_and_changes_nothing(
    app: Flask,
) -> None:
    request_id = _ask_for_tui(app)
    sam_id = user_id(app, "sam")
    admin = client_as(app, "admin")
    before = snapshot(app)
    response = post_with_token(admin, f"/admin/worker-requests/{request_id}/confirm", {})
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Alex Nguyen agreed to a handover, and Sam Rivera hasn&#39;t written it yet. Confirming"
        " now would end Sam Rivera&#39;s support before they can write it"
    ) in page
    assert_unchanged(before, snapshot(app))
    assert _alex_assigned_to(app) == {sam_id}
    # The service itself refuses too, whoever calls it.
    admin_by = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(choosing.ChoosingError, match="hasn't written it yet"):
            choosing.confirm(db, admin_by, request_id)
        db.rollback()
    assert_unchanged(before, snapshot(app))


def test_the_written_handover_lets_the_change_go_ahead(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    sam = client_as(app, "sam")
    response = post_with_token(sam, f"/handover/{request_id}/write", {"summary": SUMMARY})
    assert response.status_code == 302
    assert "the coordinator can go ahead with the change" in sam.get("/").get_data(as_text=True)
    with app.app_context(), get_database(app).session() as db:
        assert handover.to_write(db, user_id(app, "sam"), utcnow()) == []
    admin = client_as(app, "admin")
    item = _waiting_item(admin.get("/admin/worker-requests").get_data(as_text=True), "Alex Nguyen")
    assert "Handover pending" not in item and "Sam Rivera wrote the handover on" in item
    assert _confirm_action(request_id) in item
    assert post_with_token(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code
    assert _alex_assigned_to(app) == {user_id(app, "tui")}
    assert last_entry(app, "admin:worker_request_confirm")[3:5] == (str(request_id), "allowed")
    # Tui reads it now.
    tui = client_as(app, "tui")
    assert SUMMARY in tui.get(f"/handover/{request_id}").get_data(as_text=True)


def test_withdrawing_the_consent_lets_the_change_go_ahead(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    alex = client_as(app, "alex")
    mine = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "the coordinator waits for it before confirming the change" in mine
    assert "No handover after all" in mine
    response = post_with_token(
        alex, f"/my/peer-worker/requests/{request_id}/handover", {"consent": "no"}
    )
    assert response.status_code == 302
    mine = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "the coordinator no longer waits for it" in mine
    assert "There will be no handover summary" in mine
    admin = client_as(app, "admin")
    item = _waiting_item(admin.get("/admin/worker-requests").get_data(as_text=True), "Alex Nguyen")
    assert "Handover pending" not in item and "didn't ask for one" in item
    # Sam is asked for nothing now.
    sam = client_as(app, "sam")
    assert f"/handover/{request_id}/write" not in sam.get("/").get_data(as_text=True)
    assert "hasn't agreed to a handover" in sam.get(f"/handover/{request_id}/write").get_data(
        as_text=True
    )
    assert post_with_token(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code
    assert _alex_assigned_to(app) == {user_id(app, "tui")}


def test_agreeing_again_holds_the_change_again(app: Flask) -> None:
    request_id = _ask_for_tui(app, handover_consent=False)
    admin = client_as(app, "admin")
    item = _waiting_item(admin.get("/admin/worker-requests").get_data(as_text=True), "Alex Nguyen")
    assert _confirm_action(request_id) in item
    alex = client_as(app, "alex")
    post_with_token(alex, f"/my/peer-worker/requests/{request_id}/handover", {"consent": "yes"})
    item = _waiting_item(admin.get("/admin/worker-requests").get_data(as_text=True), "Alex Nguyen")
    assert "Handover pending." in item and _confirm_action(request_id) not in item


def test_no_hold_when_the_old_workers_support_ended_another_way(app: Flask) -> None:
    """Nobody can write it then, so nothing is waited for."""
    request_id = _ask_for_tui(app)
    sam_id, alex_id = user_id(app, "sam"), user_id(app, "alex")
    admin_by = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        (assignment,) = [
            a
            for a in db.query(CareAssignment).filter_by(worker_id=sam_id, subject_id=alex_id)
            if a.ended_at is None
        ]
        care.end_assignment(db, assignment, by=admin_by, now=utcnow())
        db.commit()
        assert handover.pending_for(db, request_id, utcnow()) is None
    admin = client_as(app, "admin")
    item = _waiting_item(admin.get("/admin/worker-requests").get_data(as_text=True), "Alex Nguyen")
    assert "Sam Rivera no longer supports them" in item
    assert post_with_token(admin, f"/admin/worker-requests/{request_id}/confirm", {}).status_code
    assert _alex_assigned_to(app) == {user_id(app, "tui")}


# Confirming without the handover -------------------------------------------------------------


def test_confirming_without_the_handover_keeps_and_shows_the_reason(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    alex_id, tui_id = user_id(app, "alex"), user_id(app, "tui")
    admin = client_as(app, "admin")
    page = _override(admin, request_id, f"  {REASON}\n")
    assert "Confirmed without the handover: Tui Henare supports Alex Nguyen from today." in page
    assert _alex_assigned_to(app) == {tui_id}
    assert query(app, "SELECT state FROM worker_requests WHERE id = :i", {"i": request_id}) == [
        ("confirmed",)
    ]
    # Kept sealed under Alex's data key, bound to this request.
    other = query(app, "SELECT max(id) FROM worker_requests WHERE id <> :i", {"i": request_id})
    assert_sealed(
        app,
        subject_id=alex_id,
        table="worker_requests",
        column="handover_override_reason",
        row=request_id,
        other_row=int(other[0][0] or request_id + 1),  # type: ignore[call-overload]
        words=REASON,
    )
    assert last_entry(app, "admin:worker_request_confirm_without_handover") == (
        user_id(app, "admin"),
        alex_id,
        "worker_request",
        str(request_id),
        "allowed",
        "role:admin",
    )
    # Not also logged as a plain confirmation.
    assert (
        count_rows(
            app,
            "audit_log",
            "action = 'admin:worker_request_confirm' AND target_id = :i",
            {"i": str(request_id)},
        )
        == 0
    )
    # The request's page and the list say so, with the reason.
    assert "without waiting for the handover" in page and REASON in page
    listing = admin.get("/admin/worker-requests").get_data(as_text=True)
    assert "confirmed without the handover" in listing.split('id="decided-heading"', 1)[1]

    # Alex reads the reason, and his access history says it in words.
    alex = client_as(app, "alex")
    mine = alex.get("/my/peer-worker").get_data(as_text=True)
    assert "without waiting for the handover summary. The coordinator said:" in mine
    assert REASON in mine
    assert "without waiting for the handover summary, and said why" in alex.get(
        "/my/access-log"
    ).get_data(as_text=True)

    # Sam is not left at a dead end: his home asks nothing, and the old link says why.
    sam = client_as(app, "sam")
    assert f"/handover/{request_id}/write" not in sam.get("/").get_data(as_text=True)
    write = sam.get(f"/handover/{request_id}/write")
    assert write.status_code == 200
    body = write.get_data(as_text=True)
    assert "confirmed the change without waiting for the handover" in body
    assert "Save the handover" not in body and 'href="/"' in body
    assert REASON not in body  # the reason is Alex's to read, not Sam's
    before = count_rows(app, "handover_summaries")
    response = post_with_token(sam, f"/handover/{request_id}/write", {"summary": SUMMARY})
    assert response.status_code == 200
    assert count_rows(app, "handover_summaries") == before


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Please say why the change can&#39;t wait for the handover"),
        ("   soon  ", "Please say why the change can&#39;t wait for the handover"),
        ("x" * 501, "Please keep the reason under 500 characters."),
    ],
)
def test_confirming_without_the_handover_needs_a_reason(
    app: Flask, reason: str, message: str
) -> None:
    request_id = _ask_for_tui(app)
    admin = client_as(app, "admin")
    before = snapshot(app)
    page = _override(admin, request_id, reason)
    assert message in page
    # The page is shown again with what was typed, and nothing changed.
    assert 'aria-invalid="true"' in page and "Confirming waits for the handover" in page
    if reason.strip():
        assert reason.strip() in page
    assert_unchanged(before, snapshot(app))
    assert _alex_assigned_to(app) == {user_id(app, "sam")}


def test_confirming_without_a_handover_that_is_not_pending_is_refused(app: Flask) -> None:
    request_id = _ask_for_tui(app, handover_consent=False)
    admin = client_as(app, "admin")
    before = snapshot(app)
    page = _override(admin, request_id, REASON)
    assert "No handover holds this change any more" in page
    assert "nothing was confirmed" in page
    assert_unchanged(before, snapshot(app))


def test_only_the_coordinator_confirms_without_the_handover(app: Flask) -> None:
    request_id = _ask_for_tui(app)
    others = ("alex", "sam", "tui", "dr.chen", "auditor", "linh", "helen")
    clients = {key: client_as(app, key) for key in others}  # signing in is a change of its own
    before = snapshot(app)
    for key, client in clients.items():
        assert client.get(f"/admin/worker-requests/{request_id}").status_code == 403, key
        response = post_with_token(
            client, f"/admin/worker-requests/{request_id}/{OVERRIDE}", {"reason": REASON}
        )
        assert response.status_code == 403, key
    assert_unchanged(before, snapshot(app))
    assert last_entry(app, "access:denied")[2:] == (
        "route",
        "choosing.confirm_without_handover",
        "denied",
        "no_permission",
    )
    # The service refuses a non-coordinator as well, and logs it.
    alex_by = By(user_id(app, "alex"), Role.CONSUMER, "test")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(LookupError):
            choosing.confirm_without_handover(db, alex_by, request_id, REASON)
        db.commit()
    assert last_entry(app, "admin:worker_request_confirm_without_handover")[4:] == (
        "denied",
        "no_permission",
    )
    assert _alex_assigned_to(app) == {user_id(app, "sam")}


def test_a_missing_request_answers_as_missing(app: Flask) -> None:
    admin = client_as(app, "admin")
    assert admin.get("/admin/worker-requests/999999").status_code == 404
    response = post_with_token(
        admin, f"/admin/worker-requests/999999/{OVERRIDE}", {"reason": REASON}
    )
    assert response.status_code == 404
    assert last_entry(app, "admin:worker_request_confirm_without_handover")[4:] == (
        "denied",
        "not_found",
    )


def test_decided_requests_have_a_page_that_says_how(app: Flask) -> None:
    request_id = _ask_for_tui(app, handover_consent=False)
    admin = client_as(app, "admin")
    post_with_token(
        admin,
        f"/admin/worker-requests/{request_id}/decline",
        {"note": "Tui is on leave until March; could you choose someone else?"},
    )
    page = admin.get(f"/admin/worker-requests/{request_id}").get_data(as_text=True)
    assert re.search(r"Declined by [^<]+ on [^<]+: “Tui is on leave until March", page)
    assert _confirm_action(request_id) not in page and OVERRIDE not in page
