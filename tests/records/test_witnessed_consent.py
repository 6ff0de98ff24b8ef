"""A worker records a consent change with the consumer present ("witnessed by"); the consumer's
history keeps every version with its receipt and who made it."""

from __future__ import annotations

from flask import Flask

from peernotes.db import get_database
from tests.audit.helpers import rows
from tests.helpers import demo_email, post_form, sign_in, user_id


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _client(app: Flask, key: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


GRANT = {
    "categories": "care_plan",
    "act": "read",
    "purpose": "asked for it in our session",
    "days": "30",
}


def test_a_worker_records_a_change_with_the_consumer_present(app: Flask) -> None:
    sam = _client(app, "sam")  # Alex's peer worker
    alex_id, sam_id, linh_id = user_id(app, "alex"), user_id(app, "sam"), user_id(app, "linh")
    path = f"/people/{alex_id}/consent"
    # Only what comes after the demo (which shares Alex's letters with Sam) is looked at here.
    (directives,) = rows(_url(app), "SELECT count(*) FROM consent_directives")[0]
    (seq,) = rows(_url(app), "SELECT max(seq) FROM audit_log")[0]

    # Without saying the consumer is present, nothing is stored.
    refused = post_form(sam, path, {**GRANT, "grantee": f"person:{linh_id}"})
    assert "Only with the consumer present." in refused.get_data(as_text=True)
    # Nor may the worker record a permission that reaches themselves, however it is phrased.
    for grantee in (f"person:{sam_id}", "role:consumer_peer_worker"):
        own = post_form(sam, path, {**GRANT, "grantee": grantee, "present": "y"})
        assert "You cannot record a permission for yourself" in own.get_data(as_text=True)
    assert rows(_url(app), "SELECT count(*) FROM consent_directives") == [(directives,)]

    done = post_form(sam, path, {**GRANT, "grantee": f"person:{linh_id}", "present": "y"})
    assert done.status_code == 302
    assert rows(
        _url(app),
        "SELECT created_by_id, witnessed_by_id FROM consent_directives ORDER BY id DESC LIMIT 1",
    ) == [(sam_id, sam_id)]
    assert rows(
        _url(app),
        "SELECT outcome, basis FROM audit_log WHERE action = 'consent:grant' AND seq > :s",
        {"s": seq},
    ) == [("allowed", "witnessed")]
    care_plan = rows(
        _url(app),
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = 'care_plan'",
        {"s": alex_id},
    )[0][0]
    linh = _client(app, "linh")  # Alex's mum, his nominated carer
    assert linh.get(f"/people/{alex_id}/record/{care_plan}").status_code == 200

    alex = _client(app, "alex")
    page = alex.get("/my/consent").get_data(as_text=True)
    assert "recorded by Sam Rivera with you present" in page
    assert "Linh Nguyen (carer) can read your care plan until" in page
    history = alex.get("/my/access-log").get_data(as_text=True)
    assert "changed who can see your information" in history and "with you present" in history

    # The worker stops it again, with the consumer present; the history keeps both versions.
    (provision,) = rows(
        _url(app), "SELECT id FROM consent_provisions WHERE person_id = :l", {"l": linh_id}
    )[0]
    stopped = post_form(sam, f"{path}/{provision}/revoke", {"present": "y"}, form_page=path)
    assert stopped.status_code == 302
    assert linh.get(f"/people/{alex_id}/record/{care_plan}").status_code == 404
    page = alex.get("/my/consent").get_data(as_text=True)
    assert "Sharing your care plan with Linh Nguyen (carer) was stopped." in page
    assert page.count("recorded by Sam Rivera with you present") == 2


def test_only_workers_in_the_consumers_care_can_record_for_them(app: Flask) -> None:
    tui = _client(app, "tui")  # Maya's peer worker, not Alex's
    alex_id = user_id(app, "alex")
    (seq,) = rows(_url(app), "SELECT max(seq) FROM audit_log")[0]
    assert tui.get(f"/people/{alex_id}/consent").status_code == 404
    assert rows(
        _url(app),
        "SELECT subject_id, outcome, basis FROM audit_log WHERE action = 'consent:grant'"
        " AND seq > :s",
        {"s": seq},
    ) == [(alex_id, "denied", "not_in_care")]
    assert _client(app, "linh").get(f"/people/{alex_id}/consent").status_code == 403
