"""Recovery-oriented language for every writer (issue 17): the check runs on clinicians'
record entries (written and amended) and peer workers' risk concerns as on notes, with the
same suggestions, never blocking a save; coordinators add and retire the service's own
terms (stored, logged, applied on top of the packaged list); nobody else may."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.demo.language_oncall import ENTRY, SERVICE_TERM
from peernotes.language import service as language
from peernotes.language.models import ServiceTerm
from peernotes.notes import service as notes
from peernotes.records.models import RecordEntry
from tests.helpers import client_as, count_rows, last_entry, post_with_token, user_id

#: Words of packaged suggestions, as a page shows them (no apostrophes: those are escaped).
MANIPULATIVE = "Describe what the person did and the need behind it"
FREQUENT_FLYER = "Say what happened"
ATTENTION_SEEKING = "seeking connection"
#: The demo's own term's suggestion, its first words.
REVOLVING_DOOR = "Say what keeps bringing the person back"

NEW_TERM = ("kicking off", "Say what the person did and what they were upset about.")


def _language_messages(html: str) -> list[str]:
    return [part.split("</p>")[0] for part in html.split('class="message message-language">')[1:]]


def _add_term(app: Flask, term: str, suggestion: str) -> None:
    admin = client_as(app, "admin")
    response = post_with_token(
        admin, "/admin/language", {"term": term, "suggestion": suggestion, "why": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# Record entries -------------------------------------------------------------------------------


def test_a_clinicians_new_entry_is_saved_and_shows_the_suggestion(app: Flask) -> None:
    alex = user_id(app, "alex")
    before = count_rows(app, "record_entries")
    chen = client_as(app, "dr.chen")
    response = post_with_token(
        chen,
        f"/people/{alex}/record/new",
        {
            "category": "clinical_note",
            "title": "Review",
            "body": "Alex was manipulative with the ward staff about leave.",
        },
    )
    # Saved, not held back: the redirect goes to the new entry.
    assert response.status_code == 302
    assert f"/people/{alex}/record/" in response.headers["Location"]
    assert count_rows(app, "record_entries") == before + 1
    page = chen.get(response.headers["Location"]).get_data(as_text=True)
    messages = _language_messages(page)
    assert len(messages) == 1
    assert "[manipulative]" in messages[0] and MANIPULATIVE in messages[0]
    assert "In “Entry”" in messages[0]


def test_an_entry_without_such_words_gets_no_suggestion(app: Flask) -> None:
    alex = user_id(app, "alex")
    chen = client_as(app, "dr.chen")
    response = post_with_token(
        chen,
        f"/people/{alex}/record/new",
        {"category": "clinical_note", "title": "Review", "body": "Alex asked for more support."},
    )
    page = chen.get(response.headers["Location"]).get_data(as_text=True)
    assert _language_messages(page) == []


def test_an_amended_entry_is_saved_and_shows_the_suggestion(app: Flask) -> None:
    alex = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        entry = db.scalars(select(RecordEntry).where(RecordEntry.subject_id == alex)).first()
        assert entry is not None
        entry_id, revision = entry.id, entry.latest_revision
    chen = client_as(app, "dr.chen")
    response = post_with_token(
        chen,
        f"/people/{alex}/record/{entry_id}/amend",
        {
            "title": "Care plan, spring (frequent flyer)",
            "body": "Alex wants to return to part-time study.",
            "reason": "Adding the ED visits from this month.",
        },
    )
    assert response.status_code == 302
    page = chen.get(response.headers["Location"]).get_data(as_text=True)
    messages = _language_messages(page)
    assert len(messages) == 1 and FREQUENT_FLYER in messages[0] and "In “Title”" in messages[0]
    with app.app_context(), get_database(app).session() as db:
        assert db.get_one(RecordEntry, entry_id).latest_revision == revision + 1


@pytest.mark.parametrize(("key", "shown"), [("dr.chen", True), ("jordan", False)])
def test_the_entry_page_shows_suggestions_only_to_who_may_amend_it(
    app: Flask, key: str, shown: bool
) -> None:
    """The demo's entry on Jordan's record: Dr Chen, who may amend it, sees the suggestions
    (the packaged term and the service's own); Jordan reads her entry without them."""
    jordan = user_id(app, "jordan")
    with app.app_context(), get_database(app).session() as db:
        entry_id = db.scalars(
            select(RecordEntry.id).where(
                RecordEntry.subject_id == jordan, RecordEntry.author_id == user_id(app, "dr.chen")
            )
        ).all()
    client = client_as(app, key)
    pages = [client.get(f"/people/{jordan}/record/{i}") for i in entry_id]
    demo = [p.get_data(as_text=True) for p in pages if ENTRY[2] in p.get_data(as_text=True)]
    assert len(demo) == 1
    assert ("Language suggestions" in demo[0]) is shown
    assert (ATTENTION_SEEKING in demo[0] and REVOLVING_DOOR in demo[0]) is shown


# Risk concerns --------------------------------------------------------------------------------


def test_a_risk_concern_is_raised_and_shows_the_suggestion(app: Flask) -> None:
    alex = user_id(app, "alex")
    before = count_rows(app, "risk_concerns")
    sam = client_as(app, "sam")
    response = post_with_token(
        sam,
        f"/people/{alex}/risk/new",
        {
            "observed": "Alex has not slept and staff called it attention seeking.",
            "why_now": "He said he does not feel safe tonight.",
            "what_done": "I stayed on the phone and called the crisis team with him.",
        },
    )
    assert response.status_code == 302
    assert count_rows(app, "risk_concerns") == before + 1
    page = sam.get(response.headers["Location"]).get_data(as_text=True)
    messages = _language_messages(page)
    assert len(messages) == 1 and ATTENTION_SEEKING in messages[0]


# The service's own terms ----------------------------------------------------------------------


def test_the_demo_has_a_coordinators_term(app: Flask) -> None:
    assert count_rows(app, "language_terms", "term = :t", {"t": SERVICE_TERM[0]}) == 1


def test_a_coordinators_term_is_stored_logged_and_checked_everywhere(app: Flask) -> None:
    term, suggestion = NEW_TERM
    _add_term(app, *NEW_TERM)
    assert count_rows(app, "language_terms", "term = :t", {"t": term}) == 1
    actor, subject, target_type, target_id, outcome, basis = last_entry(
        app, "admin:language_term_add"
    )
    assert (actor, subject, target_type, outcome, basis) == (
        user_id(app, "admin"),
        None,
        "language_term",
        "allowed",
        "role:admin",
    )
    # A clinician's entry…
    alex = user_id(app, "alex")
    chen = client_as(app, "dr.chen")
    response = post_with_token(
        chen,
        f"/people/{alex}/record/new",
        {"category": "clinical_note", "title": "Ward", "body": "Alex started kicking off at 9."},
    )
    page = chen.get(response.headers["Location"]).get_data(as_text=True)
    assert any(suggestion in m for m in _language_messages(page))
    # …and a peer worker's note, through the one check.
    sam = client_as(app, "sam")
    bodies = ["We talked about Kicking-off at home.", "", "", ""]
    response = post_with_token(
        sam,
        f"/people/{alex}/notes/new",
        {"heading": list(notes.DEFAULT_SECTIONS), "body": bodies},
    )
    assert response.status_code == 302
    page = sam.get(response.headers["Location"]).get_data(as_text=True)
    assert any("[Kicking-off]" in m and suggestion in m for m in _language_messages(page)), (
        _language_messages(page)
    )


def test_a_retired_term_is_kept_logged_and_no_longer_checked(app: Flask) -> None:
    _add_term(app, *NEW_TERM)
    with app.app_context(), get_database(app).session() as db:
        row = db.scalars(select(ServiceTerm).where(ServiceTerm.term == NEW_TERM[0])).one()
        assert [f.term for f in language.check(db, "then kicking off")] == [NEW_TERM[0]]
        term_id = row.id
        db.rollback()
    admin = client_as(app, "admin")
    response = post_with_token(admin, f"/admin/language/{term_id}/retire", {})
    assert response.status_code == 302
    coordinator = user_id(app, "admin")
    with app.app_context(), get_database(app).session() as db:
        row = db.get_one(ServiceTerm, term_id)
        assert row.retired_at is not None and row.retired_by_id == coordinator
        assert language.check(db, "then kicking off") == []
        # The packaged list is untouched.
        assert [f.term for f in language.check(db, "so manipulative")] == ["manipulative"]
    assert last_entry(app, "admin:language_term_retire")[2:5] == (
        "language_term",
        str(term_id),
        "allowed",
    )
    # Retiring twice changes nothing and says so.
    page = post_with_token(admin, f"/admin/language/{term_id}/retire", {})
    assert "retired already" in admin.get(page.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("term", "suggestion", "error"),
    [
        ("", "Say it kindly.", "Write the word or phrase"),
        ("Manipulative", "Say it kindly.", "already checked"),
        ("attention-seeking", "Say it kindly.", "already checked"),
        ("revolving  door", "Say it kindly.", "already checked"),
        ("a/b", "Say it kindly.", "letters or digits"),
        ("x" * 81, "Say it kindly.", "80 characters"),
        ("kicking off", "   ", "Say what to write instead"),
    ],
)
def test_a_bad_term_is_refused_and_nothing_is_stored(
    app: Flask, term: str, suggestion: str, error: str
) -> None:
    before = count_rows(app, "language_terms")
    admin = client_as(app, "admin")
    response = post_with_token(
        admin, "/admin/language", {"term": term, "suggestion": suggestion, "why": ""}
    )
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert count_rows(app, "language_terms") == before


@pytest.mark.parametrize("key", ["dr.chen", "sam", "helen", "alex", "linh", "auditor"])
def test_only_coordinators_manage_the_terms(app: Flask, key: str) -> None:
    before = count_rows(app, "language_terms")
    client = client_as(app, key)
    assert client.get("/admin/language").status_code == 403
    posted = post_with_token(
        client, "/admin/language", {"term": "kicking off", "suggestion": "Say it.", "why": ""}
    )
    assert posted.status_code == 403
    assert post_with_token(client, "/admin/language/1/retire", {}).status_code == 403
    assert count_rows(app, "language_terms") == before
    assert count_rows(app, "language_terms", "retired_at IS NOT NULL") == 0


def test_the_service_refuses_and_logs_a_non_coordinator(app: Flask) -> None:
    chen = user_id(app, "dr.chen")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(language.LanguageError):
            language.add_term(db, By(chen, Role.CLINICIAN, "t"), "kicking off", "Say it.")
        with pytest.raises(language.LanguageError):
            language.retire_term(db, By(chen, Role.CLINICIAN, "t"), 1)
        db.commit()
    assert last_entry(app, "admin:language_term_add")[0::4] == (chen, "denied")
    assert last_entry(app, "admin:language_term_retire")[0::4] == (chen, "denied")
    assert count_rows(app, "language_terms", "term = 'kicking off'") == 0


def test_the_coordinators_page_lists_both_lists(app: Flask) -> None:
    page = client_as(app, "admin").get("/admin/language").get_data(as_text=True)
    assert SERVICE_TERM[0] in page
    assert "terms that come with PeerNotes" in page and "manipulative" in page
