"""The auditor's review pages and each person's "who has looked at my information" page."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from peernotes.db import get_database
from tests.audit.helpers import rows, tamper
from tests.helpers import demo_email, post_form, sign_in, user_id


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'href="/audit/entries/(\d+)"', page)]


def _auditor(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, demo_email("auditor"))
    return client


def _count(app: Flask, where: str = "1=1", **params: object) -> int:
    return int(rows(_url(app), f"SELECT count(*) FROM audit_log WHERE {where}", params)[0][0])  # type: ignore[arg-type]


def test_the_log_lists_newest_first_and_pages_by_keyset(app: Flask) -> None:
    for _ in range(30):  # plenty of entries: failed sign-ins from a visitor
        sign_in(app.test_client(), "nobody@peernotes.example", "wrong password entirely")
    auditor = _auditor(app)
    first = auditor.get("/audit").get_data(as_text=True)
    seqs = _seqs(first)
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    older_link = re.search(r'href="(/audit\?[^"]*before=(\d+))"', first)
    assert older_link
    second = auditor.get(older_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    second_seqs = _seqs(second)
    assert second_seqs and max(second_seqs) == min(seqs) - 1  # no gap, no overlap
    newer = re.search(r'href="(/audit\?[^"]*after=\d+)"', second)
    assert newer
    back = _seqs(auditor.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True))
    assert back == seqs


def test_filters_narrow_the_list(app: Flask) -> None:
    sam = app.test_client()
    sign_in(sam, demo_email("sam"))
    sam.get("/admin/teams")  # a denial
    auditor = _auditor(app)
    sam_id, alex_id = user_id(app, "sam"), user_id(app, "alex")

    def listed(query: str) -> list[int]:
        return _seqs(auditor.get(f"/audit?{query}").get_data(as_text=True))

    denials = listed("denied_only=y")
    assert denials and set(denials) == {
        r[0] for r in rows(_url(app), "SELECT seq FROM audit_log WHERE outcome = 'denied'")
    }
    by_sam = listed(f"actor_id={sam_id}")
    assert set(by_sam) == {r[0] for r in rows(_url(app), "SELECT seq FROM audit_log WHERE actor_id = :a", {"a": sam_id})}
    about_alex = listed(f"subject_id={alex_id}")
    assert about_alex and all(
        rows(_url(app), "SELECT subject_id FROM audit_log WHERE seq = :s", {"s": s})[0][0] == alex_id
        for s in about_alex
    )
    assert set(listed("action=auth:login")) == {r[0] for r in rows(_url(app), "SELECT seq FROM audit_log WHERE action = 'auth:login'")}
    assert set(listed("basis=no_perm")) == {r[0] for r in rows(_url(app), "SELECT seq FROM audit_log WHERE basis = 'no_permission'")}
    assert listed("date_from=2000-01-01&date_to=2000-01-02") == []
    assert listed("outcome=allowed&denied_only=y") == denials  # denials only wins


def test_bad_filter_input_shows_an_error_and_no_entries(app: Flask) -> None:
    auditor = _auditor(app)
    for query, message in [
        ("basis=%25%27%3B--", "letters, digits"),
        ("date_from=yesterday", "Not a valid date"),
        ("date_from=2026-05-02&date_to=2026-05-01", "before the start date"),
        ("action=record:delete", "Not a valid choice"),
    ]:
        response = auditor.get(f"/audit?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page.replace("&#39;", "'"), query
        assert _seqs(page) == []


def test_auditors_own_views_are_logged_with_whom_they_were_about(app: Flask) -> None:
    auditor = _auditor(app)
    alex = user_id(app, "alex")
    before = _count(app, "action = 'audit:list'")
    auditor.get(f"/audit?subject_id={alex}")
    assert _count(app, "action = 'audit:list' AND subject_id = :s", s=alex) == 1
    seq = _seqs(auditor.get(f"/audit?subject_id={alex}").get_data(as_text=True))[0]
    detail = auditor.get(f"/audit/entries/{seq}")
    assert detail.status_code == 200 and f"Access-log entry {seq}" in detail.get_data(as_text=True)
    assert _count(app, "action = 'audit:view' AND target_id = :t AND subject_id = :s", t=str(seq), s=alex) == 1
    assert _count(app, "action = 'audit:list'") == before + 2


def test_export_matches_the_filter_and_neutralises_formulas(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    post_form(admin, "/admin/accounts", {"display_name": "=HYPERLINK(\"http://x\")", "email": "formula@peernotes.example", "role": "consumer", "password": "long enough password"})
    auditor = _auditor(app)
    response = auditor.get("/audit/export.csv?action=admin:account_create")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    expected = _count(app, "action = 'admin:account_create'")
    assert len(table) == expected and all(r["action"] == "admin:account_create" for r in table)
    names = [r["subject_name"] for r in table]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert not any(n.startswith("=") for n in names)
    assert _count(app, "action = 'audit:export'") == 1


def test_verify_now_reports_an_intact_log_and_then_the_first_bad_entry(app: Flask) -> None:
    auditor = _auditor(app)
    page = post_form(auditor, "/audit/verify", {}, form_page="/audit").get_data(as_text=True)
    assert "The log is intact" in page
    tamper(_url(app), [("UPDATE audit_log SET basis = 'consent:1' WHERE seq = 4", {})])
    page = post_form(auditor, "/audit/verify", {}, form_page="/audit").get_data(as_text=True)
    assert "tampered with" in page and "number 4" in page


def test_auditor_pages_show_metadata_only(app: Flask) -> None:
    """The log has no column that could hold content; the pages show exactly its columns."""
    columns = {c["name"] for c in inspect(get_database(app).engine).get_columns("audit_log")}
    assert columns == {
        "seq", "occurred_at_us", "actor_id", "actor_role", "action", "subject_id",
        "target_type", "target_id", "outcome", "basis", "request_id", "mac",
    }


# The consumer's page -------------------------------------------------------------------------


def test_consumer_sees_entries_about_them_in_plain_words(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    post_form(admin, "/admin/assignments", {"worker_id": str(user_id(app, "tui")), "subject_id": str(user_id(app, "alex")), "team_id": "0", "starts_on": "2026-11-01", "ends_on": ""})
    _auditor(app).get(f"/audit?subject_id={user_id(app, 'alex')}")
    maya = app.test_client()
    sign_in(maya, demo_email("maya"))
    nomination = rows(_url(app), "SELECT id FROM carer_nominations WHERE consumer_id = :c", {"c": user_id(app, "alex")})[0][0]
    post_form(maya, f"/my/carers/{nomination}/end", {}, form_page="/my/carers")

    alex = app.test_client()
    sign_in(alex, demo_email("alex"))
    page = alex.get("/my/access-log").get_data(as_text=True).replace("&#39;", "'")
    assert (
        "Priya Raman (coordinator) set up your support with Tui Henare,"
        " as the service's coordinator." in page
    )
    assert (
        "Graham Okafor (auditor) reviewed the access-log entries about you,"
        " as an auditor, who checks how information is used." in page
    )
    assert (
        "Maya Thompson (consumer) tried to remove Linh Nguyen as your carer,"
        " and was refused: it is not theirs to see or change." in page
    )
    assert "You named Linh Nguyen as your carer." in page
    # Nothing about other people, and their own visits are not listed back to them.
    assert "Jordan" not in page
    assert "looked at who has looked" not in page
    assert _count(app, "action = 'audit:view_own' AND actor_id = :a", a=user_id(app, "alex")) == 1


def test_care_team_members_are_named_as_such(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    # Ending Sam's assignment to Alex is done by the coordinator; Sam is in Alex's care team
    # until then. An auditor is never "your care team".
    alex = signed_in("alex")
    _auditor(app).get(f"/audit?subject_id={user_id(app, 'alex')}")
    page = alex.get("/my/access-log").get_data(as_text=True)
    assert "(auditor, your care team)" not in page
    assert "(auditor)" in page


def test_a_carer_sees_entries_about_themselves(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    linh = signed_in("linh")
    page = linh.get("/my/access-log").get_data(as_text=True).replace("&#39;", "'")
    # The demo loader did.
    assert "The PeerNotes service created your account, using the service's own tools." in page
    # Alex naming Linh is about Alex, so it is on Alex's page, not Linh's.
    assert "named" not in page
