"""Co-authored notes through their pages: the lifecycle, who sees which section, conflicts,
bad input, the language check, the subject's own words, and encryption at rest."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from peernotes.db import get_database, make_engine
from tests.audit.helpers import rows
from tests.helpers import demo_email, sign_in, user_id, without_csrf
from tests.notes.test_audience_matrix import notes_badge
from tests.ops.logcapture import json_logs

HEADINGS = ["What we talked about", "What is helping", "Next steps", "For the care team"]
SECRET = "JUST-US-CANARY-7f2e"
SHARED = "CARE-TEAM-CANARY-19ab"


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _note_form(bodies: list[str], headings: list[str] = HEADINGS) -> dict[str, object]:
    return {"heading": headings, "body": bodies}


def _post(client: FlaskClient, path: str, data: dict[str, object], page: str = "/notes"):  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_token

    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _last(app: Flask, action: str) -> tuple[object, ...]:
    return rows(
        _url(app),
        "SELECT actor_id, subject_id, target_id, outcome, basis FROM audit_log "
        "WHERE action = :a ORDER BY seq DESC LIMIT 1",
        {"a": action},
    )[0]


def _new_note(app: Flask, sam: FlaskClient, bodies: list[str]) -> int:
    alex = user_id(app, "alex")
    response = _post(
        sam, f"/people/{alex}/notes/new", _note_form(bodies), f"/people/{alex}/notes/new"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_whole_journey_and_who_sees_what(app: Flask) -> None:
    sam, alex = _client(app, "sam"), _client(app, "alex")
    note = _new_note(
        app, sam, ["Talked about study. " + SECRET, "Walking", "Call the office", SHARED]
    )
    # A draft is Sam's alone.
    assert alex.get(f"/notes/{note}").status_code == 404
    assert _last(app, "note:read")[3:] == ("denied", "draft")
    assert _post(sam, f"/notes/{note}/propose", {}).status_code == 302
    page = alex.get(f"/notes/{note}").get_data(as_text=True)
    assert (
        SECRET in page and "Nothing in this note reaches anyone else until you approve it" in page
    )
    waiting = alex.get("/notes").get_data(as_text=True)
    assert f'href="/notes/{note}">Talked about study. {SECRET}</a>' in waiting
    assert "By Sam Rivera · waiting for your review" in waiting
    assert notes_badge(alex.get("/").get_data(as_text=True)) == "2"  # and the demo's

    # Alex asks for a change; Sam sees the comment, edits, proposes again.
    assert (
        _post(
            alex, f"/notes/{note}/request-changes", {"comment": "Say walking to the session."}
        ).status_code
        == 302
    )
    assert "Say walking to the session." in sam.get(f"/notes/{note}").get_data(as_text=True)
    saved = _post(
        sam,
        f"/notes/{note}/save",
        {
            **_note_form(
                [
                    "Talked about study. " + SECRET,
                    "Walking to the session",
                    "Call the office",
                    SHARED,
                ]
            ),
            "based_on": "1",
        },
    )
    assert saved.status_code == 302
    assert _post(sam, f"/notes/{note}/propose", {}).status_code == 302

    # Alex approves revision 2: the first section just us, the last for the care team.
    approved = _post(
        alex,
        f"/notes/{note}/approve",
        {
            "sections": "4",
            "revision": "2",
            "audience-0": "just_us",
            "audience-1": "just_us",
            "audience-2": "just_us",
            "audience-3": "care_team",
        },
    )
    assert approved.status_code == 302
    assert _last(app, "note:approve")[3:] == ("allowed", "subject")
    approved_list = sam.get("/notes").get_data(as_text=True)
    assert f'href="/notes/{note}">Talked about study. {SECRET}</a>' in approved_list
    assert "With Alex Nguyen · approved ·" in approved_list

    # Dr Chen (in Alex's care) sees only the care-team section, never the just-us one.
    chen = _client(app, "dr.chen")
    shown = chen.get(f"/notes/{note}").get_data(as_text=True)
    assert SHARED in shown and SECRET not in shown and "Walking to the session" not in shown
    assert "Some parts of this note are not shared with you." in shown
    assert _last(app, "note:read")[3:] == ("allowed", "care_assignment")
    listing = chen.get(f"/people/{user_id(app, 'alex')}/notes").get_data(as_text=True)
    assert f"/notes/{note}" in listing and SECRET not in listing

    # A carer peer worker, and a peer worker without consent, see nothing: as if it were missing.
    for key in ("helen", "tui", "linh"):
        other = _client(app, key)
        refused, missing = other.get(f"/notes/{note}"), other.get("/notes/999999")
        assert refused.status_code == missing.status_code == 404, key
        assert without_csrf(refused.get_data()) == without_csrf(missing.get_data())
    assert _last(app, "note:read")[3] == "denied"

    # Alex adds his own words; they travel with the note.
    assert (
        _post(
            alex, f"/notes/{note}/statements", {"kind": "own_words", "text": "This was my idea."}
        ).status_code
        == 302
    )
    assert "This was my idea." in chen.get(f"/notes/{note}").get_data(as_text=True)


def test_an_edit_saved_in_between_is_a_conflict_and_nothing_is_lost(app: Flask) -> None:
    sam = _client(app, "sam")
    note = _new_note(app, sam, ["First words", "", "", ""])
    first = _post(
        sam, f"/notes/{note}/save", {**_note_form(["Sam in tab one", "", "", ""]), "based_on": "1"}
    )
    assert first.status_code == 302
    second = _post(
        sam, f"/notes/{note}/save", {**_note_form(["Sam in tab two", "", "", ""]), "based_on": "1"}
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Sam in tab one" in page and "Sam in tab two" in page  # both versions, nothing lost
    assert rows(
        _url(app), "SELECT count(*) FROM note_revisions WHERE note_id = :n", {"n": note}
    ) == [(2,)]


@pytest.mark.parametrize(
    ("bodies", "message"),
    [
        (["", "", "", ""], "The note is empty"),
        (["x" * 10_001, "", "", ""], "longer than 10,000 characters"),
    ],
)
def test_bad_notes_store_nothing(app: Flask, bodies: list[str], message: str) -> None:
    sam = _client(app, "sam")
    before = rows(_url(app), "SELECT count(*) FROM notes")
    alex = user_id(app, "alex")
    response = _post(
        sam, f"/people/{alex}/notes/new", _note_form(bodies), f"/people/{alex}/notes/new"
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert rows(_url(app), "SELECT count(*) FROM notes") == before


def test_only_the_subject_approves_and_a_worker_without_an_assignment_cannot_propose(
    app: Flask,
) -> None:
    sam = _client(app, "sam")
    note = _new_note(app, sam, ["Words", "", "", ""])
    _post(sam, f"/notes/{note}/propose", {})
    # Sam (the author) cannot approve in the app; Jordan (another consumer) cannot either.
    assert (
        _post(sam, f"/notes/{note}/approve", {"sections": "4", "revision": "1"}).status_code == 403
    )
    jordan = _client(app, "jordan")
    assert (
        _post(
            jordan,
            f"/notes/{note}/approve",
            {"sections": "4", "revision": "1", **{f"audience-{i}": "care_team" for i in range(4)}},
        ).status_code
        == 404
    )
    assert _last(app, "note:approve")[3:] == ("denied", "not_author_or_subject")
    assert rows(_url(app), "SELECT state FROM notes WHERE id = :n", {"n": note}) == [("proposed",)]

    # Sam's assignment to Alex ends: a new proposal is refused with a clear message.
    draft = _new_note(app, sam, ["Another", "", "", ""])
    sam_id = user_id(app, "sam")  # not inside the write transaction below (SQLite would wait)
    engine = make_engine(_url(app))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE care_assignments SET ended_at = CURRENT_TIMESTAMP WHERE worker_id = :w"),
            {"w": sam_id},
        )
    engine.dispose()
    refused = _post(sam, f"/notes/{draft}/propose", {})
    assert "You no longer support this person" in sam.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert rows(_url(app), "SELECT state FROM notes WHERE id = :n", {"n": draft}) == [("draft",)]
    assert _last(app, "note:propose")[3:] == ("denied", "no_care_assignment")


def test_an_invalid_step_is_a_409_with_a_clear_message_and_logged(app: Flask) -> None:
    sam = _client(app, "sam")
    note = _new_note(app, sam, ["Words", "", "", ""])
    _post(sam, f"/notes/{note}/withdraw", {})
    response = _post(sam, f"/notes/{note}/propose", {})
    assert response.status_code == 409
    assert "Only the author can share a draft" in response.get_data(as_text=True)
    assert _last(app, "note:propose")[3:] == ("denied", "invalid_transition")


def test_peer_and_carer_support_notes_stay_apart(app: Flask) -> None:
    # Helen's carer-support note with Linh (demo) is never seen by a consumer peer worker...
    linh_note = rows(
        _url(app), "SELECT id FROM notes WHERE kind = 'carer_support' ORDER BY id LIMIT 1"
    )[0][0]
    assert _client(app, "sam").get(f"/notes/{linh_note}").status_code == 404
    # ...and a carer peer worker never sees a consumer's peer notes, nor can write one.
    alex_note = rows(
        _url(app),
        "SELECT id FROM notes WHERE kind = 'peer' AND state = 'shared' ORDER BY id LIMIT 1",
    )[0][0]
    helen = _client(app, "helen")
    assert helen.get(f"/notes/{alex_note}").status_code == 404
    assert helen.get(f"/people/{user_id(app, 'alex')}/notes/new").status_code == 404


def test_the_writer_sees_stigmatising_language_in_context_without_being_blocked(app: Flask) -> None:
    sam = _client(app, "sam")
    alex = user_id(app, "alex")
    response = _post(
        sam,
        f"/people/{alex}/notes/new",
        _note_form(["He was being manipulative about the plan.", "", "", ""]),
        f"/people/{alex}/notes/new",
    )
    assert response.status_code == 302  # saved all the same
    page = sam.get(response.headers["Location"]).get_data(as_text=True)
    assert "manipulative" in page and "message-language" in page


def test_note_text_is_encrypted_at_rest(app: Flask) -> None:
    with json_logs() as log:  # and never in the server's log (issue 14)
        sam = _client(app, "sam")
        note = _new_note(app, sam, [SECRET, "", "", ""])
        _post(sam, f"/notes/{note}/propose", {})
        alex = _client(app, "alex")
        _post(alex, f"/notes/{note}/request-changes", {"comment": "Comment " + SHARED})
        assert SECRET in alex.get(f"/notes/{note}").get_data(as_text=True)
    log.assert_free_of(SECRET, SHARED)
    found = rows(_url(app), "SELECT ciphertext FROM note_revisions WHERE note_id = :n", {"n": note})
    assert all(SECRET.encode() not in bytes(c) for (c,) in found)  # type: ignore[arg-type]
    comments = rows(
        _url(app),
        "SELECT ciphertext FROM note_events WHERE note_id = :n AND ciphertext IS NOT NULL",
        {"n": note},
    )
    assert comments and all(SHARED.encode() not in bytes(c) for (c,) in comments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "table", ["note_revisions", "note_section_audiences", "note_events", "note_statements"]
)
def test_note_history_is_append_only_in_the_database(app: Flask, table: str) -> None:
    engine = make_engine(_url(app))
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def test_an_approved_care_team_section_is_filed_only_with_contribute_consent(app: Flask) -> None:
    sam, alex = _client(app, "sam"), _client(app, "alex")
    alex_id = user_id(app, "alex")
    # The demo's shared note: section 0 just us, sections 1-3 for the care team.
    note = rows(
        _url(app), "SELECT id FROM notes WHERE subject_id = :s AND state = 'shared'", {"s": alex_id}
    )[0][0]
    page = sam.get(f"/notes/{note}").get_data(as_text=True)
    assert "File in Alex Nguyen" not in page  # no consent: the action does not exist
    refused = _post(sam, f"/notes/{note}/file", {"section": "1", "category": "care_plan"})
    assert refused.status_code == 302
    assert _last(app, "record:write")[3:] == ("denied", "no_consent")
    entries_before = rows(_url(app), "SELECT count(*) FROM record_entries")

    grant = {
        "grantee": f"person:{user_id(app, 'sam')}",
        "categories": "care_plan",
        "act": "contribute",
        "purpose": "Sam can add our plans",
        "days": "30",
    }
    assert _post(alex, "/my/consent", grant, "/my/consent").status_code == 302
    page = sam.get(f"/notes/{note}").get_data(as_text=True)
    assert "File in Alex Nguyen" in page
    # A just-us section can never be filed.
    just_us = _post(sam, f"/notes/{note}/file", {"section": "0", "category": "care_plan"})
    assert "Only a part the person shared with the care team" in sam.get(
        just_us.headers["Location"]
    ).get_data(as_text=True)
    assert rows(_url(app), "SELECT count(*) FROM record_entries") == entries_before

    filed = _post(sam, f"/notes/{note}/file", {"section": "1", "category": "care_plan"})
    assert filed.status_code == 302 and "/record/" in filed.headers["Location"]
    assert str(_last(app, "record:write")[4]).startswith("consent:")
    chen = _client(app, "dr.chen")
    entry = chen.get(filed.headers["Location"]).get_data(as_text=True)
    assert "Peer contribution written by Sam Rivera and approved by Alex Nguyen" in entry
    assert "DBT skills group" in entry


def test_a_correction_request_and_its_answer_stay_with_the_note(app: Flask) -> None:
    sam, alex = _client(app, "sam"), _client(app, "alex")
    note = rows(
        _url(app),
        "SELECT id FROM notes WHERE subject_id = :s AND state = 'shared'",
        {"s": user_id(app, "alex")},
    )[0][0]
    assert (
        _post(
            alex,
            f"/notes/{note}/statements",
            {"kind": "correction", "text": "It was Tuesday, not Monday."},
        ).status_code
        == 302
    )
    (correction,) = rows(_url(app), "SELECT id FROM note_statements WHERE kind = 'correction'")[0]
    page = sam.get(f"/notes/{note}").get_data(as_text=True)
    assert "Asked for a correction:</strong> It was Tuesday, not Monday." in page
    assert (
        _post(
            sam, f"/notes/{note}/corrections/{correction}/reply", {"text": "Changed to Tuesday."}
        ).status_code
        == 302
    )
    again = _post(sam, f"/notes/{note}/corrections/{correction}/reply", {"text": "Twice?"})
    assert "answered this request already" in sam.get(again.headers["Location"]).get_data(
        as_text=True
    )
    shown = _client(app, "dr.chen").get(f"/notes/{note}").get_data(as_text=True)
    assert "It was Tuesday, not Monday." in shown and "Changed to Tuesday." in shown
    assert _last(app, "note:correction_reply")[3:] == ("allowed", "author")


def test_the_timeline_shows_each_viewer_what_they_may_see_in_time_order(app: Flask) -> None:
    alex_id = user_id(app, "alex")
    path = f"/people/{alex_id}/timeline"
    own = _client(app, "alex").get(path).get_data(as_text=True)
    assert (
        "Care plan" in own and "Medication" in own and own.count("Peer note") == 2
    )  # not the draft
    chen = _client(app, "dr.chen").get(path).get_data(as_text=True)
    assert "Care plan" in chen and chen.count("Peer note") == 1  # only the shared one
    sam = _client(app, "sam").get(path).get_data(as_text=True)
    assert sam.count("Peer note") == 3 and "Care plan" not in sam  # their own notes, no record
    assert _client(app, "helen").get(path).status_code == 404
    assert _last(app, "timeline:view")[3:] == ("denied", "nothing_shared")
    assert _client(app, "alex").get(path + "?before=nonsense").status_code == 400


def test_timeline_pages_follow_on_without_gaps_or_repeats(app: Flask) -> None:
    from peernotes.audit.writer import By
    from peernotes.auth.roles import Role
    from peernotes.notes import timeline

    alex_id = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        viewer = By(alex_id, Role.CONSUMER, "t")
        everything = timeline.page(db, viewer, alex_id, size=100).items
        seen, cursor = [], None
        while True:
            page = timeline.page(db, viewer, alex_id, cursor=cursor, size=2)
            seen.extend(page.items)
            if page.older is None:
                break
            cursor = page.older
        db.rollback()
    # Three record entries (the demo's letter too), two notes (not the draft).
    assert len(everything) == 5
    assert [(i.kind, i.id) for i in seen] == [(i.kind, i.id) for i in everything]
    assert [i.at for i in everything] == sorted((i.at for i in everything), reverse=True)


def test_someone_elses_attempt_to_add_words_is_logged_as_that(app: Flask) -> None:
    note = rows(
        _url(app),
        "SELECT id FROM notes WHERE subject_id = :s AND state = 'shared'",
        {"s": user_id(app, "alex")},
    )[0][0]
    jordan = _client(app, "jordan")
    assert _post(jordan, f"/notes/{note}/statements", {"text": "Not my note."}).status_code == 404
    assert _last(app, "note:statement")[0] == user_id(app, "jordan")
    assert _last(app, "note:statement")[3:] == ("denied", "not_author_or_subject")
