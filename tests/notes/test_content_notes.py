"""Content notes on note sections: the writer tags a section with a topic from the fixed list
(`workforce.wellbeing.topics`); a peer worker who asked to see that topic folded sees the
section behind "Content note: …" and opens it; everyone else sees it as before. Who may read a
section never changes, and each revision keeps its own tags (revisions are append-only)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.demo.wellbeing import CALL_NOTES
from peernotes.notes import service as notes
from peernotes.notes.models import Note
from peernotes.notes.service.sealing import _canonical, open_revision_strictly
from tests.helpers import csrf_token, demo_email, sign_in, user_id
from tests.notes.test_notes import HEADINGS, _post

TAGGED = "TAGGED-SECTION-CANARY-5c1d"
PLAIN = "PLAIN-SECTION-CANARY-a2e9"
FOLDED = '<details class="content-note">'


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _new_note_page(app: Flask, sam: FlaskClient, content_notes: list[str]):  # type: ignore[no-untyped-def]
    alex = user_id(app, "alex")
    page = f"/people/{alex}/notes/new"
    token = csrf_token(sam.get(page).get_data(as_text=True))
    return sam.post(
        page,
        data={
            "heading": HEADINGS,
            "body": [TAGGED, PLAIN, "", ""],
            "content_note": content_notes,
            "csrf_token": token,
        },
    )


def _note_count(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        return db.query(Note).count()


def _shared_tagged_note(app: Flask) -> int:
    """Sam's note with Alex, section 0 tagged self-harm, approved for the care team."""
    sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "content-notes")
    alex = By(user_id(app, "alex"), Role.CONSUMER, "content-notes")
    with app.app_context(), get_database(app).session() as db:
        note = notes.create(
            db,
            sam,
            alex.id,
            [notes.Section("Saturday", TAGGED, "self_harm"), notes.Section("Helping", PLAIN)],
        )
        notes.propose(db, sam, note.id)
        notes.approve(db, alex, note.id, ["care_team", "care_team"], 1)
        db.commit()
        return note.id


def test_an_unknown_content_note_is_refused_in_the_service() -> None:
    with pytest.raises(notes.NotesError, match="Choose a content note from the list"):
        notes.validate_sections(["Today"], ["Words."], ["not_a_topic"])
    assert notes.validate_sections(["Today"], ["Words."], ["suicide"])[0].content_note == "suicide"
    assert notes.validate_sections(["Today"], ["Words."], [""])[0].content_note is None
    assert notes.validate_sections(["Today"], ["Words."])[0].content_note is None


def test_an_untagged_revision_keeps_the_bytes_it_always_had() -> None:
    # Approval hashes of every note written before content notes must still match.
    assert _canonical([notes.Section("A", "b")]) == b'[{"heading":"A","body":"b"}]'


def test_an_unknown_content_note_from_the_page_stores_nothing(app: Flask) -> None:
    sam = _client(app, "sam")
    before = _note_count(app)
    response = _new_note_page(app, sam, ["made_up", "", "", ""])
    assert response.status_code == 200
    assert "Choose a content note from the list, or none." in response.get_data(as_text=True)
    assert _note_count(app) == before


def test_the_writer_tags_a_section_and_sees_it_folded_the_subject_does_not(app: Flask) -> None:
    sam = _client(app, "sam")  # the demo's Sam asked to see self-harm and suicide folded
    response = _new_note_page(app, sam, ["self_harm", "", "", ""])
    assert response.status_code == 302, response.get_data(as_text=True)
    note_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = sam.get(f"/notes/{note_id}").get_data(as_text=True)
    assert page.count(FOLDED) == 1
    folded = page.split(FOLDED, 1)[1].split("</details>", 1)[0]
    assert "Content note: self-harm. Open to read this section." in folded
    assert TAGGED in folded  # folded, never withheld
    assert PLAIN not in folded
    # The edit form keeps the tag selected, so a revision does not drop it by accident.
    assert '<option value="self_harm" selected>' in page

    # Each revision keeps its own tags: retagging makes a new version, the old one is kept.
    token = csrf_token(page)
    saved = sam.post(
        f"/notes/{note_id}/save",
        data={
            "heading": HEADINGS,
            "body": [TAGGED, PLAIN, "", ""],
            "content_note": ["", "abuse", "", ""],
            "based_on": "1",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 302
    with app.app_context(), get_database(app).session() as db:
        note = db.get_one(Note, note_id)
        first, _ = open_revision_strictly(db, note, 1)
        second, _ = open_revision_strictly(db, note, 2)
    assert [s.content_note for s in first] == ["self_harm", None, None, None]
    assert [s.content_note for s in second] == [None, "abuse", None, None]
    page = sam.get(f"/notes/{note_id}").get_data(as_text=True)
    assert FOLDED not in page  # Sam did not ask for abuse to be folded
    assert "Content note: abuse" in page

    # A refused revision (unknown tag) stores nothing.
    refused = sam.post(
        f"/notes/{note_id}/save",
        data={
            "heading": HEADINGS,
            "body": [TAGGED, PLAIN, "", ""],
            "content_note": ["nope", "", "", ""],
            "based_on": "2",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 302
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(Note, note_id).current_revision == 2


def test_other_readers_see_a_tagged_section_as_before(app: Flask) -> None:
    note_id = _shared_tagged_note(app)
    for key in ("alex", "dr.chen"):
        page = _client(app, key).get(f"/notes/{note_id}").get_data(as_text=True)
        assert FOLDED not in page, key
        assert "Content note: self-harm" in page and TAGGED in page, key
    sam = _client(app, "sam").get(f"/notes/{note_id}").get_data(as_text=True)
    assert sam.count(FOLDED) == 1 and TAGGED in sam


def test_a_list_never_excerpts_a_section_the_reader_asked_to_fold(app: Flask) -> None:
    note_id = _shared_tagged_note(app)
    sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "content-notes")
    alex = By(user_id(app, "alex"), Role.CONSUMER, "content-notes")
    with app.app_context(), get_database(app).session() as db:
        note = db.get_one(Note, note_id)
        # Sam's excerpt comes from the next section; Alex's from the first, as before.
        assert notes.words_for(db, sam, [note])[note_id] == PLAIN
        assert notes.words_for(db, alex, [note])[note_id] == TAGGED


def test_the_demo_folds_a_section_of_sams_draft_with_alex(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as db:
        note_id = (
            db.query(Note.id)
            .filter(
                Note.author_id == user_id(app, "sam"),
                Note.subject_id == user_id(app, "alex"),
                Note.state == "draft",
            )
            .scalar()
        )
    page = _client(app, "sam").get(f"/notes/{note_id}").get_data(as_text=True)
    folded = page.split(FOLDED, 1)[1].split("</details>", 1)[0]
    assert "Content note: self-harm" in folded and str(escape(CALL_NOTES)) in folded


def test_a_filed_section_keeps_its_content_note_in_the_record(app: Flask) -> None:
    note_id = _shared_tagged_note(app)
    sam, alex = _client(app, "sam"), _client(app, "alex")
    grant = {
        "grantee": f"person:{user_id(app, 'sam')}",
        "categories": "care_plan",
        "act": "contribute",
        "purpose": "Sam can add our plans",
        "days": "30",
    }
    assert _post(alex, "/my/consent", grant, "/my/consent").status_code == 302
    filed = _post(sam, f"/notes/{note_id}/file", {"section": "0", "category": "care_plan"})
    assert filed.status_code == 302 and "/record/" in filed.headers["Location"]
    entry = sam.get(filed.headers["Location"]).get_data(as_text=True)
    assert '<details class="card content-note">' in entry and TAGGED in entry
