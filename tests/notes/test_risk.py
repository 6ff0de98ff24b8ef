"""Risk concerns (duty of care) through their pages: raising, who reads them and on what basis,
co-signing by the supervisor, delaying what the subject is told, encryption at rest; and the
coordinators' supervision page that decides who co-signs."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.db import get_database, make_engine, utcnow
from tests.audit.helpers import rows
from tests.helpers import (
    app_database_url,
    client_as,
    count_rows,
    last_entry,
    post_with_token,
    user_id,
    without_csrf,
)

OBSERVED = "OBSERVED-CANARY-5d1c Alex said he has a plan for tonight."
WHY_NOW = "WHY-CANARY-8a2f He is alone this weekend."
WHAT_DONE = "DONE-CANARY-3e9b I called the crisis team with him."
REASON = "His partner reads his messages; telling him now could put him at risk."


_url = app_database_url


_client = client_as


_post = post_with_token


def _execute(app: Flask, sql: str, params: dict[str, object]) -> None:
    """Write behind the app's back. Look ids up before calling: on SQLite a lookup through the
    app while this write transaction is open would wait for it forever."""
    engine = make_engine(_url(app))
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


_last = last_entry


_count = count_rows


def _concern(app: Flask, concern: int) -> tuple[object, ...]:
    return rows(
        _url(app),
        "SELECT cosigner_id, cosigned_at, delay_set_by_id, delay_until FROM risk_concerns"
        " WHERE id = :i",
        {"i": concern},
    )[0]


def _raise(
    app: Flask,
    worker: FlaskClient,
    subject: str = "alex",
    observed: str = OBSERVED,
    why_now: str = WHY_NOW,
    what_done: str = WHAT_DONE,
):  # type: ignore[no-untyped-def]
    return _post(
        worker,
        f"/people/{user_id(app, subject)}/risk/new",
        {"observed": observed, "why_now": why_now, "what_done": what_done},
    )


def _raised(app: Flask, worker: FlaskClient, subject: str = "alex") -> int:
    response = _raise(app, worker, subject)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


# Raising ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("observed", "", "Fill in “What was observed”."),
        ("why_now", "   ", "Fill in “Why it matters now”."),
        ("what_done", "", "Fill in “What was done”."),
        ("observed", "x" * 4_001, "longer than 4,000 characters"),
    ],
)
def test_every_part_is_needed_and_bad_input_stores_nothing(
    app: Flask, field: str, value: str, message: str
) -> None:
    sam = _client(app, "sam")
    before = _count(app, "risk_concerns")
    response = _raise(app, sam, **{field: value})  # type: ignore[arg-type]
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert OBSERVED in page or field == "observed"  # what was typed stays in the form
    assert _count(app, "risk_concerns") == before


@pytest.mark.parametrize("key", ["tui", "helen"])
def test_a_worker_who_does_not_support_the_person_is_refused_and_it_is_logged(
    app: Flask, key: str
) -> None:
    worker = _client(app, key)
    alex = user_id(app, "alex")
    before = _count(app, "risk_concerns")
    assert worker.get(f"/people/{alex}/risk/new").status_code == 404
    assert _raise(app, worker).status_code == 404
    assert _count(app, "risk_concerns") == before
    assert _last(app, "risk:raise") == (
        user_id(app, key),
        alex,
        None,
        None,
        "denied",
        "no_care_assignment",
    )


# Reading and co-signing --------------------------------------------------------------------------


def test_the_care_team_reads_it_at_once_and_the_supervisor_co_signs_it_once(app: Flask) -> None:
    sam, chen = _client(app, "sam"), _client(app, "dr.chen")
    alex = user_id(app, "alex")
    concern = _raised(app, sam)
    assert _last(app, "risk:raise") == (
        user_id(app, "sam"),
        alex,
        "risk_concern",
        str(concern),
        "allowed",
        "duty_of_care",
    )
    # Dr Chen supervises Sam in the demo: asked to co-sign.
    assert _concern(app, concern)[:2] == (user_id(app, "dr.chen"), None)
    shown = sam.get(f"/risk/{concern}").get_data(as_text=True)
    assert OBSERVED in shown and "Waiting for Dr Mei Chen" in shown

    # Dr Chen is in Alex's care: she reads it straight away, on the duty of care.
    listing = chen.get("/risk").get_data(as_text=True)
    waiting = listing.split("Waiting for your co-signature")[1].split("Other concerns")[0]
    assert f"/risk/{concern}" in waiting and OBSERVED not in listing
    assert _last(app, "risk:list")[4:] == ("allowed", "duty_of_care")
    page = chen.get(f"/risk/{concern}").get_data(as_text=True)
    assert OBSERVED in page and WHY_NOW in page and WHAT_DONE in page
    assert "Co-sign this concern" in page
    assert _last(app, "risk:read") == (
        user_id(app, "dr.chen"),
        alex,
        "risk_concern",
        str(concern),
        "allowed",
        "duty_of_care",
    )

    # Co-signed once; a second time is refused, logged, and changes nothing.
    assert _post(chen, f"/risk/{concern}/cosign", {}).status_code == 302
    assert _last(app, "risk:cosign")[4:] == ("allowed", "duty_of_care")
    signed_at = _concern(app, concern)[1]
    assert signed_at is not None
    again = _post(chen, f"/risk/{concern}/cosign", {})
    assert again.status_code == 302
    assert "already co-signed" in chen.get(again.headers["Location"]).get_data(as_text=True)
    assert _last(app, "risk:cosign")[4:] == ("denied", "already_cosigned")
    assert _concern(app, concern)[1] == signed_at
    assert "Co-signed by Dr Mei Chen" in sam.get(f"/risk/{concern}").get_data(as_text=True)


def test_no_one_else_reads_it_and_a_refusal_looks_like_a_missing_concern(app: Flask) -> None:
    concern = _raised(app, _client(app, "sam"))
    # Tui is a peer worker but not Alex's; Helen and Linh are on the carer side; Dr Walsh has
    # emergency access to Alex's record, which does not reach risk concerns.
    for key in ("tui", "helen", "linh", "jordan", "dr.walsh"):
        other = _client(app, key)
        refused, missing = other.get(f"/risk/{concern}"), other.get("/risk/999999")
        assert refused.status_code == missing.status_code == 404, key
        assert without_csrf(refused.get_data()) == without_csrf(missing.get_data())
        assert _last(app, "risk:read")[0] == user_id(app, key)
    assert _last(app, "risk:read")[4] == "denied"
    for key in ("admin", "auditor"):
        assert _client(app, key).get(f"/risk/{concern}").status_code == 403


def test_a_clinician_in_care_who_is_not_the_supervisor_reads_it_but_cannot_co_sign(
    app: Flask,
) -> None:
    concern = _raised(app, _client(app, "sam"))
    walsh, alex, admin = user_id(app, "dr.walsh"), user_id(app, "alex"), user_id(app, "admin")
    with app.app_context(), get_database(app).session() as db:
        care.create_assignment(
            db,
            worker=db.get_one(User, walsh),
            subject=db.get_one(User, alex),
            starts_on=utcnow().date(),
            ends_on=None,
            team=None,
            by=By(admin, Role.ADMIN, "test"),
        )
        db.commit()
    client = _client(app, "dr.walsh")
    page = client.get(f"/risk/{concern}").get_data(as_text=True)
    assert OBSERVED in page and "Co-sign this concern" not in page
    assert _post(client, f"/risk/{concern}/cosign", {}).status_code == 403
    assert _last(app, "risk:cosign") == (
        walsh,
        alex,
        "risk_concern",
        str(concern),
        "denied",
        "not_cosigner",
    )
    assert _concern(app, concern)[1] is None


def test_the_subject_sees_that_it_was_raised_and_what_it_says(app: Flask) -> None:
    concern = _raised(app, _client(app, "sam"))
    alex = _client(app, "alex")
    mine = alex.get("/my/concerns").get_data(as_text=True)
    assert f"/risk/{concern}" in mine and "Raised by Sam Rivera" in mine
    assert _last(app, "risk:list")[4:] == ("allowed", "self")
    page = alex.get(f"/risk/{concern}").get_data(as_text=True)
    assert OBSERVED in page and WHY_NOW in page and WHAT_DONE in page
    assert "Co-sign" not in page and "Delay telling" not in page
    assert _last(app, "risk:read")[4:] == ("allowed", "self")
    log = alex.get("/my/access-log").get_data(as_text=True)
    assert "raised a concern about your safety with your care team" in log
    assert "because of a duty-of-care concern" in log


# Delaying what the subject is told ---------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"risk_delay_hours": 1}])
@pytest.mark.parametrize(
    ("reason", "hours", "message"),
    [
        ("", "1", "Say why telling them must wait"),
        ("Not now.", "1", "Say why telling them must wait"),
        (REASON, "2", "A delay lasts from 1 to 1 hours."),
        (REASON, "0", "A delay lasts from 1 to 1 hours."),
        (REASON, "soon", "Enter a whole number of hours"),
    ],
)
def test_a_delay_needs_a_reason_and_is_capped_by_the_configuration(
    app: Flask, reason: str, hours: str, message: str
) -> None:
    concern = _raised(app, _client(app, "sam"))
    chen = _client(app, "dr.chen")
    response = _post(chen, f"/risk/{concern}/delay", {"reason": reason, "hours": hours})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _concern(app, concern)[2:] == (None, None)
    assert _client(app, "alex").get(f"/risk/{concern}").status_code == 200


@pytest.mark.parametrize("config_overrides", [{"risk_delay_hours": 1}])
def test_while_a_delay_is_in_force_the_subject_does_not_see_it_until_it_runs_out_or_is_lifted(
    app: Flask,
) -> None:
    # Jordan: Sam supports him, Dr Chen is in his care, and the demo raised no concern about him.
    concern = _raised(app, _client(app, "sam"), "jordan")
    chen, jordan = _client(app, "dr.chen"), _client(app, "jordan")
    jordan_id, chen_id = user_id(app, "jordan"), user_id(app, "dr.chen")
    assert (
        _post(chen, f"/risk/{concern}/delay", {"reason": REASON, "hours": "1"}).status_code == 302
    )
    assert _last(app, "risk:delay") == (
        chen_id,
        jordan_id,
        "risk_concern",
        str(concern),
        "allowed",
        "duty_of_care",
    )
    # Staff see the delay and its reason; the worker is asked not to mention it.
    assert REASON in chen.get(f"/risk/{concern}").get_data(as_text=True)
    assert "please do not mention it" in _client(app, "sam").get(f"/risk/{concern}").get_data(
        as_text=True
    )
    assert chen.get("/risk").status_code == 200  # lists Jordan's concerns (logged about him)

    def hidden() -> None:
        missing = jordan.get("/risk/999999")
        refused = jordan.get(f"/risk/{concern}")
        assert refused.status_code == missing.status_code == 404
        assert without_csrf(refused.get_data()) == without_csrf(missing.get_data())
        assert _last(app, "risk:read") == (
            jordan_id,
            jordan_id,
            "risk_concern",
            str(concern),
            "denied",
            "delayed",
        )
        assert f"/risk/{concern}" not in jordan.get("/my/concerns").get_data(as_text=True)
        # Nor does his own access log give it away: not its raising, reading, co-signing,
        # delay, nor Dr Chen's look at the list of concerns about him.
        log = jordan.get("/my/access-log").get_data(as_text=True)
        assert "about your safety" not in log
        assert "Dr Mei Chen" in log  # the page is not simply empty

    def shown() -> None:
        assert jordan.get(f"/risk/{concern}").status_code == 200
        assert f"/risk/{concern}" in jordan.get("/my/concerns").get_data(as_text=True)

    hidden()
    # The delay runs out: no job needed, the next request compares with the clock.
    _execute(
        app,
        "UPDATE risk_concerns SET delay_until = :t WHERE id = :i",
        {"t": "2000-01-01 00:00:00", "i": concern},
    )
    shown()
    page = jordan.get(f"/risk/{concern}").get_data(as_text=True)
    assert "Your care team waited until" in page and REASON not in page
    log = jordan.get("/my/access-log").get_data(as_text=True)
    assert "raised a concern about your safety with your care team" in log
    assert "decided to wait before showing you a concern" in log

    # Renewed (always with a reason), then lifted.
    assert (
        _post(chen, f"/risk/{concern}/delay", {"reason": REASON, "hours": "1"}).status_code == 302
    )
    hidden()
    assert "Renew the delay" in chen.get(f"/risk/{concern}").get_data(as_text=True)
    assert _post(chen, f"/risk/{concern}/lift-delay", {}).status_code == 302
    assert _last(app, "risk:lift_delay")[4:] == ("allowed", "duty_of_care")
    shown()
    # Each delay, renewal and lift is in the access log, against the concern.
    assert rows(
        _url(app),
        "SELECT action FROM audit_log WHERE target_type = 'risk_concern' AND target_id = :i"
        " AND action IN ('risk:delay', 'risk:lift_delay') ORDER BY seq",
        {"i": str(concern)},
    ) == [("risk:delay",), ("risk:delay",), ("risk:lift_delay",)]


def test_a_carers_concern_is_managed_by_the_workers_supervisor(app: Flask) -> None:
    """A carer has no clinician in their care: the supervisor co-signs and decides when to
    tell them."""
    concern = _raised(app, _client(app, "helen"), "linh")
    walsh, linh = _client(app, "dr.walsh"), _client(app, "linh")
    assert _concern(app, concern)[0] == user_id(app, "dr.walsh")
    assert OBSERVED in linh.get(f"/risk/{concern}").get_data(as_text=True)
    assert f"/risk/{concern}" in walsh.get("/risk").get_data(as_text=True)
    assert _post(walsh, f"/risk/{concern}/cosign", {}).status_code == 302
    assert (
        _post(walsh, f"/risk/{concern}/delay", {"reason": REASON, "hours": "24"}).status_code == 302
    )
    assert linh.get(f"/risk/{concern}").status_code == 404
    # Dr Chen is neither in Linh's care nor the co-signer.
    assert _client(app, "dr.chen").get(f"/risk/{concern}").status_code == 404


def test_the_text_is_encrypted_at_rest_and_never_logged(app: Flask) -> None:
    concern = _raised(app, _client(app, "sam"))
    ((sealed,),) = rows(
        _url(app), "SELECT ciphertext FROM risk_concerns WHERE id = :i", {"i": concern}
    )
    assert isinstance(sealed, bytes | memoryview)
    for canary in ("OBSERVED-CANARY-5d1c", "WHY-CANARY-8a2f", "DONE-CANARY-3e9b"):
        assert canary.encode() not in bytes(sealed)
        logged = rows(_url(app), "SELECT * FROM audit_log")
        assert canary not in repr(logged)
    # Bound to its row: moved to another row, it no longer opens.
    other = rows(_url(app), "SELECT min(id) FROM risk_concerns")[0][0]
    assert other != concern
    _execute(
        app,
        "UPDATE risk_concerns SET ciphertext = :c WHERE id = :i",
        {"c": bytes(sealed), "i": other},
    )
    assert _client(app, "dr.chen").get(f"/risk/{other}").status_code == 500


# Supervision -------------------------------------------------------------------------------------


def test_a_coordinator_sets_a_supervisor_and_the_previous_one_ends(app: Flask) -> None:
    admin = _client(app, "admin")
    sam, chen, walsh = user_id(app, "sam"), user_id(app, "dr.chen"), user_id(app, "dr.walsh")
    page = admin.get("/admin/supervision").get_data(as_text=True)
    assert "supervised by Dr Mei Chen" in page
    response = _post(admin, "/admin/supervision", {"worker": str(sam), "supervisor": str(walsh)})
    assert response.status_code == 302
    assert rows(
        _url(app),
        "SELECT supervisor_id, ended_at IS NULL FROM supervisions WHERE worker_id = :w ORDER BY id",
        {"w": sam},
    ) == [(chen, False), (walsh, True)]
    assert _last(app, "admin:supervisor_set")[2:] == (
        "supervision",
        _last(app, "admin:supervisor_set")[3],
        "allowed",
        "role:admin",
    )
    assert "Before: Dr Mei Chen" in admin.get("/admin/supervision").get_data(as_text=True)
    # Sam's next concern goes to Dr Walsh to co-sign.
    concern = _raised(app, _client(app, "sam"))
    assert _concern(app, concern)[0] == walsh

    # The same supervisor again, or someone who is not a peer worker: refused, nothing stored.
    before = _count(app, "supervisions")
    again = _post(admin, "/admin/supervision", {"worker": str(sam), "supervisor": str(walsh)})
    assert "already supervises" in again.get_data(as_text=True)
    alex = user_id(app, "alex")
    wrong = _post(admin, "/admin/supervision", {"worker": str(alex), "supervisor": str(walsh)})
    assert "Choose a peer worker." in wrong.get_data(as_text=True)
    assert _count(app, "supervisions") == before


def test_a_worker_without_a_supervisor_still_reaches_the_care_team(app: Flask) -> None:
    sam = user_id(app, "sam")
    _execute(
        app,
        "UPDATE supervisions SET ended_at = :t WHERE worker_id = :w",
        {"t": "2000-01-01 00:00:00", "w": sam},
    )
    concern = _raised(app, _client(app, "sam"))
    assert _concern(app, concern)[:2] == (None, None)
    page = _client(app, "dr.chen").get(f"/risk/{concern}").get_data(as_text=True)
    assert OBSERVED in page and "no one was asked to co-sign" in page
