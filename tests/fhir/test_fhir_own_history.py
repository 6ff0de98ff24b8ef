"""A person's own AuditEvents say what their own history page says, and keep what it keeps: a
refusal caused by a safety flag they were not told of does not name the flag."""

from __future__ import annotations

import json

from flask import Flask

from tests.api.tokens import bearer, make_token
from tests.helpers import client_as, post_form, user_id


def test_an_untold_flag_is_not_named_in_the_persons_own_audit_events(app: Flask) -> None:
    alex = user_id(app, "alex")
    chen = client_as(app, "dr.chen")
    flagged = post_form(
        chen,
        f"/people/{alex}/safety",
        {
            "kind": "family_violence",
            "reason": "Reported at the clinic.",
            "do_not_tell": "y",
            "not_told_because": "Telling Alex now could raise the risk.",
        },
    )
    assert flagged.status_code == 302
    # Linh, Alex's carer, is refused because of the flag, through FHIR.
    linh = bearer(make_token(app, "linh"))
    api = app.test_client()
    assert api.get(f"/fhir/DocumentReference?subject=Patient/{alex}", headers=linh).status_code
    # The refusal is on record with its real reason, for auditors ...
    auditor = api.get(
        f"/fhir/AuditEvent?patient=Patient/{alex}", headers=bearer(make_token(app, "auditor"))
    )
    assert "safety_flag" in auditor.get_data(as_text=True)
    # ... and Alex's own AuditEvents tell him of Linh's attempt without naming the flag.
    own = api.get("/fhir/AuditEvent?_count=100", headers=bearer(make_token(app, "alex")))
    assert own.status_code == 200
    body = own.get_data(as_text=True)
    assert "safety_flag" not in body and "safety flag" not in body.lower()
    linh_id = str(user_id(app, "linh"))
    about_linh = [
        e["resource"]
        for e in json.loads(body)["entry"]
        if e["resource"]["agent"][0].get("who", {}).get("identifier", {}).get("value") == linh_id
    ]
    assert about_linh and all(e["outcome"] != "0" for e in about_linh)
    assert all(e["outcomeDesc"] for e in about_linh)
