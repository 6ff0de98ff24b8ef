"""Emergency access stays in the web pages: opened there with a fresh password and code, it is
no basis for a read through the APIs, even with the same clinician's token."""

from __future__ import annotations

from flask import Flask

from tests.api.tokens import bearer, make_token
from tests.helpers import user_id
from tests.records.test_emergency_flags_training import _break_glass, _client, _entry


def test_a_token_reads_nothing_under_emergency_access(app: Flask) -> None:
    walsh = _client(app, "dr.walsh")
    jordan = user_id(app, "jordan")
    note = _entry(app, "jordan", "clinical_note")
    token = bearer(make_token(app, "dr.walsh"))
    api = app.test_client()
    paths = (
        f"/api/v1/people/{jordan}/record/{note}",
        f"/fhir/DocumentReference/record-{note}",
    )
    for path in paths:
        assert api.get(path, headers=token).status_code == 404, path

    assert _break_glass(app, walsh, "jordan").status_code == 302
    # The web page reads under it, as it should ...
    assert walsh.get(f"/people/{jordan}/record/{note}").status_code == 200
    # ... and the app, with the same clinician's token, still reads nothing.
    for path in paths:
        assert api.get(path, headers=token).status_code == 404, path
    listing = api.get(f"/api/v1/people/{jordan}/record", headers=token)
    assert listing.status_code == 404 or listing.get_json()["items"] == []
