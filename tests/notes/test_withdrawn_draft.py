"""A draft withdrawn before it was ever proposed stays its author's alone: withdrawing it does
not show it to the person it is about, through any door."""

from __future__ import annotations

from flask import Flask

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.notes import service as notes
from tests.api.tokens import Api, make_token
from tests.helpers import client_as, user_id

SECRET = "DRAFT-SECRET never proposed"


def test_a_withdrawn_draft_is_not_shown_to_its_subject(app: Flask) -> None:
    client = app.test_client()
    sam, alex = Api(client, make_token(app, "sam")), Api(client, make_token(app, "alex"))
    made = sam.post(
        "/notes",
        {"subject_id": user_id(app, "alex"), "sections": [{"heading": "Today", "body": SECRET}]},
    )
    assert made.status_code == 201, made.get_json()
    note = made.get_json()["id"]
    assert alex.get(f"/notes/{note}").status_code == 404
    with app.app_context(), get_database(app).session() as db:
        notes.withdraw(db, By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "t"), note)
        db.commit()
    assert sam.get(f"/notes/{note}").get_json()["state"] == "withdrawn"

    assert alex.get(f"/notes/{note}").status_code == 404
    listed = alex.get("/notes").get_json()
    assert note not in [n["id"] for n in listed["items"]]
    timeline = alex.get(f"/people/{user_id(app, 'alex')}/timeline", limit=100).get_json()
    assert note not in [i["id"] for i in timeline["items"] if i["kind"] == "note"]
    page = client_as(app, "alex").get(f"/notes/{note}")
    assert page.status_code == 404 and SECRET not in page.get_data(as_text=True)
