"""Emergency access and its review, safety flags, training records and the consent preview:
each through its pages, with what it stores and the access-log entry it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from peernotes.db import get_database, make_engine, utcnow
from tests.audit.helpers import rows
from tests.helpers import demo_email, post_form, sign_in, totp_code, user_id
from tests.sealed import assert_sealed


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _count(app: Flask, table: str) -> int:
    return int(rows(_url(app), f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[call-overload]


def _last(app: Flask, action: str) -> tuple[object, ...]:
    return rows(
        _url(app),
        "SELECT actor_id, subject_id, target_type, target_id, outcome, basis FROM audit_log "
        "WHERE action = :a ORDER BY seq DESC LIMIT 1",
        {"a": action},
    )[0]


def _entry(app: Flask, key: str, category: str) -> int:
    return int(
        rows(  # type: ignore[call-overload]
            _url(app),
            "SELECT id FROM record_entries WHERE subject_id = :s AND category = :c",
            {"s": user_id(app, key), "c": category},
        )[0][0]
    )


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _execute(app: Flask, sql: str, params: dict[str, object]) -> None:
    engine = make_engine(_url(app))
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


REASON = "Jordan is in the emergency department and I need the crisis plan."


def _break_glass(
    app: Flask,
    client: FlaskClient,
    subject: str,
    reason: str = REASON,
    password: str = "peernotes-demo-2026",
    clinician: str = "dr.walsh",
):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/emergency",
        {
            "subject": str(user_id(app, subject)),
            "reason": reason,
            "password": password,
            "code": totp_code(app, demo_email(clinician)),
        },
    )


# Emergency access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "password", "message", "logged"),
    [
        ("", "peernotes-demo-2026", "at least 20 characters", "no_reason"),
        ("Need it now please", "peernotes-demo-2026", "at least 20 characters", "no_reason"),
        (REASON, "not-my-password", "That password is not right.", "wrong_password"),
    ],
)
def test_emergency_access_without_a_reason_or_password_stores_nothing_and_is_logged(
    app: Flask, reason: str, password: str, message: str, logged: str
) -> None:
    walsh = _client(app, "dr.walsh")
    before = _count(app, "emergency_accesses")
    response = _break_glass(app, walsh, "jordan", reason, password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, "emergency_accesses") == before
    actor, subject, _, _, outcome, basis = _last(app, "emergency:start")
    assert (actor, subject, outcome, basis) == (
        user_id(app, "dr.walsh"),
        user_id(app, "jordan"),
        "denied",
        logged,
    )
    # And the record stays shut.
    assert walsh.get(f"/people/{user_id(app, 'jordan')}/record").status_code == 404


def test_emergency_access_for_an_unknown_person_is_refused(app: Flask) -> None:
    walsh = _client(app, "dr.walsh")
    before = _count(app, "emergency_accesses")
    response = post_form(
        walsh,
        "/emergency",
        {
            "subject": "999999",
            "reason": REASON,
            "password": "peernotes-demo-2026",
            "code": totp_code(app, demo_email("dr.walsh")),
        },
    )
    assert "Choose a consumer from the list." in response.get_data(as_text=True)
    assert _count(app, "emergency_accesses") == before
    assert _last(app, "emergency:start")[4:] == ("denied", "unknown_subject")


def test_a_clinician_in_care_needs_no_emergency_access(app: Flask) -> None:
    chen = _client(app, "dr.chen")  # Jordan is in Dr Chen's care
    before = _count(app, "emergency_accesses")
    response = _break_glass(app, chen, "jordan", clinician="dr.chen")
    assert "This person is in your care" in response.get_data(as_text=True)
    assert _count(app, "emergency_accesses") == before


@pytest.mark.parametrize("config_overrides", [{"emergency_access_minutes": 90}])
def test_emergency_access_reads_only_for_the_configured_window_and_logs_each_read(
    app: Flask,
) -> None:
    walsh = _client(app, "dr.walsh")
    jordan = user_id(app, "jordan")
    note = _entry(app, "jordan", "clinical_note")
    assert walsh.get(f"/people/{jordan}/record/{note}").status_code == 404

    response = _break_glass(app, walsh, "jordan")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{jordan}/record")
    ((access_id, starts, ends),) = rows(
        _url(app),
        "SELECT id, starts_at, ends_at FROM emergency_accesses WHERE subject_id = :s",
        {"s": jordan},
    )
    # The reason is sealed under Jordan's data key, bound to this access.
    assert_sealed(
        app,
        subject_id=jordan,
        table="emergency_accesses",
        column="reason",
        row=access_id,
        other_row=access_id + 1,
        words=REASON,
    )
    assert str(ends) > str(starts)
    assert _last(app, "emergency:start")[4:] == ("allowed", f"emergency:{access_id}")

    listing = walsh.get(f"/people/{jordan}/record").get_data(as_text=True)
    assert "You are using emergency access until" in listing and "Clinical notes" in listing
    assert _last(app, "record:list")[4:] == ("allowed", f"emergency:{access_id}")
    page = walsh.get(f"/people/{jordan}/record/{note}")
    assert page.status_code == 200 and "migrant family" in page.get_data(as_text=True)
    assert _last(app, "record:read")[4:] == ("allowed", f"emergency:{access_id}")

    # Read-only: writing is refused and logged.
    assert walsh.get(f"/people/{jordan}/record/new").status_code == 404
    refused = post_form(
        walsh,
        f"/people/{jordan}/record/new",
        {"category": "clinical_note", "title": "Seen in ED", "body": "Settled after an hour."},
        form_page="/emergency",
    )
    assert refused.status_code == 404
    assert _last(app, "record:write")[4:] == ("denied", "no_basis_to_write")
    assert "Write an entry" not in walsh.get(f"/people/{jordan}/record").get_data(as_text=True)

    # The window is as configured: 90 minutes.
    with app.app_context(), get_database(app).session() as session:
        from peernotes.emergency.models import EmergencyAccess

        access = session.get_one(EmergencyAccess, access_id)
        assert access.ends_at - access.starts_at == timedelta(minutes=90)

    # When it closes, the next request is refused.
    _execute(
        app,
        "UPDATE emergency_accesses SET ends_at = :t WHERE id = :i",
        {"t": utcnow() - timedelta(seconds=1), "i": access_id},
    )
    assert walsh.get(f"/people/{jordan}/record/{note}").status_code == 404
    assert _last(app, "record:read")[4:] == ("denied", "no_consent")


def test_the_auditor_reviews_and_the_consumer_sees_reason_and_outcome(app: Flask) -> None:
    walsh = _client(app, "dr.walsh")
    assert _break_glass(app, walsh, "jordan").status_code == 302
    walsh.get(f"/people/{user_id(app, 'jordan')}/record/{_entry(app, 'jordan', 'clinical_note')}")
    ((access_id,),) = rows(
        _url(app),
        "SELECT id FROM emergency_accesses WHERE subject_id = :s",
        {"s": user_id(app, "jordan")},
    )

    auditor = _client(app, "auditor")
    listing = auditor.get("/audit/emergency").get_data(as_text=True)
    assert (
        f"Emergency access #{access_id}" in listing and "Waiting for review (2)" in listing
    )  # and the demo's
    page = auditor.get(f"/audit/emergency/{access_id}").get_data(as_text=True)
    assert REASON in page and "Reads in the window</dt><dd>1" in page
    assert "migrant family" not in page  # auditors never see content

    # Bad input changes nothing.
    for data, message in (
        ({"outcome": "justified", "comment": "  "}, "Write a comment"),
        ({"outcome": "maybe", "comment": "Looked fine."}, "Choose justified or not justified."),
    ):
        response = post_form(auditor, f"/audit/emergency/{access_id}", data)
        assert message in response.get_data(as_text=True)
        assert rows(
            _url(app),
            "SELECT review_outcome FROM emergency_accesses WHERE id = :i",
            {"i": access_id},
        ) == [(None,)]

    done = post_form(
        auditor,
        f"/audit/emergency/{access_id}",
        {"outcome": "justified", "comment": "ED attendance confirmed with the hospital."},
    )
    assert done.status_code == 302
    assert _last(app, "emergency:review")[3:] == (str(access_id), "allowed", "justified")
    # Once only: a second finding is refused and the first stands.
    again = post_form(
        auditor,
        f"/audit/emergency/{access_id}",
        {"outcome": "not_justified", "comment": "Changed my mind."},
        form_page="/audit/emergency",
    )
    assert again.status_code == 200 and "reviewed already" in again.get_data(as_text=True)
    assert rows(
        _url(app), "SELECT review_outcome FROM emergency_accesses WHERE id = :i", {"i": access_id}
    ) == [("justified",)]

    jordan = _client(app, "jordan")
    history = jordan.get("/my/access-log").get_data(as_text=True)
    assert "Dr Fiona Walsh</strong> used emergency access" in history
    assert REASON in history and "found it <strong>justified</strong>" in history
    assert "opened your record with emergency access" in history
    # Each read under it names the emergency (when it was opened) and the reason given.
    assert (
        "read your clinical notes in your record, using the emergency access opened on" in history
    )
    assert f"for this reason: “{REASON}”" in history


def test_only_clinicians_break_the_glass_and_only_auditors_review(app: Flask) -> None:
    assert _client(app, "sam").get("/emergency").status_code == 403
    assert _client(app, "dr.chen").get("/audit/emergency/1").status_code == 403
    assert _client(app, "auditor").get("/audit/emergency/999999").status_code == 404


# Safety flags ----------------------------------------------------------------------------------


def _share_with_linh(app: Flask) -> None:
    alex = _client(app, "alex")
    response = post_form(
        alex,
        "/my/consent",
        {
            "grantee": f"person:{user_id(app, 'linh')}",
            "categories": ["care_plan"],
            "act": "read",
            "purpose": "so mum knows my plan",
            "days": "30",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize("tell", [True, False])
def test_a_safety_flag_shuts_out_carers_at_once_and_the_consumer_is_told_unless_not(
    app: Flask, tell: bool
) -> None:
    _share_with_linh(app)
    alex_id, care_plan = user_id(app, "alex"), _entry(app, "alex", "care_plan")
    _client(app, "dr.chen").get(f"/people/{alex_id}/record")  # an entry with no target
    linh = _client(app, "linh")  # a live session throughout
    assert linh.get(f"/people/{alex_id}/record/{care_plan}").status_code == 200

    chen = _client(app, "dr.chen")
    data = {"kind": "family_violence", "reason": "Disclosed violence at home; review weekly."}
    if not tell:
        data |= {"do_not_tell": "y", "not_told_because": "Telling Alex now could raise the risk."}
    assert post_form(chen, f"/people/{alex_id}/safety", data).status_code == 302
    ((flag_id,),) = rows(
        _url(app), "SELECT id FROM safety_flags WHERE subject_id = :s", {"s": alex_id}
    )
    assert _last(app, "flag:set")[2:] == ("safety_flag", str(flag_id), "allowed", "care_assignment")

    assert linh.get(f"/people/{alex_id}/record/{care_plan}").status_code == 404
    assert _last(app, "record:read")[4:] == ("denied", "safety_flag")

    alex = _client(app, "alex")
    sharing = alex.get("/my/sharing").get_data(as_text=True)
    history = alex.get("/my/access-log").get_data(as_text=True)
    if tell:
        assert "A safety flag is in place" in sharing and "Disclosed violence" in sharing
        assert "set a safety flag on your record" in history
    else:
        assert "safety flag" not in sharing.lower()
        assert "safety flag" not in history.lower()
        assert "Disclosed violence" not in history
        # Only the flag's entries are left out: entries with no target still show.
        assert "looked at the list of your record entries" in history
    # The preview shows what Linh sees now (nothing), and mentions a flag only if Alex is told.
    preview = alex.get(f"/my/consent/preview?person={user_id(app, 'linh')}").get_data(as_text=True)
    assert "Linh Nguyen cannot see anything of yours today." in preview
    assert ("A safety flag is in place" in preview) is tell

    assert (
        post_form(
            chen,
            f"/people/{alex_id}/safety/{flag_id}/lift",
            {},
            form_page=f"/people/{alex_id}/safety",
        ).status_code
        == 302
    )
    assert _last(app, "flag:lift")[4:] == ("allowed", "care_assignment")
    assert linh.get(f"/people/{alex_id}/record/{care_plan}").status_code == 200
    assert "A safety flag is in place" not in alex.get("/my/sharing").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "family_violence", "reason": ""}, "Say why"),
        ({"kind": "bad_weather", "reason": "A long enough reason."}, "Choose the kind of risk."),
        (
            {
                "kind": "serious_harm",
                "reason": "A long enough reason.",
                "do_not_tell": "y",
                "not_told_because": "",
            },
            "Say why the person should not be told",
        ),
    ],
)
def test_bad_safety_flag_input_stores_nothing(
    app: Flask, data: dict[str, str], message: str
) -> None:
    chen = _client(app, "dr.chen")
    response = post_form(chen, f"/people/{user_id(app, 'alex')}/safety", data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(app, "safety_flags") == 0


def test_only_a_clinician_in_care_sets_a_flag(app: Flask) -> None:
    walsh = _client(app, "dr.walsh")  # Alex is not in her care
    alex_id = user_id(app, "alex")
    assert walsh.get(f"/people/{alex_id}/safety").status_code == 404
    assert _last(app, "access:denied")[1:] == (alex_id, None, None, "denied", "not_in_care")
    assert _client(app, "sam").get(f"/people/{alex_id}/safety").status_code == 403
    assert _count(app, "safety_flags") == 0


# Training --------------------------------------------------------------------------------------


def test_the_coordinator_records_training_and_sees_who_has_lapsed(app: Flask) -> None:
    admin = _client(app, "admin")
    today = utcnow().date()
    _execute(
        app,
        "UPDATE training_records SET expires_on = :d WHERE user_id = :u AND module = 'duty_of_care'",
        {"d": today - timedelta(days=2), "u": user_id(app, "tui")},
    )
    page = admin.get("/admin/training").get_data(as_text=True)
    assert "<strong>Lapsed</strong>" in page
    before = _count(app, "training_records")
    response = post_form(
        admin,
        "/admin/training",
        {
            "person": str(user_id(app, "tui")),
            "module": "duty_of_care",
            "completed_on": today.isoformat(),
            "expires_on": (today + timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert _count(app, "training_records") == before + 1
    assert _last(app, "training:record")[2:] == (
        "user",
        str(user_id(app, "tui")),
        "allowed",
        "role:admin",
    )
    assert "<strong>Lapsed</strong>" not in admin.get("/admin/training").get_data(as_text=True)


@pytest.mark.parametrize(
    ("person", "module", "completed", "expires", "message"),
    [
        ("dr.chen", "duty_of_care", -1, 300, "Choose a peer worker."),
        ("tui", "juggling", -1, 300, "Choose a training module."),
        ("tui", "duty_of_care", 5, 300, "cannot be in the future"),
        ("tui", "duty_of_care", -1, -10, "must be after the completion date"),
        ("tui", "duty_of_care", None, 300, "Give the date it was completed."),
    ],
)
def test_bad_training_input_stores_nothing(
    app: Flask, person: str, module: str, completed: int | None, expires: int, message: str
) -> None:
    admin = _client(app, "admin")
    today = utcnow().date()
    before = _count(app, "training_records")
    response = post_form(
        admin,
        "/admin/training",
        {
            "person": str(user_id(app, person)),
            "module": module,
            "completed_on": (today + timedelta(days=completed)).isoformat()
            if completed is not None
            else "",
            "expires_on": (today + timedelta(days=expires)).isoformat(),
        },
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(app, "training_records") == before


def test_a_date_that_is_not_a_date_is_refused(app: Flask) -> None:
    admin = _client(app, "admin")
    before = _count(app, "training_records")
    response = post_form(
        admin,
        "/admin/training",
        {
            "person": str(user_id(app, "tui")),
            "module": "duty_of_care",
            "completed_on": "31/31/2026",
            "expires_on": "2027-01-01",
        },
    )
    assert "Enter a date" in response.get_data(as_text=True)
    assert _count(app, "training_records") == before


# Preview ---------------------------------------------------------------------------------------


def test_preview_shows_exactly_what_that_person_would_see(app: Flask) -> None:
    alex = _client(app, "alex")
    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    before = alex.get(f"/my/consent/preview?person={sam_id}").get_data(as_text=True)
    # Sam sees the notes he wrote with Alex, and of Alex's record only the letter Alex shares.
    record = before.split("<h3>In your record</h3>", 1)[1].split("</ul>", 1)[0]
    assert "they wrote it" in before
    assert "Letters" in record and "Care plan" not in record
    assert (
        post_form(
            alex,
            "/my/consent",
            {
                "grantee": f"person:{sam_id}",
                "categories": ["care_plan"],
                "act": "read",
                "purpose": "my plan",
                "days": "30",
            },
        ).status_code
        == 302
    )
    after = alex.get(f"/my/consent/preview?person={sam_id}").get_data(as_text=True)
    assert "Care plan" in after and "Medication" not in after
    assert "you shared with them" in after
    assert _last(app, "consent:preview")[:6] == (
        alex_id,
        alex_id,
        "user",
        str(sam_id),
        "allowed",
        "self",
    )
    # The preview agrees with what Sam is really shown.
    sam = _client(app, "sam")
    listing = sam.get(f"/people/{alex_id}/record").get_data(as_text=True)
    assert "Care plan" in listing and "Medication" not in listing
    # Dr Chen, in Alex's care, sees everything; the preview says why.
    chen = alex.get(f"/my/consent/preview?person={user_id(app, 'dr.chen')}").get_data(as_text=True)
    assert "Care plan" in chen and "Medication" in chen and "in your care team" in chen
    # And the care-team parts of the notes Alex shared, as Dr Chen reads them.
    assert "the parts marked “care team” only" in chen
    # Someone not connected to Alex cannot be previewed (nor learnt about).
    assert alex.get(f"/my/consent/preview?person={user_id(app, 'maya')}").status_code == 404
    history = alex.get("/my/access-log").get_data(as_text=True)
    assert "checked what Sam Rivera can see of your information" in history


def test_the_auditors_home_page_counts_what_waits_for_review(app: Flask) -> None:
    auditor = _client(app, "auditor")
    home = auditor.get("/").get_data(as_text=True)
    assert "1 use of emergency access is waiting for your review." in home  # the demo's
    walsh = _client(app, "dr.walsh")
    assert _break_glass(app, walsh, "jordan").status_code == 302
    assert "2 uses of emergency access are waiting for your review." in auditor.get("/").get_data(
        as_text=True
    )


@pytest.mark.parametrize("config_overrides", [{"login_attempts_per_account": 2}])
def test_wrong_passwords_at_emergency_access_are_throttled_like_sign_in(app: Flask) -> None:
    walsh = _client(app, "dr.walsh")
    # A short reason is not a wrong password: it does not count towards the limit (if it did,
    # the second wrong password below would already be refused).
    assert _break_glass(app, walsh, "jordan", reason="too short").status_code == 200
    for _ in range(2):
        assert _break_glass(app, walsh, "jordan", password="guess").status_code == 200
    throttled = _break_glass(app, walsh, "jordan", password="guess-again")
    assert throttled.status_code == 429
    assert "paused password checks" in throttled.get_data(as_text=True)
    assert _count(app, "emergency_accesses") == 1  # the demo's only
    assert _last(app, "emergency:start")[:2] == (user_id(app, "dr.walsh"), user_id(app, "jordan"))
    assert _last(app, "emergency:start")[4:] == ("denied", "throttled")


def test_an_empty_record_opened_with_emergency_access_is_a_permitted_look(app: Flask) -> None:
    chen = _client(app, "dr.chen")  # Maya is not in Dr Chen's care, and has no entries yet
    maya = user_id(app, "maya")
    assert chen.get(f"/people/{maya}/record").status_code == 404
    assert _last(app, "record:list")[4:] == ("denied", "no_consent")
    assert (
        _break_glass(
            app, chen, "maya", reason=REASON.replace("Jordan", "Maya"), clinician="dr.chen"
        ).status_code
        == 302
    )
    (access_id,) = rows(
        _url(app), "SELECT id FROM emergency_accesses WHERE subject_id = :s", {"s": maya}
    )[0]
    page = chen.get(f"/people/{maya}/record")
    assert page.status_code == 200 and "There are no entries" in page.get_data(as_text=True)
    assert _last(app, "record:list")[4:] == ("allowed", f"emergency:{access_id}")
    history = _client(app, "maya").get("/my/access-log").get_data(as_text=True)
    assert "Dr Mei Chen (clinician) looked at the list of your record entries" in history


def test_contribute_consent_lets_a_clinician_outside_the_care_team_write(app: Flask) -> None:
    alex = _client(app, "alex")
    alex_id = user_id(app, "alex")
    page = alex.get("/my/consent").get_data(as_text=True)
    import re

    team = re.search(r'value="(team:\d+)"', page).group(1)  # type: ignore[union-attr]
    grant = {
        "grantee": team,
        "categories": "clinical_note",
        "act": "contribute",
        "purpose": "the whole team can add notes",
        "days": "30",
    }
    assert post_form(alex, "/my/consent", grant).status_code == 302
    walsh = _client(app, "dr.walsh")  # in the team, not in Alex's care
    assert "Write an entry" in walsh.get(f"/people/{alex_id}/record").get_data(as_text=True)
    written = post_form(
        walsh,
        f"/people/{alex_id}/record/new",
        {
            "category": "clinical_note",
            "title": "Covering Dr Chen",
            "body": "Saw Alex at the clinic; all well.",
        },
    )
    assert written.status_code == 302
    assert str(_last(app, "record:write")[5]).startswith("consent:")
    # Only what was consented: another category is refused, logged, and nothing is stored.
    before = _count(app, "record_entries")
    refused = post_form(
        walsh,
        f"/people/{alex_id}/record/new",
        {"category": "diagnosis", "title": "Dx", "body": "Something."},
    )
    assert "people in your care only" in refused.get_data(as_text=True)
    assert _last(app, "record:write")[4:] == ("denied", "no_consent")
    assert _count(app, "record_entries") == before
