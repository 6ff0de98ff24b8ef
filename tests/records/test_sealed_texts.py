"""Every free text about a person is sealed under that person's data key, bound to its row: the
raw row holds no plaintext, its ciphertext opens only as its own row, and the pages still show
the words to those who saw them before. A risk concern keeps every delay reason. A database
from before keeps its texts, sealed by `peernotes db upgrade`, with no plaintext left."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from config import MASTER_KEY_FILE_NAME, init_dev_secrets
from peernotes import create_app
from peernotes.db import get_database, make_engine
from peernotes.migrate import alembic_config, current_heads
from tests.helpers import demo_email, post_form, query, sign_in, totp_code, user_id
from tests.sealed import assert_sealed, no_plaintext_anywhere, opens, raw

# Canaries: words that must never be found in plain text in the database or the logs.
EMERGENCY = "SEAL-CANARY-em41 Jordan came to the emergency department out of hours."
REVIEW = "SEAL-CANARY-rv52 No other clinician was reachable that night."
FLAG = "SEAL-CANARY-fl63 Disclosed violence at home; review weekly."
UNTOLD = "SEAL-CANARY-nt74 Telling Alex now could raise the risk."
DELAYS = (
    "SEAL-CANARY-d1a Telling him tonight could put him at risk.",
    "SEAL-CANARY-d2b He is still alone; the crisis team visits tomorrow.",
    "SEAL-CANARY-d3c His sister is with him from Monday; wait until then.",
)
PURPOSE = "SEAL-CANARY-pu85 so mum knows my plan"
PLACES = "SEAL-CANARY-pl96 At the library on Smith Street."
DECLINE = "SEAL-CANARY-dn07 Tui is on leave until March; could you choose someone else?"


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _one(app: Flask, sql: str, params: dict[str, object] | None = None) -> int:
    found = query(app, sql, params)
    return int(found[0][0])  # type: ignore[call-overload]


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# Emergency access -------------------------------------------------------------------------------


def test_an_emergency_reason_and_its_review_are_sealed_and_shown_where_they_were(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jordan = user_id(app, "jordan")
    walsh = _client(app, "dr.walsh")
    response = post_form(
        walsh,
        "/emergency",
        {
            "subject": str(jordan),
            "reason": EMERGENCY,
            "password": "peernotes-demo-2026",
            "code": totp_code(app, demo_email("dr.walsh")),
        },
    )
    assert response.status_code == 302
    access = _one(
        app, "SELECT max(id) FROM emergency_accesses WHERE subject_id = :s", {"s": jordan}
    )
    auditor = _client(app, "auditor")
    response = post_form(
        auditor, f"/audit/emergency/{access}", {"outcome": "justified", "comment": REVIEW}
    )
    assert response.status_code == 302

    for column, words in (("reason", EMERGENCY), ("review_comment", REVIEW)):
        assert_sealed(
            app,
            subject_id=jordan,
            table="emergency_accesses",
            column=column,
            row=access,
            other_row=access + 1,
            words=words,
        )
    # Shown as before: the clinician's own list, the auditor's review, the person's own log.
    assert EMERGENCY in _page(walsh, "/emergency")
    review = _page(auditor, f"/audit/emergency/{access}")
    assert EMERGENCY in review and REVIEW in review
    own = _page(_client(app, "jordan"), "/my/access-log")
    assert EMERGENCY in own and REVIEW in own
    # ... and to no one else: a clinician may not open the review page.
    refused = _client(app, "dr.chen").get(f"/audit/emergency/{access}")
    assert refused.status_code in (403, 404) and EMERGENCY not in refused.get_data(as_text=True)
    for words in (EMERGENCY, REVIEW):
        no_plaintext_anywhere(app, words)
        assert words not in caplog.text


# Safety flags ------------------------------------------------------------------------------------


def test_a_flag_reason_and_not_told_because_are_sealed_and_the_person_reads_only_a_told_one(
    app: Flask,
) -> None:
    alex = user_id(app, "alex")
    chen = _client(app, "dr.chen")
    untold = {"kind": "serious_harm", "reason": FLAG + " (untold)", "do_not_tell": "y"}
    untold["not_told_because"] = UNTOLD
    assert post_form(chen, f"/people/{alex}/safety", untold).status_code == 302
    hidden = _one(app, "SELECT max(id) FROM safety_flags WHERE subject_id = :s", {"s": alex})
    told = {"kind": "family_violence", "reason": FLAG}
    assert post_form(chen, f"/people/{alex}/safety", told).status_code == 302
    shown = _one(app, "SELECT max(id) FROM safety_flags WHERE subject_id = :s", {"s": alex})

    assert_sealed(
        app,
        subject_id=alex,
        table="safety_flags",
        column="reason",
        row=shown,
        other_row=hidden,
        words=FLAG,
    )
    assert_sealed(
        app,
        subject_id=alex,
        table="safety_flags",
        column="not_told_because",
        row=hidden,
        other_row=shown,
        words=UNTOLD,
    )
    assert raw(app, "safety_flags", "not_told_because_sealed", shown) is None  # told: nothing
    # The clinician sees both flags with their words; Alex sees only the one he is told of.
    manage = _page(chen, f"/people/{alex}/safety")
    assert FLAG in manage and UNTOLD in manage and FLAG + " (untold)" in manage
    own = _page(_client(app, "alex"), f"/people/{alex}/record")
    assert FLAG in own and "(untold)" not in own and UNTOLD not in own
    for words in (FLAG, UNTOLD):
        no_plaintext_anywhere(app, words)


# Risk concerns: every delay kept ------------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"risk_delay_hours": 2}])
def test_a_risk_concern_keeps_every_delay_reason_sealed_and_shows_them_in_order(
    app: Flask,
) -> None:
    alex = user_id(app, "alex")
    sam, chen = _client(app, "sam"), _client(app, "dr.chen")
    raised = post_form(
        sam,
        f"/people/{alex}/risk/new",
        {"observed": "He said he has a plan.", "why_now": "Alone.", "what_done": "Called."},
    )
    assert raised.status_code == 302
    concern = int(raised.headers["Location"].rsplit("/", 1)[1])
    for hours, reason in zip(("1", "2", "1"), DELAYS, strict=True):
        delayed = post_form(
            chen,
            f"/risk/{concern}/delay",
            {"reason": reason, "hours": hours},
            form_page=f"/risk/{concern}",
        )
        assert delayed.status_code == 302
    lifted = post_form(chen, f"/risk/{concern}/lift-delay", {}, form_page=f"/risk/{concern}")
    assert lifted.status_code == 302

    stored = query(
        app,
        "SELECT number, set_by_id, set_at, until, reason_sealed FROM risk_concern_delays"
        " WHERE concern_id = :c ORDER BY number",
        {"c": concern},
    )
    assert [r[:2] for r in stored] == [
        (1, user_id(app, "dr.chen")),
        (2, user_id(app, "dr.chen")),
        (3, user_id(app, "dr.chen")),
    ]
    assert all(r[2] is not None and r[3] is not None for r in stored)
    for (number, *_, sealed), words in zip(stored, DELAYS, strict=True):
        assert_sealed(
            app,
            subject_id=alex,
            table="risk_concern_delays",
            column="reason",
            row=f"{concern}.{number}",
            other_row=f"{concern}.{number % 3 + 1}",
            words=words,
            stored=bytes(sealed),  # type: ignore[arg-type]
        )
    # The care team reads every reason, oldest first; Alex (told now) reads none of them.
    page = _page(chen, f"/risk/{concern}")
    history = page[page.index("Every delay, in order") :]
    at = [history.index(words) for words in DELAYS]
    assert at == sorted(at)
    alex_page = _page(_client(app, "alex"), f"/risk/{concern}")
    assert not any(words in alex_page for words in DELAYS)
    for words in DELAYS:
        no_plaintext_anywhere(app, words)
    # Kept: the database refuses to change or remove a delay.
    engine = make_engine(get_database(app).engine.url.render_as_string(hide_password=False))
    for statement in (
        "UPDATE risk_concern_delays SET number = number",
        "DELETE FROM risk_concern_delays",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


# Consent purposes ----------------------------------------------------------------------------------


def test_a_consent_purpose_is_sealed_and_carried_forward_sealed_to_each_new_version(
    app: Flask,
) -> None:
    alex = user_id(app, "alex")
    client = _client(app, "alex")
    grant = {"categories": ["care_plan"], "act": "read", "days": "30"}
    first = post_form(
        client,
        "/my/consent",
        {"grantee": f"person:{user_id(app, 'linh')}", "purpose": PURPOSE, **grant},
    )
    assert first.status_code == 302
    provision = _one(app, "SELECT max(provision_id) FROM consent_provision_purposes")
    # A second grant writes a new version that carries the first provision forward.
    second = post_form(
        client,
        "/my/consent",
        {"grantee": "role:clinician", "purpose": "so my clinicians can help", **grant},
    )
    assert second.status_code == 302
    carried = _one(
        app, "SELECT max(id) FROM consent_provisions WHERE carried_from_id = :p", {"p": provision}
    )
    for row, other in ((provision, carried), (carried, provision)):
        assert_sealed(
            app,
            subject_id=alex,
            table="consent_provisions",
            column="purpose",
            row=row,
            other_row=other,
            words=PURPOSE,
            sealed_column="purpose_sealed",
            stored=raw(
                app, "consent_provision_purposes", "purpose_sealed", row, key="provision_id"
            ),
        )
    no_plaintext_anywhere(app, PURPOSE)


# Support agreements ------------------------------------------------------------------------------


def test_agreement_places_are_sealed_and_shown_to_the_two_of_them(app: Flask) -> None:
    from tests.workforce.test_agreements import good_form, post_agreement

    jordan = user_id(app, "jordan")
    sam = _client(app, "sam")
    location = post_agreement(sam, jordan, good_form(places=PLACES))
    agreement = int(location.rsplit("/", 1)[1])
    older = _one(app, "SELECT min(id) FROM support_agreements")
    assert_sealed(
        app,
        subject_id=jordan,
        table="support_agreements",
        column="places",
        row=agreement,
        other_row=older if older != agreement else agreement + 1,
        words=PLACES,
    )
    assert PLACES in _page(sam, location)
    person = _client(app, "jordan")
    assert PLACES in _page(person, location)
    assert PLACES in _page(person, f"{location}/change")  # a change starts from them
    no_plaintext_anywhere(app, PLACES)


# A coordinator's decline note ------------------------------------------------------------------------


def test_a_decline_note_is_sealed_and_the_person_reads_it(app: Flask) -> None:
    alex, tui = user_id(app, "alex"), user_id(app, "tui")
    person = _client(app, "alex")
    post_form(
        person, "/my/peer-worker/request", {"worker_id": str(tui)}, form_page="/my/peer-worker"
    )
    request_id = _one(
        app,
        "SELECT id FROM worker_requests WHERE subject_id = :s AND state = 'requested'",
        {"s": alex},
    )
    admin = _client(app, "admin")
    declined = post_form(
        admin,
        f"/admin/worker-requests/{request_id}/decline",
        {"note": DECLINE},
        form_page=f"/admin/worker-requests/{request_id}",
    )
    assert declined.status_code == 302
    assert_sealed(
        app,
        subject_id=alex,
        table="worker_requests",
        column="decision_note",
        row=request_id,
        other_row=request_id + 1,
        words=DECLINE,
    )
    assert DECLINE in _page(person, "/my/peer-worker")
    assert DECLINE in _page(admin, f"/admin/worker-requests/{request_id}")
    no_plaintext_anywhere(app, DECLINE)


# A database from before: sealed by `peernotes db upgrade` --------------------------------------------

BEFORE = "e7a5c0de1400"
OLD = {
    "emergency_accesses.reason": "OLD-CANARY-1 Alex came to the emergency department out of hours.",
    "emergency_accesses.review_comment": "OLD-CANARY-2 Justified: no one else was reachable.",
    "safety_flags.reason": "OLD-CANARY-3 Disclosed violence at home.",
    "safety_flags.not_told_because": "OLD-CANARY-4 Telling him could raise the risk.",
    "risk_concerns.delay_reason": "OLD-CANARY-5 Wait until the crisis team has seen him.",
    "consent_provisions.purpose": "OLD-CANARY-6 so mum knows my plan",
    "support_agreements.places": "OLD-CANARY-7 At the service or the park nearby.",
    "worker_requests.decision_note": "OLD-CANARY-8 Tui is on leave until March.",
    "worker_requests.handover_override_reason": "OLD-CANARY-9 Alex needed someone this week.",
}


def _old_rows(url: str) -> None:
    """People and one row of each kind, written as the schema before sealing kept them."""
    when = "2026-12-01 10:00:00"
    statements = [
        (
            "INSERT INTO users (id, email, display_name, role, password_hash, active,"
            " must_change_password, created_at, password_changed_at) VALUES"
            " (:id, :email, :name, :role, 'x', :yes, :no, :t, :t)",
            [
                {"id": 1, "email": "a@x.example", "name": "Alex", "role": "consumer"},
                {"id": 2, "email": "c@x.example", "name": "Chen", "role": "clinician"},
                {"id": 3, "email": "s@x.example", "name": "Sam", "role": "consumer_peer_worker"},
                {"id": 4, "email": "k@x.example", "name": "Kim", "role": "admin"},
            ],
        ),
        (
            "INSERT INTO emergency_accesses (id, clinician_id, subject_id, reason, starts_at,"
            " ends_at, review_outcome, review_comment, reviewed_by_id, reviewed_at) VALUES"
            " (1, 2, 1, :r, :t, :t, 'justified', :c, 4, :t)",
            [
                {
                    "r": OLD["emergency_accesses.reason"],
                    "c": OLD["emergency_accesses.review_comment"],
                }
            ],
        ),
        (
            "INSERT INTO safety_flags (id, subject_id, kind, reason, set_by_id, set_at,"
            " not_told_because) VALUES (1, 1, 'family_violence', :r, 2, :t, :n)",
            [{"r": OLD["safety_flags.reason"], "n": OLD["safety_flags.not_told_because"]}],
        ),
        (
            "INSERT INTO risk_concerns (id, subject_id, raised_by_id, created_at, ciphertext,"
            " delay_reason, delay_until, delay_set_by_id) VALUES (1, 1, 3, :t, :b, :r, :t, 2)",
            [{"b": b"not opened here", "r": OLD["risk_concerns.delay_reason"]}],
        ),
        (
            "INSERT INTO consent_directives (id, subject_id, version, created_at, created_by_id)"
            " VALUES (1, 1, 1, :t, 1)",
            [{}],
        ),
        (
            "INSERT INTO consent_provisions (id, directive_id, grantee_kind, role, act, purpose,"
            " valid_from, valid_until) VALUES (1, 1, 'role', 'clinician', 'read', :p, :t, :t)",
            [{"p": OLD["consent_provisions.purpose"]}],
        ),
        (
            "INSERT INTO support_agreements (id, worker_id, subject_id, version, methods, days,"
            " starts_at, ends_at, places, community_contact, review_on, created_by_id,"
            " created_at) VALUES (1, 3, 1, 1, '[]', '[]', '09:00:00', '17:00:00', :p, :no,"
            " '2027-01-01', 3, :t)",
            [{"p": OLD["support_agreements.places"]}],
        ),
        (
            "INSERT INTO worker_requests (id, subject_id, worker_id, handover_consent, state,"
            " created_at, decision_note, handover_override_reason) VALUES"
            " (:id, 1, 3, :no, :state, :t, :d, :o)",
            [
                {"id": 1, "state": "declined", "d": OLD["worker_requests.decision_note"], "o": ""},
                {
                    "id": 2,
                    "state": "confirmed",
                    "d": "",
                    "o": OLD["worker_requests.handover_override_reason"],
                },
            ],
        ),
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        for sql, rows in statements:
            for params in rows:
                conn.execute(text(sql), {"t": when, "yes": True, "no": False, **params})
    engine.dispose()


def test_an_old_database_with_plaintext_is_sealed_by_db_upgrade_with_no_plaintext_left(
    empty_database_url: str,
    make_config,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    url = empty_database_url
    command.downgrade(alembic_config(url), BEFORE)
    _old_rows(url)
    # Alembic on its own refuses to drop plaintext it cannot seal (it has no master key).
    with pytest.raises(RuntimeError, match="still in plain text"):
        command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), BEFORE)  # that failed revision left it at the first

    init_dev_secrets(tmp_path)
    env = {
        **os.environ,
        "PEERNOTES_ENV": "development",
        "PEERNOTES_INSTANCE_PATH": str(tmp_path),
        "PEERNOTES_DATABASE_URL": url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "peernotes", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Sealed 9 texts" in done.stdout
    for words in OLD.values():
        assert words not in done.stdout + done.stderr

    engine = make_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        columns = {
            t: {c["name"] for c in inspect(conn).get_columns(t)}
            for t in (
                "emergency_accesses",
                "safety_flags",
                "risk_concerns",
                "consent_provisions",
                "support_agreements",
                "worker_requests",
            )
        }
    engine.dispose()
    assert (version,) == current_heads(url)
    for name in OLD:
        table, column = name.split(".")
        assert column not in columns[table], name

    app = create_app(make_config(url, master_key_file=tmp_path / MASTER_KEY_FILE_NAME))
    try:
        for words in OLD.values():
            no_plaintext_anywhere(app, words)

        def check(
            table: str, column: str, row: int | str, sealed: object, other: int | str
        ) -> None:
            assert isinstance(sealed, bytes | memoryview), (table, column)
            stored = bytes(sealed)
            words = OLD[f"{table}.{column}"]
            assert opens(app, 1, table, column, row, stored) == words
            assert opens(app, 1, table, column, other, stored) is None

        ((reason, comment),) = query(
            app, "SELECT reason_sealed, review_comment_sealed FROM emergency_accesses"
        )
        check("emergency_accesses", "reason", 1, reason, 2)
        check("emergency_accesses", "review_comment", 1, comment, 2)
        ((reason, untold),) = query(
            app, "SELECT reason_sealed, not_told_because_sealed FROM safety_flags"
        )
        check("safety_flags", "reason", 1, reason, 2)
        check("safety_flags", "not_told_because", 1, untold, 2)
        ((places,),) = query(app, "SELECT places_sealed FROM support_agreements")
        check("support_agreements", "places", 1, places, 2)
        (note, _), (_, override) = query(
            app,
            "SELECT decision_note_sealed, handover_override_reason_sealed FROM worker_requests"
            " ORDER BY id",
        )
        check("worker_requests", "decision_note", 1, note, 2)
        check("worker_requests", "handover_override_reason", 2, override, 1)
        ((purpose,),) = query(app, "SELECT purpose_sealed FROM consent_provision_purposes")
        check("consent_provisions", "purpose", 1, purpose, 2)
        ((number, set_by, set_at, delay),) = query(
            app, "SELECT number, set_by_id, set_at, reason_sealed FROM risk_concern_delays"
        )
        assert (number, set_by, set_at) == (1, 2, None)  # its time was never stored
        sealed_delay = bytes(delay)  # type: ignore[arg-type]
        words = OLD["risk_concerns.delay_reason"]
        assert opens(app, 1, "risk_concern_delays", "reason", "1.1", sealed_delay) == words
        assert opens(app, 1, "risk_concern_delays", "reason", "1.2", sealed_delay) is None
    finally:
        get_database(app).engine.dispose()

    # Upgrading again is a no-op.
    again = subprocess.run(
        [sys.executable, "-m", "peernotes", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert again.returncode == 0 and "Sealed" not in again.stdout, again.stderr


# Key rotation ------------------------------------------------------------------------------------


@pytest.fixture
def own_master_key(tmp_path: Path) -> Path:
    """A copy of the test master key that this test may rotate (see tests/keys)."""
    import shutil

    from tests.conftest import TEST_KEYS

    keys = tmp_path / "keys"
    keys.mkdir()
    target = keys / MASTER_KEY_FILE_NAME
    shutil.copyfile(TEST_KEYS / MASTER_KEY_FILE_NAME, target)
    target.chmod(0o600)
    return target


def test_sealed_texts_still_open_after_a_key_rotation_and_the_old_key_destroyed(
    database_url: str,
    own_master_key: Path,
    make_config,  # type: ignore[no-untyped-def]
) -> None:
    """Rotation re-wraps data keys only; the texts are sealed under data keys, so they need no
    re-encryption and open under the new master key alone."""
    from peernotes.crypto.rotation import rotate

    app = create_app(make_config(database_url, master_key_file=own_master_key))
    try:
        jordan = user_id(app, "jordan")
        walsh = _client(app, "dr.walsh")
        response = post_form(
            walsh,
            "/emergency",
            {
                "subject": str(jordan),
                "reason": EMERGENCY,
                "password": "peernotes-demo-2026",
                "code": totp_code(app, demo_email("dr.walsh")),
            },
        )
        assert response.status_code == 302
        access = _one(app, "SELECT max(id) FROM emergency_accesses")
        sealed_before = raw(app, "emergency_accesses", "reason_sealed", access)

        done = rotate(get_database(app), request_id="cli-test", batch_size=2)
        done.retired_file.unlink()  # the operator destroys the old key
    finally:
        get_database(app).engine.dispose()

    fresh = create_app(make_config(database_url, master_key_file=own_master_key))
    try:
        assert raw(fresh, "emergency_accesses", "reason_sealed", access) == sealed_before
        assert (
            opens(fresh, jordan, "emergency_accesses", "reason", access, sealed_before) == EMERGENCY
        )
        assert EMERGENCY in _page(_client(fresh, "dr.walsh"), "/emergency")
    finally:
        get_database(fresh).engine.dispose()
