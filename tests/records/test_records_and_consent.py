"""Medical records under consent: writes, reads, lists, amendments, encryption at rest,
consent grants and revocations (with a live session), and the audit entry of each."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.access.queries import current_provisions
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.consent.models import ConsentDirective
from peernotes.crypto.keys import DecryptionFailed
from peernotes.db import get_database, make_engine, utcnow
from peernotes.records import service as records
from tests.audit.helpers import rows
from tests.conftest import engine_name
from tests.helpers import demo_email, post_form, sign_in, user_id, without_csrf
from tests.ops.logcapture import json_logs


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _entry(app: Flask, key: str, category: str) -> int:
    found = rows(
        _url(app),
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = :c",
        {"s": user_id(app, key), "c": category},
    )
    return int(found[0][0])  # type: ignore[call-overload]


def _last_log(app: Flask, action: str) -> tuple[object, ...]:
    return rows(
        _url(app),
        "SELECT actor_id, subject_id, target_id, outcome, basis FROM audit_log "
        "WHERE action = :a ORDER BY seq DESC LIMIT 1",
        {"a": action},
    )[0]


def test_the_consumer_reads_their_own_record(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    alex = signed_in("alex")
    listing = alex.get(f"/people/{user_id(app, 'alex')}/record").get_data(as_text=True)
    assert "Care plan" in listing and "Medication" in listing
    entry = _entry(app, "alex", "care_plan")
    page = alex.get(f"/people/{user_id(app, 'alex')}/record/{entry}").get_data(as_text=True)
    assert "part-time study" in page
    assert _last_log(app, "record:read") == (user_id(app, "alex"), user_id(app, "alex"), str(entry), "allowed", "self")


def test_the_clinician_in_care_reads_and_writes(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    chen = signed_in("dr.chen")
    jordan = user_id(app, "jordan")
    response = post_form(chen, f"/people/{jordan}/record/new", {"category": "risk_assessment", "title": "Risk review", "body": "Low risk today; safety plan reviewed together."})
    assert response.status_code == 302
    page = chen.get(response.headers["Location"]).get_data(as_text=True)
    assert "safety plan reviewed together" in page
    assert _last_log(app, "record:read")[3:] == ("allowed", "author")  # they wrote it
    assert _last_log(app, "record:write")[3:] == ("allowed", "care_assignment")


def test_a_withheld_entry_answers_exactly_like_a_missing_one(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    sam = signed_in("sam")  # Alex's peer worker, who may read only his letters (the demo's share)
    alex = user_id(app, "alex")
    withheld = sam.get(f"/people/{alex}/record/{_entry(app, 'alex', 'care_plan')}")
    missing = sam.get(f"/people/{alex}/record/999999")
    assert withheld.status_code == missing.status_code == 404
    assert without_csrf(withheld.get_data()) == without_csrf(missing.get_data())
    assert "part-time" not in withheld.get_data(as_text=True)
    # His list of Alex's record opens (letters are shared) and shows none of the rest.
    listing = sam.get(f"/people/{alex}/record").get_data(as_text=True)
    assert "Care plan" not in listing and "Medication" not in listing
    denied = rows(_url(app), "SELECT outcome, basis FROM audit_log WHERE action = 'record:read' AND actor_id = :a ORDER BY seq", {"a": user_id(app, "sam")})
    assert denied == [("denied", "no_consent"), ("denied", "not_found")]


def _grant(app: Flask, consumer, data: dict[str, object]):  # type: ignore[no-untyped-def]
    page = consumer.get("/my/consent").get_data(as_text=True)
    from tests.helpers import csrf_token

    return consumer.post("/my/consent", data={**data, "csrf_token": csrf_token(page)})


def test_consent_lets_the_peer_worker_read_only_what_was_shared_until_revoked(app: Flask) -> None:
    alex, sam = app.test_client(), app.test_client()
    sign_in(alex, demo_email("alex"))
    sign_in(sam, demo_email("sam"))  # a live session throughout
    subject = user_id(app, "alex")
    care_plan, medication = _entry(app, "alex", "care_plan"), _entry(app, "alex", "medication")
    response = _grant(app, alex, {"grantee": f"person:{user_id(app, 'sam')}", "categories": ["care_plan"], "act": "read", "purpose": "so Sam understands my plan", "days": "30"})
    assert response.status_code == 302
    receipt = alex.get("/my/consent").get_data(as_text=True)
    assert "From now on, Sam Rivera (peer worker) can read your care plan until" in receipt
    assert sam.get(f"/people/{subject}/record/{care_plan}").status_code == 200
    assert _last_log(app, "record:read")[4].startswith("consent:")  # type: ignore[union-attr]
    assert sam.get(f"/people/{subject}/record/{medication}").status_code == 404
    listing = sam.get(f"/people/{subject}/record").get_data(as_text=True)
    assert "Care plan" in listing and "Medication" not in listing
    # Nothing tells her reader that other entries exist (the list once hinted at them).
    assert "not shared with you" not in listing
    outcome, basis = _last_log(app, "record:list")[3:]
    # Two of Alex's shares now name Sam (his letters, his care plan): the list rests on both.
    assert (outcome, basis) == ("allowed", "filtered")

    provision = max(current_provisions_now(app, subject))
    post_form(alex, f"/my/consent/{provision}/revoke", {}, form_page="/my/consent")
    assert sam.get(f"/people/{subject}/record/{care_plan}").status_code == 404
    assert _last_log(app, "record:read")[3:] == ("denied", "no_consent")


def current_provisions_now(app: Flask, subject: int) -> list[int]:
    with app.app_context(), get_database(app).session() as session:
        return [p.id for p in current_provisions(session, subject, utcnow()) if p.valid_until > utcnow()]


def test_lapsed_training_shuts_the_peer_worker_out(app: Flask) -> None:
    alex, sam = app.test_client(), app.test_client()
    sign_in(alex, demo_email("alex"))
    sign_in(sam, demo_email("sam"))
    _grant(app, alex, {"grantee": f"person:{user_id(app, 'sam')}", "categories": ["care_plan"], "act": "read", "purpose": "my plan", "days": "30"})
    care_plan = _entry(app, "alex", "care_plan")
    assert sam.get(f"/people/{user_id(app, 'alex')}/record/{care_plan}").status_code == 200
    sam_id = user_id(app, "sam")
    engine = make_engine(_url(app))
    with engine.begin() as conn:
        conn.execute(text("UPDATE training_records SET expires_on = :d WHERE user_id = :u"), {"d": utcnow().date() - timedelta(days=1), "u": sam_id})
    engine.dispose()
    assert sam.get(f"/people/{user_id(app, 'alex')}/record/{care_plan}").status_code == 404
    assert _last_log(app, "record:read")[3:] == ("denied", "training_lapsed")
    # The list says why it is empty, too.
    assert sam.get(f"/people/{user_id(app, 'alex')}/record").status_code == 404
    assert _last_log(app, "record:list")[3:] == ("denied", "training_lapsed")
    assert "training has lapsed" in alex.get("/my/consent").get_data(as_text=True)


def test_bad_consent_input_stores_nothing(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    alex = signed_in("alex")
    before = rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0]
    base = {"grantee": f"person:{user_id(app, 'sam')}", "categories": ["care_plan"], "act": "read", "purpose": "x", "days": "30"}
    for change, message in [
        ({"categories": ["secrets"]}, "Not a valid choice"),
        ({"grantee": "person:999999"}, "Not a valid choice"),
        ({"days": "0"}, "Between 1 and 730"),
        ({"act": "delete"}, "Not a valid choice"),
        ({"grantee": "role:wizard"}, "Not a valid choice"),
        ({"grantee": "team:999999"}, "Not a valid choice"),
        ({"days": "-5"}, "Between 1 and 730"),
        ({"purpose": ""}, "Say what it is for"),
    ]:
        response = _grant(app, alex, {**base, **change})
        assert response.status_code == 200, change
        assert message.lower() in response.get_data(as_text=True).lower(), change
    assert rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0] == before


def test_consent_for_someone_else_is_refused_and_logged(app: Flask) -> None:
    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    before = rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0]
    with app.app_context(), get_database(app).session() as session:
        alex = session.get_one(User, alex_id)
        sam = By(sam_id, Role.CONSUMER_PEER_WORKER, "req")
        grant = consent.Grant(GranteeKind.PERSON, sam_id, None, None, Act.READ, frozenset({Category.CARE_PLAN}), "me", utcnow(), utcnow() + timedelta(days=1))
        with pytest.raises(consent.ConsentError):
            consent.grant(session, sam, alex, grant)
        session.commit()
    assert _last_log(app, "consent:grant")[3:] == ("denied", "not_the_subject")
    assert rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0] == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"valid_until_days": -1}, "The end date must be after the start date."),
        ({"valid_until_days": 0}, "The end date must be after the start date."),
        ({"categories": frozenset({"secrets"})}, "Unknown kind of information."),
        ({"kind": GranteeKind.ROLE, "person_id": None, "role": Role.ADMIN}, "Choose a role in your care team."),
        ({"kind": GranteeKind.TEAM, "person_id": None, "team_id": 999999}, "Choose a team."),
    ],
)
def test_the_consent_service_refuses_bad_grants_and_stores_nothing(app: Flask, change: dict[str, object], message: str) -> None:
    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    now = utcnow()
    fields: dict[str, object] = {
        "kind": GranteeKind.PERSON, "person_id": sam_id, "role": None, "team_id": None, "act": Act.READ,
        "categories": frozenset({Category.CARE_PLAN}), "purpose": "my plan", "valid_from": now,
        "valid_until": now + timedelta(days=int(change.pop("valid_until_days", 30))),  # type: ignore[call-overload]
    }
    fields.update(change)
    before = rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0]
    with app.app_context(), get_database(app).session() as session:
        alex = session.get_one(User, alex_id)
        with pytest.raises(consent.ConsentError, match=message):
            consent.grant(session, By(alex_id, Role.CONSUMER, "req"), alex, consent.Grant(**fields))  # type: ignore[arg-type]
        session.commit()
    assert rows(_url(app), "SELECT count(*) FROM consent_directives")[0][0] == before


def test_a_consumer_shares_with_everyone_in_a_team(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    alex = signed_in("alex")
    page = alex.get("/my/consent").get_data(as_text=True)
    team = int(re.search(r'value="team:(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert "Everyone in Borderline Support Team" in page
    response = _grant(app, alex, {"grantee": f"team:{team}", "categories": ["care_plan"], "act": "read", "purpose": "the whole team", "days": "7"})
    assert response.status_code == 302
    assert "everyone in Borderline Support Team can read your care plan" in alex.get("/my/consent").get_data(as_text=True)
    # Tui is in the team (not in Alex's care): the team grant reaches them.
    tui = app.test_client()
    sign_in(tui, demo_email("tui"))
    assert tui.get(f"/people/{user_id(app, 'alex')}/record/{_entry(app, 'alex', 'care_plan')}").status_code == 200
    team_share = max(current_provisions_now(app, user_id(app, "alex")))  # the newest: the team's
    assert _last_log(app, "record:read")[3:] == ("allowed", f"consent:{team_share}")
    # And the preview lets Alex see what Tui sees, though Tui is not in his care team.
    preview = alex.get(f"/my/consent/preview?person={user_id(app, 'tui')}").get_data(as_text=True)
    assert "What Tui Henare sees now" in preview and "Care plan" in preview


def test_directives_are_versioned_and_answer_what_was_agreed_when(app: Flask) -> None:
    subject, sam_id = user_id(app, "alex"), user_id(app, "sam")
    with app.app_context(), get_database(app).session() as session:
        alex_user = session.get_one(User, subject)
        by = By(subject, Role.CONSUMER, "req")
        grant = consent.Grant(GranteeKind.PERSON, sam_id, None, None, Act.READ, frozenset({Category.CARE_PLAN}), "plan", utcnow(), utcnow() + timedelta(days=30))
        # The demo's own shares (letters; "about me") are carried forward by each change.
        demo_shares = [p.id for p in current_provisions(session, subject, utcnow())]
        assert len(demo_shares) == 2
        provision = consent.grant(session, by, alex_user, grant)
        session.commit()
        between = utcnow()
        kept = [p.id for p in current_provisions(session, subject, between) if p.id != provision.id]
        consent.revoke(session, by, alex_user, provision.id)
        session.commit()
        assert [p.id for p in current_provisions(session, subject, between)] == [*kept, provision.id]
        assert provision.id not in [p.id for p in current_provisions(session, subject, utcnow())]
        assert len(current_provisions(session, subject, utcnow())) == len(demo_shares)
        # Carried forward under new ids, as every version does.
        assert not set(demo_shares) & set(kept)
        versions = session.scalars(select(ConsentDirective.version).where(ConsentDirective.subject_id == subject)).all()
        # The demo's versions (one per share it made), then the grant's and the revoke's.
        assert sorted(versions) == list(range(1, len(demo_shares) + 3))


# Amendments and history --------------------------------------------------------------------


def test_amendments_and_entered_in_error_are_new_revisions(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    chen = signed_in("dr.chen")
    alex = user_id(app, "alex")
    entry = _entry(app, "alex", "medication")
    path = f"/people/{alex}/record/{entry}"
    post_form(chen, f"{path}/amend", {"title": "Medication review", "body": "Dose unchanged. Review in two months.", "reason": "corrected review date"}, form_page=path)
    page = chen.get(path).get_data(as_text=True)
    assert "two months" in page and "version 2" in page
    post_form(chen, f"{path}/amend", {"reason": "wrong person's review", "entered_in_error": "y"}, form_page=path)
    page = chen.get(path).get_data(as_text=True)
    assert "entered in error" in page
    numbers = rows(_url(app), "SELECT number, kind FROM record_revisions WHERE entry_id = :e ORDER BY number", {"e": entry})
    assert numbers == [(1, "original"), (2, "amendment"), (3, "entered_in_error")]


@pytest.mark.parametrize("table", ["record_revisions", "consent_directives", "consent_provisions", "consent_provision_categories", "consent_provision_purposes"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_history_tables_are_append_only_in_the_database(app: Flask, table: str, verb: str) -> None:
    engine = make_engine(_url(app))
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    statement = f"DELETE FROM {table}" if verb == "DELETE" else {
        "record_revisions": "UPDATE record_revisions SET number = number",
        "consent_directives": "UPDATE consent_directives SET version = version",
        "consent_provisions": "UPDATE consent_provisions SET act = act",
        "consent_provision_categories": "UPDATE consent_provision_categories SET category = category",
        "consent_provision_purposes": "UPDATE consent_provision_purposes SET purpose_sealed = purpose_sealed",
    }[table]
    # Make sure there is a row to refuse.
    alex_id = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as session:
        by = By(alex_id, Role.CONSUMER, "req")
        consent.grant(session, by, session.get_one(User, alex_id), consent.Grant(GranteeKind.ROLE, None, Role.CLINICIAN, None, Act.READ, frozenset({Category.DIAGNOSIS}), "x", utcnow(), utcnow() + timedelta(days=2)))
        session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


# Encryption at rest --------------------------------------------------------------------------

CANARY = "PLAINTEXT-CANARY-3c91"


def test_no_plaintext_at_rest_in_the_database_its_wal_or_a_backup(app: Flask, signed_in, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chen = signed_in("dr.chen")
    with json_logs() as log:  # nor in the server's log (issue 14)
        post_form(chen, f"/people/{user_id(app, 'jordan')}/record/new", {"category": "diagnosis", "title": f"Title {CANARY}", "body": f"Body {CANARY}"})
        entry = int(rows(_url(app), "SELECT max(id) FROM record_entries")[0][0])  # type: ignore[call-overload]
        assert CANARY in chen.get(f"/people/{user_id(app, 'jordan')}/record/{entry}").get_data(as_text=True)
    log.assert_free_of(CANARY)
    needle = CANARY.encode()
    if engine_name() == "sqlite":
        db_file = Path(get_database(app).engine.url.database or "")
        wal = Path(f"{db_file}-wal")
        assert wal.exists()  # the entry is (also) in the WAL right now
        for path in (db_file, wal):
            assert needle not in path.read_bytes(), path.name
        backup = tmp_path / "backup.sqlite3"
        source = sqlite3.connect(db_file)
        target = sqlite3.connect(backup)
        source.backup(target)
        source.close()
        target.close()
        assert needle not in backup.read_bytes()
    else:
        engine = make_engine(_url(app))
        with engine.connect() as conn:
            tables = [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
            for table in tables:
                dump = " ".join(r[0] for r in conn.execute(text(f'SELECT CAST(t AS text) FROM "{table}" t')))
                assert CANARY not in dump, table
        engine.dispose()


def test_a_ciphertext_moved_to_another_row_will_not_open(app: Flask) -> None:
    care_plan, medication = _entry(app, "alex", "care_plan"), _entry(app, "alex", "medication")
    stolen = rows(_url(app), "SELECT ciphertext FROM record_revisions WHERE entry_id = :e", {"e": care_plan})[0][0]
    tamper_revisions(_url(app), medication, stolen)
    alex_id = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as session:
        by = By(alex_id, Role.CONSUMER, "req")
        with pytest.raises(DecryptionFailed, match="^This item could not be read.$"):
            records.read_entry(session, by, alex_id, medication)


def tamper_revisions(url: str, entry_id: int, ciphertext: object) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE record_revisions DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER record_revisions_no_update")
        conn.execute(text("UPDATE record_revisions SET ciphertext = :c WHERE entry_id = :e"), {"c": ciphertext, "e": entry_id})
    engine.dispose()


def test_bad_record_input_stores_nothing_and_refusals_are_logged(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    chen = signed_in("dr.chen")
    before = rows(_url(app), "SELECT count(*) FROM record_entries")[0][0]
    jordan = user_id(app, "jordan")
    for data, message in [
        ({"category": "horoscope", "title": "t", "body": "b"}, "Not a valid choice"),
        ({"category": "diagnosis", "title": "", "body": "b"}, "Give a title"),
        ({"category": "diagnosis", "title": "t", "body": ""}, "Write the entry"),
    ]:
        response = post_form(chen, f"/people/{jordan}/record/new", data)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    # Maya is not in Dr Chen's care: refused, logged, nothing stored.
    maya = user_id(app, "maya")
    assert chen.get(f"/people/{maya}/record/new").status_code == 404
    assert _last_log(app, "record:write")[3:] == ("denied", "no_basis_to_write")
    refused = post_form(chen, f"/people/{maya}/record/new", {"category": "diagnosis", "title": "t", "body": "b"}, form_page=f"/people/{jordan}/record/new")
    assert refused.status_code == 404
    assert _last_log(app, "record:write")[1:] == (maya, None, "denied", "no_basis_to_write")
    assert rows(_url(app), "SELECT count(*) FROM record_entries")[0][0] == before


def test_listing_a_record_issues_a_constant_number_of_queries(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    chen = signed_in("dr.chen")
    jordan = user_id(app, "jordan")
    counts = []
    for _ in range(2):
        for i in range(5):
            post_form(chen, f"/people/{jordan}/record/new", {"category": "clinical_note", "title": f"Note {i}", "body": "b"})
        statements: list[str] = []

        def count(*_args: object, _seen: list[str] = statements) -> None:
            _seen.append("x")

        engine = get_database(app).engine
        event.listen(engine, "before_cursor_execute", count)
        assert chen.get(f"/people/{jordan}/record").status_code == 200
        event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
