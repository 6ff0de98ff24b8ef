"""Every action that exists today writes its entry, in the same transaction, with no content."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import text

from peernotes.db import get_database
from tests.audit.helpers import rows
from tests.helpers import demo_email, post_form, sign_in, totp_code, user_id
from tests.ops.logcapture import json_logs


def _entries(app: Flask, since: int = 0) -> list[dict[str, object]]:
    with app.app_context(), get_database(app).session() as session:
        result = session.execute(
            text(
                "SELECT seq, actor_id, actor_role, action, subject_id, target_type, target_id, "
                "outcome, basis, request_id FROM audit_log WHERE seq > :since ORDER BY seq"
            ),
            {"since": since},
        )
        return [dict(r._mapping) for r in result]


def _head(app: Flask) -> int:
    entries = _entries(app)
    return int(entries[-1]["seq"]) if entries else 0  # type: ignore[call-overload]


def _only(entries: list[dict[str, object]], action: str) -> dict[str, object]:
    found = [e for e in entries if e["action"] == action]
    assert len(found) == 1, (action, entries)
    return found[0]


def test_sign_in_success_failure_and_sign_out_are_recorded(app: Flask) -> None:
    start = _head(app)
    alex = user_id(app, "alex")
    client = app.test_client()
    sign_in(client, demo_email("alex"), "wrong password entirely")
    sign_in(client, "nobody@peernotes.example", "wrong password entirely")
    sign_in(client, demo_email("alex"))
    post_form(client, "/logout", {}, form_page="/")
    entries = _entries(app, start)
    failed = [e for e in entries if e["action"] == "auth:login_failed"]
    assert [(e["basis"], e["target_id"], e["outcome"]) for e in failed] == [
        ("wrong_password", str(alex), "denied"),
        ("unknown_account", None, "denied"),
    ]
    assert all(e["actor_id"] is None for e in failed)
    login = _only(entries, "auth:login")
    assert (login["actor_id"], login["actor_role"], login["basis"]) == (alex, "consumer", "password")
    assert _only(entries, "auth:logout")["actor_id"] == alex


def test_a_deactivated_account_sign_in_is_recorded_with_its_reason(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    post_form(admin, f"/admin/accounts/{user_id(app, 'maya')}/deactivate", {}, form_page="/admin/accounts")
    start = _head(app)
    sign_in(app.test_client(), demo_email("maya"))
    assert _only(_entries(app, start), "auth:login_failed")["basis"] == "account_inactive"


def test_password_change_is_recorded_both_ways(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("tui")
    start = _head(app)
    post_form(client, "/account/password", {"current_password": "wrong", "new_password": "x" * 14, "confirm_password": "x" * 14})
    post_form(client, "/account/password", {"current_password": "peernotes-demo-2026", "new_password": "y" * 14, "confirm_password": "y" * 14})
    changes = [e for e in _entries(app, start) if e["action"] == "auth:password_change"]
    assert [(e["outcome"], e["basis"]) for e in changes] == [
        ("denied", "wrong_password"),
        ("allowed", "self"),
    ]


def test_throttled_sign_in_is_recorded(make_config, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from peernotes import create_app

    app = create_app(make_config(database_url, login_attempts_per_account=1))
    start = _head(app)
    client = app.test_client()
    sign_in(client, demo_email("jordan"), "wrong password entirely")
    assert sign_in(client, demo_email("jordan"), "wrong password entirely").status_code == 429
    throttled = _only(_entries(app, start), "auth:login_throttled")
    assert (throttled["outcome"], throttled["basis"]) == ("denied", "throttled")
    assert throttled["target_id"] == str(user_id(app, "jordan"))
    get_database(app).engine.dispose()


def test_admin_changes_are_recorded_with_whom_they_are_about(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    admin_id, jordan, tui = user_id(app, "admin"), user_id(app, "jordan"), user_id(app, "tui")
    start = _head(app)
    post_form(admin, "/admin/accounts", {"display_name": "Kiri", "email": "kiri@peernotes.example", "role": "consumer", "password": "kiri's first password"})
    post_form(admin, "/admin/assignments", {"worker_id": str(tui), "subject_id": str(jordan), "team_id": "0", "starts_on": "2026-11-01", "ends_on": ""})
    post_form(admin, "/admin/teams", {"name": "Carer Support", "description": ""})
    post_form(admin, f"/admin/accounts/{jordan}/deactivate", {}, form_page="/admin/accounts")
    entries = _entries(app, start)
    assert {e["action"] for e in entries} >= {
        "admin:account_create", "admin:assignment_create", "admin:team_create",
        "admin:account_deactivate",
    }
    for e in entries:
        if str(e["action"]).startswith("admin:"):
            assert (e["actor_id"], e["actor_role"], e["basis"]) == (admin_id, "admin", "role:admin")
    assignment = _only(entries, "admin:assignment_create")
    assert assignment["subject_id"] == jordan and assignment["target_type"] == "care_assignment"
    assert _only(entries, "admin:account_deactivate")["subject_id"] == jordan
    assert _only(entries, "admin:team_create")["subject_id"] is None


def test_a_route_refused_for_lack_of_permission_is_recorded(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("sam")
    start = _head(app)
    assert client.get("/admin/accounts").status_code == 403
    denied = _only(_entries(app, start), "access:denied")
    assert (denied["actor_id"], denied["outcome"], denied["basis"]) == (user_id(app, "sam"), "denied", "no_permission")
    assert (denied["target_type"], denied["target_id"]) == ("route", "admin.list_accounts")


def test_trying_to_end_someone_elses_nomination_is_recorded_against_its_owner(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    nomination = rows(get_database(app).engine.url.render_as_string(hide_password=False), "SELECT id FROM carer_nominations WHERE consumer_id = :c", {"c": user_id(app, "alex")})[0][0]
    maya = signed_in("maya")
    start = _head(app)
    post_form(maya, f"/my/carers/{nomination}/end", {}, form_page="/my/carers")
    denied = _only(_entries(app, start), "carer:nomination_end")
    assert (denied["outcome"], denied["subject_id"], denied["actor_id"]) == ("denied", user_id(app, "alex"), user_id(app, "maya"))


def test_one_request_shares_one_id_across_its_entries_and_its_response(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("admin")
    start = _head(app)
    response = post_form(client, f"/admin/accounts/{user_id(app, 'robert')}/deactivate", {}, form_page="/admin/accounts")
    entry = _only(_entries(app, start), "admin:account_deactivate")
    assert entry["request_id"] == response.headers["X-Request-ID"]


def test_when_the_entry_cannot_be_written_the_action_does_not_happen(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    """Fail closed: make every audit insert fail, and the account is not created either."""
    admin = signed_in("admin")
    form_page = admin.get("/admin/accounts").get_data(as_text=True)
    url = get_database(app).engine.url.render_as_string(hide_password=False)
    engine = get_database(app).engine
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_fail()"
            )
        else:
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            )
    from tests.helpers import csrf_token

    response = admin.post(
        "/admin/accounts",
        data={"display_name": "Never Stored", "email": "never@peernotes.example", "role": "carer",
              "password": "a password long enough", "csrf_token": csrf_token(form_page)},
    )
    assert response.status_code == 500
    assert rows(url, "SELECT count(*) FROM users WHERE email = 'never@peernotes.example'")[0][0] == 0


# Canaries ------------------------------------------------------------------------------------

CANARY = "CANARY7f3e"


def _c(field: str) -> str:
    return f"{CANARY}-{field}"


def test_nothing_anyone_types_reaches_the_log_or_the_application_log(
    app: Flask, signed_in, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    with json_logs() as server_log:  # the server's JSON lines too (issue 14)
        # Sign-in form: unknown email, and a real email with a canary password.
        visitor = app.test_client()
        sign_in(visitor, f"{_c('email').lower()}@peernotes.example", _c("password"))
        sign_in(visitor, demo_email("jordan"), _c("password2"))
        # Password change form.
        jordan = app.test_client()
        sign_in(jordan, demo_email("jordan"))
        post_form(jordan, "/account/password", {"current_password": _c("current"), "new_password": _c("new") + "xx", "confirm_password": _c("confirm")})
        post_form(jordan, "/account/password", {"current_password": "peernotes-demo-2026", "new_password": _c("newpass") + "xx", "confirm_password": _c("newpass") + "xx"})
        # Consumer forms.
        alex = signed_in("alex")
        post_form(alex, "/my/carers", {"email": f"{_c('carer').lower()}@peernotes.example", "relationship_label": _c("relationship")})
        post_form(alex, "/my/carers", {"email": demo_email("robert"), "relationship_label": _c("relationship2")})
        alex.get("/my/access-log")
        # Coordinator forms.
        admin = app.test_client()
        sign_in(admin, demo_email("admin"))
        post_form(admin, "/admin/accounts", {"display_name": _c("name"), "email": f"{_c('new').lower()}@peernotes.example", "role": "consumer", "password": _c("firstpassword")})
        created = post_form(admin, "/admin/teams", {"name": _c("team"), "description": _c("description")})
        post_form(admin, created.headers["Location"], {"user_id": str(user_id(app, "sam"))})
        post_form(admin, "/admin/assignments", {"worker_id": str(user_id(app, "tui")), "subject_id": str(user_id(app, "jordan")), "team_id": "0", "starts_on": _c("date"), "ends_on": ""})
        # Auditor filters (a GET form).
        auditor = app.test_client()
        sign_in(auditor, demo_email("auditor"))
        auditor.get(f"/audit?basis={_c('basis')}&action=&outcome=")
        auditor.get(f"/audit?basis=role&date_from={_c('from')}")
        auditor.get(f"/audit/export.csv?basis={_c('export')}")

    # Free texts about a person, sealed under their data key (emergency reasons and reviews,
    # safety flags, risk delays, consent purposes, agreement places, a decline note).
    sealed_tables = _post_texts_about_people(app)

    url = get_database(app).engine.url.render_as_string(hide_password=False)
    everything = rows(url, "SELECT * FROM audit_log")
    assert len(everything) > 30
    dumped = repr(everything)
    assert CANARY not in dumped and CANARY.lower() not in dumped
    logged = caplog.text + capsys.readouterr().err
    assert CANARY not in logged and CANARY.lower() not in logged
    server_log.assert_free_of(CANARY)
    for table in sealed_tables:  # nor in plain text where they are kept
        kept = repr(rows(url, f"SELECT * FROM {table}"))
        assert CANARY not in kept and CANARY.lower() not in kept, table


def _post_texts_about_people(app: Flask) -> list[str]:
    """Every form that stores a free text about a person, each with a canary; the tables
    that keep them."""

    def client(key: str):  # type: ignore[no-untyped-def]
        signed = app.test_client()
        sign_in(signed, demo_email(key))
        return signed

    alex, jordan = user_id(app, "alex"), user_id(app, "jordan")
    walsh, chen, sam = client("dr.walsh"), client("dr.chen"), client("sam")
    started = post_form(walsh, "/emergency", {"subject": str(jordan), "reason": _c("emergency-reason") + " out of hours", "password": "peernotes-demo-2026", "code": totp_code(app, demo_email("dr.walsh"))})
    assert started.status_code == 302
    access = rows(get_database(app).engine.url.render_as_string(hide_password=False), "SELECT max(id) FROM emergency_accesses")[0][0]
    reviewed = post_form(client("auditor"), f"/audit/emergency/{access}", {"outcome": "justified", "comment": _c("review")})
    assert reviewed.status_code == 302
    flagged = post_form(chen, f"/people/{alex}/safety", {"kind": "serious_harm", "reason": _c("flag-reason"), "do_not_tell": "y", "not_told_because": _c("not-told")})
    assert flagged.status_code == 302
    raised = post_form(sam, f"/people/{alex}/risk/new", {"observed": _c("observed"), "why_now": _c("why"), "what_done": _c("done")})
    concern = raised.headers["Location"].rsplit("/", 1)[1]
    delayed = post_form(chen, f"/risk/{concern}/delay", {"reason": _c("delay-reason"), "hours": "1"}, form_page=f"/risk/{concern}")
    assert delayed.status_code == 302
    granted = post_form(client("alex"), "/my/consent", {"grantee": "role:clinician", "categories": ["care_plan"], "act": "read", "purpose": _c("purpose"), "days": "30"})  # type: ignore[dict-item]
    assert granted.status_code == 302
    from tests.workforce.test_agreements import good_form, post_agreement

    assert post_agreement(sam, jordan, good_form(places=_c("places"))).startswith("/agreements/")
    person = client("alex")
    post_form(person, "/my/peer-worker/request", {"worker_id": str(user_id(app, "tui"))}, form_page="/my/peer-worker")
    waiting = rows(get_database(app).engine.url.render_as_string(hide_password=False), "SELECT id FROM worker_requests WHERE subject_id = :s AND state = 'requested'", {"s": alex})[0][0]
    declined = post_form(client("admin"), f"/admin/worker-requests/{waiting}/decline", {"note": _c("decline-note")}, form_page=f"/admin/worker-requests/{waiting}")
    assert declined.status_code == 302
    return ["emergency_accesses", "safety_flags", "risk_concerns", "risk_concern_delays", "consent_provisions", "consent_provision_purposes", "support_agreements", "worker_requests"]
