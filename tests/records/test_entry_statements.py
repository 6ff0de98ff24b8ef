"""The person's voice on their medical record: their own words and correction requests on a
record entry, and a clinician's answer, through the real pages (real forms, real CSRF tokens).

Who may write them, who reads them (everyone who may read the entry, wherever it is shown), the
refusals (a 404 exactly like a missing entry, logged about the entry's real subject, nothing
stored), bad input, and what the database keeps (sealed text, append-only rows).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from peernotes.db import make_engine
from peernotes.records.service import MAX_STATEMENT
from tests.helpers import (
    app_database_url,
    client_as,
    count_rows,
    csrf_token,
    last_entry,
    post_form,
    query,
    user_id,
    without_csrf,
)

OWN_WORDS = "Study matters to me, but only two subjects at first. I chose that myself."
CORRECTION = "I prefer a text message first, then a call. A visit makes it worse."
ANSWER = "Thank you. I have changed the plan to say: a text first, then a call."
#: The entry these tests speak on. (The demo has Alex ask for a correction on his medication
#: review; that one is left alone here, and other entries' words must not show on this one.)
CATEGORY = "care_plan"


def _entry(app: Flask, key: str, category: str) -> int:
    found = query(
        app,
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = :c ORDER BY id",
        {"s": user_id(app, key), "c": category},
    )
    return int(found[0][0])  # type: ignore[call-overload]


def _page(app: Flask, key: str = "alex", category: str = CATEGORY) -> str:
    return f"/people/{user_id(app, key)}/record/{_entry(app, key, category)}"


def _statements(app: Flask) -> int:
    return count_rows(app, "record_entry_statements")


def _listed(html: str, entry: int) -> str:
    """The record list's line for one entry, as text."""
    found = re.search(rf'<li><a href="[^"]*/record/{entry}">(.*?)</li>', html, re.S)
    assert found, entry
    return _plain(found.group(1)).strip()


def _say(client: FlaskClient, page: str, kind: str, words: str) -> tuple[int, str]:
    """Send the person's words from the entry's page, as its form does; (status, page shown)."""
    response = post_form(
        client, f"{page}/statements", {"kind": kind, "text": words}, form_page=page
    )
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def _correction_ids(app: Flask, kind: str = "correction") -> list[int]:
    """The statements of this kind on the tests' entry, oldest first."""
    rows = query(
        app,
        "SELECT id FROM record_entry_statements WHERE kind = :k AND entry_id = :e ORDER BY id",
        {"k": kind, "e": _entry(app, "alex", CATEGORY)},
    )
    return [int(r[0]) for r in rows]  # type: ignore[call-overload]


def _answer(client: FlaskClient, page: str, correction: int, words: str) -> tuple[int, str]:
    response = post_form(
        client, f"{page}/corrections/{correction}/answer", {"text": words}, form_page=page
    )
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def _plain(html: str) -> str:
    """The page's text with its whitespace folded, for finding sentences across tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _grant_sam_the_care_plan(app: Flask, alex: FlaskClient) -> None:
    response = post_form(
        alex,
        "/my/consent",
        {
            "grantee": f"person:{user_id(app, 'sam')}",
            "categories": CATEGORY,
            "act": "read",
            "purpose": "so Sam knows how I am really doing",
            "days": "30",
        },
    )
    assert response.status_code == 302


def _said_and_answered(app: Flask) -> tuple[str, int]:
    """Alex adds his own words and asks for a correction on his medication review; Dr Chen
    (in his care) answers. Returns the entry's page and the correction's id."""
    page = _page(app)
    alex = client_as(app, "alex")
    assert _say(alex, page, "own_words", OWN_WORDS)[0] == 302
    assert _say(alex, page, "correction", CORRECTION)[0] == 302
    (correction,) = _correction_ids(app)
    assert _answer(client_as(app, "dr.chen"), page, correction, ANSWER)[0] == 302
    return page, correction


# Writing, and the access log ----------------------------------------------------------------


def test_the_person_adds_their_words_and_asks_for_a_correction(app: Flask) -> None:
    alex, alex_id = client_as(app, "alex"), user_id(app, "alex")
    page = _page(app)
    entry = _entry(app, "alex", CATEGORY)
    shown = alex.get(page).get_data(as_text=True)
    assert "Add in my own words" in shown and "Ask for a correction" in shown

    status, shown = _say(alex, page, "own_words", OWN_WORDS)
    assert status == 302
    assert "Your words stay with this entry" in shown and OWN_WORDS in shown
    assert last_entry(app, "record:statement") == (
        alex_id,
        alex_id,
        "record_entry",
        str(entry),
        "allowed",
        "self",
    )
    status, shown = _say(alex, page, "correction", CORRECTION)
    assert status == 302
    assert f"You asked for a correction: {CORRECTION}" in _plain(shown)
    assert "Not answered yet." in shown
    assert query(
        app,
        "SELECT kind, author_id, entry_id, number, answers_id FROM record_entry_statements "
        "WHERE entry_id = :e ORDER BY id",
        {"e": entry},
    ) == [("own_words", alex_id, entry, 1, None), ("correction", alex_id, entry, 2, None)]
    # The entry itself is unchanged: the words sit beside it.
    assert query(app, "SELECT latest_revision FROM record_entries WHERE id = :e", {"e": entry}) == [
        (1,)
    ]


def test_a_clinician_in_care_answers_and_both_see_the_answer(app: Flask) -> None:
    page = _page(app)
    alex = client_as(app, "alex")
    _say(alex, page, "correction", CORRECTION)
    (correction,) = _correction_ids(app)
    chen, chen_id = client_as(app, "dr.chen"), user_id(app, "dr.chen")
    before = chen.get(page).get_data(as_text=True)
    assert CORRECTION in before
    assert f'action="{page}/corrections/{correction}/answer"' in before  # the open request

    status, shown = _answer(chen, page, correction, ANSWER)
    assert status == 302
    assert f"Dr Mei Chen answered: {ANSWER}" in _plain(shown)
    assert f"/corrections/{correction}/answer" not in shown  # answered: no second box
    assert last_entry(app, "record:correction_reply") == (
        chen_id,
        user_id(app, "alex"),
        "record_entry",
        str(_entry(app, "alex", CATEGORY)),
        "allowed",
        "care_assignment",
    )
    assert query(
        app,
        "SELECT author_id, answers_id FROM record_entry_statements WHERE kind = :k",
        {"k": "correction_reply"},
    ) == [(chen_id, correction)]
    mine = _plain(alex.get(page).get_data(as_text=True))
    assert f"You asked for a correction: {CORRECTION}" in mine
    assert f"Dr Mei Chen answered: {ANSWER}" in mine


# Reading: wherever the entry is shown, to whoever may read it ------------------------------


def test_the_words_are_shown_with_the_entry_and_on_the_record_list(app: Flask) -> None:
    page, _ = _said_and_answered(app)
    record = f"/people/{user_id(app, 'alex')}/record"
    entry, medication = _entry(app, "alex", CATEGORY), _entry(app, "alex", "medication")
    for key in ("alex", "dr.chen"):
        client = client_as(app, key)
        shown = _plain(client.get(page).get_data(as_text=True))
        assert OWN_WORDS in shown and CORRECTION in shown and ANSWER in shown, key
        # Each entry carries its own words only.
        assert "not that I am sleeping better" not in shown, key
        listing = client.get(record).get_data(as_text=True)
        mark = "your own words added" if key == "alex" else "their own words added"
        assert _listed(listing, entry).endswith(f"· {mark}; correction answered"), key
        # The demo's request on the medication review is still waiting for Dr Chen.
        assert _listed(listing, medication).endswith("· correction asked for, not answered yet")
    # A new request, not yet answered, reads as waiting on the list.
    _say(client_as(app, "alex"), page, "correction", "And the date is wrong.")
    listing = client_as(app, "dr.chen").get(record).get_data(as_text=True)
    assert _listed(listing, entry).endswith(
        "· their own words added; correction asked for, not answered yet"
    )


def test_the_demo_has_a_correction_request_waiting_for_dr_chen(app: Flask) -> None:
    page = _page(app, "alex", "medication")
    shown = client_as(app, "dr.chen").get(page).get_data(as_text=True)
    assert "Alex Nguyen asked for a correction:" in _plain(shown)
    assert "not that I am sleeping better" in shown
    assert re.search(r'action="[^"]*/corrections/\d+/answer"', shown)


def test_a_peer_worker_with_consent_reads_them_but_cannot_add_or_answer(app: Flask) -> None:
    """Sam may read Alex's care plan by his consent: he reads Alex's words with it, but adding
    to them is Alex's alone, and answering is a clinician's."""
    page, correction = _said_and_answered(app)
    _grant_sam_the_care_plan(app, client_as(app, "alex"))
    sam, alex_id = client_as(app, "sam"), user_id(app, "alex")
    shown = _plain(sam.get(page).get_data(as_text=True))
    assert OWN_WORDS in shown and CORRECTION in shown and ANSWER in shown
    assert "Add in my own words" not in shown and "Ask for a correction" not in shown
    assert "their own words added" in _plain(
        sam.get(f"/people/{alex_id}/record").get_data(as_text=True)
    )

    before = _statements(app)
    token = csrf_token(sam.get(page).get_data(as_text=True))
    # Not his to add to: the same answer as for an entry that does not exist.
    response = sam.post(
        f"{page}/statements", data={"kind": "own_words", "text": "Not mine.", "csrf_token": token}
    )
    missing = sam.post(
        f"/people/{alex_id}/record/999999/statements",
        data={"kind": "own_words", "text": "Not mine.", "csrf_token": token},
    )
    assert response.status_code == missing.status_code == 404
    assert without_csrf(response.get_data()) == without_csrf(missing.get_data())
    assert _statements(app) == before
    refused = query(
        app,
        "SELECT subject_id, outcome, basis FROM audit_log WHERE action = 'record:statement' "
        "AND actor_id = :a ORDER BY seq",
        {"a": user_id(app, "sam")},
    )
    assert refused == [(alex_id, "denied", "not_subject"), (None, "denied", "not_found")]
    # Answering is a clinician's: refused by permission before anything is looked up.
    response = sam.post(
        f"{page}/corrections/{correction}/answer",
        data={"text": "Changed.", "csrf_token": csrf_token(sam.get(page).get_data(as_text=True))},
    )
    assert response.status_code == 403
    assert _statements(app) == before


# Refusals: exactly like a missing entry, logged about the real subject ---------------------


def test_without_access_it_is_the_same_404_as_a_missing_entry_and_nothing_is_stored(
    app: Flask,
) -> None:
    page, correction = _said_and_answered(app)
    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    missing = f"/people/{alex_id}/record/999999"
    sam = client_as(app, "sam")  # Alex's peer worker, with no consent to read his record
    token = csrf_token(sam.get("/").get_data(as_text=True))
    before = _statements(app)

    bodies = []
    for target in (page, missing):
        response = sam.post(
            f"{target}/statements", data={"kind": "own_words", "text": "x", "csrf_token": token}
        )
        assert response.status_code == 404
        bodies.append(without_csrf(response.get_data()))
    assert bodies[0] == bodies[1]
    assert OWN_WORDS not in bodies[0].decode()
    assert _statements(app) == before
    logged = query(
        app,
        "SELECT subject_id, target_id, outcome, basis FROM audit_log "
        "WHERE action = 'record:statement' AND actor_id = :a ORDER BY seq",
        {"a": sam_id},
    )
    assert logged == [
        (alex_id, str(_entry(app, "alex", CATEGORY)), "denied", "no_consent"),
        (None, "999999", "denied", "not_found"),
    ]


def test_another_consumer_cannot_add_to_someone_elses_entry(app: Flask) -> None:
    _said_and_answered(app)
    alex_id, maya_id = user_id(app, "alex"), user_id(app, "maya")
    entry = _entry(app, "alex", CATEGORY)
    maya = client_as(app, "maya")
    token = csrf_token(maya.get("/").get_data(as_text=True))
    before = _statements(app)
    # Under Alex's id and under her own: both answer like an entry that does not exist.
    answers = [
        maya.post(
            f"/people/{person}/record/{entry}/statements",
            data={"kind": "correction", "text": "Not true.", "csrf_token": token},
        )
        for person in (alex_id, maya_id)
    ] + [maya.get(f"/people/{maya_id}/record/999999")]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({without_csrf(a.get_data()) for a in answers}) == 1
    assert _statements(app) == before
    logged = query(
        app,
        "SELECT subject_id, target_id, outcome, basis FROM audit_log "
        "WHERE action = 'record:statement' AND actor_id = :a ORDER BY seq",
        {"a": maya_id},
    )
    # About Alex, whose entry it is, never about Maya, whom the second URL names.
    assert logged == [
        (alex_id, str(entry), "denied", "no_consent"),
        (alex_id, str(entry), "denied", "not_found"),
    ]


def test_a_clinician_who_may_not_add_to_the_entry_cannot_answer(app: Flask) -> None:
    """Dr Walsh reads Alex's record with emergency access (read only, in the demo): she sees
    the request, but answering is adding to the record, which that access never allows."""
    page, _ = _said_and_answered(app)
    _say(client_as(app, "alex"), page, "correction", "The dose is wrong too.")
    waiting = _correction_ids(app)[-1]
    walsh = client_as(app, "dr.walsh")
    shown = walsh.get(page)
    assert shown.status_code == 200 and "The dose is wrong too." in shown.get_data(as_text=True)
    assert "/answer" not in shown.get_data(as_text=True)
    before = _statements(app)
    token = csrf_token(shown.get_data(as_text=True))
    response = walsh.post(
        f"{page}/corrections/{waiting}/answer", data={"text": "Done.", "csrf_token": token}
    )
    assert response.status_code == 404
    assert _statements(app) == before
    assert last_entry(app, "record:correction_reply") == (
        user_id(app, "dr.walsh"),
        user_id(app, "alex"),
        "record_entry",
        str(_entry(app, "alex", CATEGORY)),
        "denied",
        "no_consent",
    )


# Bad input: a clear error, and nothing changes ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words", "error"),
    [
        ("own_words", "   ", "Write what you want to add (up to 4,000 characters)."),
        ("correction", "", "Say what is wrong (up to 4,000 characters)."),
        ("own_words", "x" * (MAX_STATEMENT + 1), "Write what you want to add (up to 4,000"),
        ("correction_reply", "My own answer.", "Choose your own words, or a request for a"),
        ("opinion", "Something.", "Choose your own words, or a request for a correction."),
    ],
    ids=["blank", "empty-correction", "too-long", "a-clinicians-kind", "unknown-kind"],
)
def test_bad_words_are_refused_with_a_clear_error(
    app: Flask, kind: str, words: str, error: str
) -> None:
    page = _page(app)
    alex = client_as(app, "alex")
    before = _statements(app)
    audit_before = count_rows(app, "audit_log", "action = 'record:statement'")
    status, shown = _say(alex, page, kind, words)
    assert status == 200  # the page again, with the error beside the box
    assert error in shown
    assert 'class="errors"' in shown
    assert _statements(app) == before
    assert count_rows(app, "audit_log", "action = 'record:statement'") == audit_before


def test_bad_answers_are_refused_with_a_clear_error(app: Flask) -> None:
    page, correction = _said_and_answered(app)
    (own_words,) = _correction_ids(app, "own_words")
    (answer,) = _correction_ids(app, "correction_reply")
    _say(client_as(app, "alex"), page, "correction", "One more thing.")
    waiting = _correction_ids(app)[-1]
    chen = client_as(app, "dr.chen")
    before = query(app, "SELECT id, kind, answers_id FROM record_entry_statements ORDER BY id")

    status, shown = _answer(chen, page, waiting, "  ")
    assert status == 200 and "Write your answer: what you changed, or why not" in shown
    assert f'id="answer-{waiting}"' in shown and 'aria-invalid="true"' in shown
    status, shown = _answer(chen, page, waiting, "x" * (MAX_STATEMENT + 1))
    assert status == 200 and "up to 4,000 characters" in shown
    for not_a_request in (own_words, answer, 999999):
        status, shown = _answer(chen, page, not_a_request, "Changed.")
        assert status == 302
        assert "There is no such correction request on this entry." in shown
    status, shown = _answer(chen, page, correction, "Answering twice.")
    assert status == 302 and "This correction request has been answered already." in shown
    # A request on another entry of the same record is not this entry's.
    other = _page(app, "alex", "medication")
    status, shown = _answer(chen, other, waiting, "Wrong entry.")
    assert status == 302 and "There is no such correction request on this entry." in shown
    assert (
        query(app, "SELECT id, kind, answers_id FROM record_entry_statements ORDER BY id") == before
    )


def test_a_post_without_its_csrf_token_is_refused(app: Flask) -> None:
    alex = client_as(app, "alex")
    before = _statements(app)
    response = alex.post(f"{_page(app)}/statements", data={"kind": "own_words", "text": "Hi."})
    assert response.status_code == 400
    assert _statements(app) == before


# What the database keeps --------------------------------------------------------------------


def test_the_words_are_sealed_and_never_changed_or_deleted(app: Flask) -> None:
    _said_and_answered(app)
    before = _statements(app)
    stored = query(
        app,
        "SELECT ciphertext FROM record_entry_statements WHERE entry_id = :e",
        {"e": _entry(app, "alex", CATEGORY)},
    )
    assert len(stored) == 3
    for (sealed,) in stored:
        assert isinstance(sealed, bytes | memoryview)
        assert b"text" not in bytes(sealed) and b"changed" not in bytes(sealed)
    engine = make_engine(app_database_url(app))
    try:
        for statement in (
            "UPDATE record_entry_statements SET kind = 'correction_reply'",
            "DELETE FROM record_entry_statements",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    assert _statements(app) == before


def test_the_words_travel_with_the_entry_to_the_timeline_and_the_preview(app: Flask) -> None:
    page, _ = _said_and_answered(app)
    alex_id, chen_id = user_id(app, "alex"), user_id(app, "dr.chen")
    entry = _entry(app, "alex", CATEGORY)
    for key, mark in (("alex", "your own words added"), ("dr.chen", "their own words added")):
        timeline = client_as(app, key).get(f"/people/{alex_id}/timeline").get_data(as_text=True)
        line = re.search(rf'record/{entry}".*?</li>', timeline, re.S)
        assert line is not None and f"{mark}; correction answered" in _plain(line.group(0)), key
    # What Alex is shown of what Dr Chen sees carries them too.
    preview = client_as(app, "alex").get(f"/my/consent/preview?person={chen_id}")
    item = re.search(
        rf'data-item="record_entry:{entry}".*?</li>', preview.get_data(as_text=True), re.S
    )
    assert item is not None and "your own words added" in _plain(item.group(0))
