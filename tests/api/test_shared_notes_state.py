"""A note shared with a reader is listed as the version the person approved: its live state
(the writer amending it, the person declining the change) is not the reader's to know."""

from __future__ import annotations

from flask import Flask

from tests.api.tokens import Api, bearer, make_token
from tests.helpers import user_id


def test_a_shared_note_being_amended_is_still_listed_as_shared(app: Flask) -> None:
    client = app.test_client()
    sam, chen = Api(client, make_token(app, "sam")), Api(client, make_token(app, "dr.chen"))
    alex = user_id(app, "alex")
    listed = chen.get("/notes").get_json()["shared"]
    shared = next(n for n in listed if n["subject_id"] == alex)
    before = dict(shared)
    note = sam.get(f"/notes/{shared['id']}").get_json()
    revised = sam.post(
        f"/notes/{shared['id']}/revisions",
        {"based_on": note["revision"], "sections": [{"heading": "Changed", "body": "New words."}]},
    )
    assert revised.status_code == 200, revised.get_json()
    # Revising a shared note puts the change to the person at once.
    assert sam.get(f"/notes/{shared['id']}").get_json()["state"] == "proposed"

    after = next(n for n in chen.get("/notes").get_json()["shared"] if n["id"] == shared["id"])
    assert after == before  # nothing about the amendment under way shows
    assert after["state"] == "shared"
    search = client.get(
        f"/fhir/DocumentReference?subject=Patient/{alex}&_count=100",
        headers=bearer(chen.token),
    ).get_json()
    [listed_note] = [
        e["resource"] for e in search["entry"] if e["resource"]["id"] == f"note-{shared['id']}"
    ]
    assert listed_note["docStatus"] == "final"
