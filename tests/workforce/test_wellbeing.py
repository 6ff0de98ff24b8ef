"""Care for the peer workforce through its pages: a workplace concern raised with the reader
the worker chooses (supervisor or a coordinator), read and answered in writing, open ->
acknowledged -> closed, sealed, append-only, bad input storing nothing; the decision itself;
and topics a worker sees collapsed behind a record entry's content note."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from peernotes.access.objects import (
    CHOSEN_READER,
    NOT_CHOSEN_READER,
    WorkplaceConcernFacts,
    decide_workplace_concern,
)
from peernotes.db import get_database
from peernotes.demo.wellbeing import LETTER, TUI_CONCERN
from peernotes.workforce.wellbeing import topics
from tests.helpers import (
    client_as,
    count_rows,
    last_entry,
    post_with_token,
    query,
    user_id,
)

CANARY = "CONCERN-CANARY-5e1d my manager keeps joking about my diagnosis"
REPLY = "REPLY-CANARY-9a0c thank you for telling me; let us meet on Thursday"


def raise_concern(
    app: Flask, client: FlaskClient, reader: str, *, kind: str = "stigma", words: str = CANARY
) -> TestResponse:
    return post_with_token(
        client, "/my/wellbeing/concerns/new", {"reader": reader, "kind": kind, "text": words}
    )


def raised_id(response: TestResponse) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/my/wellbeing/concerns/"), location
    return int(location.rsplit("/", 1)[1])


def coordinator(app: Flask, key: str = "admin") -> str:
    return f"coordinator:{user_id(app, key)}"


def demo_concern(app: Flask) -> int:
    """The demo's workplace concern: Tui's, with the coordinator."""
    found = query(
        app,
        "SELECT id FROM workplace_concerns WHERE worker_id = :w",
        {"w": user_id(app, "tui")},
    )
    return int(found[0][0])  # type: ignore[call-overload]


def concerns(app: Flask) -> int:
    return count_rows(app, "workplace_concerns")


# The decision ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "kind", "expected"),
    [
        (1, "coordinator", (True, "self", "raiser")),
        (2, "coordinator", (True, CHOSEN_READER, "coordinator")),
        (2, "supervisor", (True, CHOSEN_READER, "supervisor")),
        (3, "coordinator", (False, NOT_CHOSEN_READER, None)),
        (None, "supervisor", (False, NOT_CHOSEN_READER, None)),
    ],
)
def test_the_decision_names_the_worker_and_the_chosen_reader_only(
    actor: int | None, kind: str, expected: tuple[bool, str, str | None]
) -> None:
    decision = decide_workplace_concern(WorkplaceConcernFacts(actor, 1, 2, kind))
    assert (decision.permitted, decision.basis, decision.relation) == expected


def test_content_notes_collapse_only_what_the_reader_asked_for() -> None:
    assert topics.collapsed("self_harm", frozenset({"self_harm"})) is True
    assert topics.collapsed("suicide", frozenset({"self_harm"})) is False
    assert topics.collapsed(None, frozenset({"self_harm"})) is False
    assert topics.parse_note("") is None
    with pytest.raises(topics.UnknownTopic):
        topics.parse_note("spiders")
    with pytest.raises(topics.UnknownTopic):
        topics.parse_topics(["self_harm", "spiders"])


# Raising, reading, answering -------------------------------------------------------------------


def test_a_worker_raises_a_concern_with_the_coordinator_who_reads_and_answers_it(
    app: Flask,
) -> None:
    helen = client_as(app, "helen")
    concern = raised_id(raise_concern(app, helen, coordinator(app), kind="bullying"))
    row = query(
        app,
        "SELECT worker_id, reader_id, reader_kind, kind, status, ciphertext"
        " FROM workplace_concerns WHERE id = :i",
        {"i": concern},
    )[0]
    assert row[:5] == (
        user_id(app, "helen"),
        user_id(app, "admin"),
        "coordinator",
        "bullying",
        "open",
    )
    assert CANARY.encode() not in bytes(row[5])  # type: ignore[arg-type]
    assert last_entry(app, "wellbeing:concern_raise")[4:] == ("allowed", "self")

    admin = client_as(app, "admin")
    assert "1 workplace concern raised with you" in admin.get("/").get_data(as_text=True)
    inbox = admin.get("/wellbeing/concerns").get_data(as_text=True)
    assert f'href="/wellbeing/concerns/{concern}"' in inbox
    assert CANARY not in inbox  # a list names the kind, never the words
    page = admin.get(f"/wellbeing/concerns/{concern}")
    assert page.status_code == 200
    assert CANARY in page.get_data(as_text=True)
    assert last_entry(app, "wellbeing:concern_read") == (
        user_id(app, "admin"),
        user_id(app, "helen"),
        "workplace_concern",
        str(concern),
        "allowed",
        CHOSEN_READER,
    )

    answered = post_with_token(
        admin, f"/wellbeing/concerns/{concern}", {"what": "acknowledge", "text": REPLY}
    )
    assert answered.status_code == 302
    status = query(app, "SELECT status FROM workplace_concerns WHERE id = :i", {"i": concern})
    assert status == [("acknowledged",)]
    # Acknowledged: it no longer waits on the coordinator's home.
    assert "workplace concern raised with you" not in admin.get("/").get_data(as_text=True)
    own = helen.get(f"/my/wellbeing/concerns/{concern}").get_data(as_text=True)
    assert REPLY in own and "acknowledged it" in own
    assert last_entry(app, "wellbeing:concern_read")[4:] == ("allowed", "self")

    closed = post_with_token(
        helen, f"/my/wellbeing/concerns/{concern}", {"what": "close", "text": "Sorted, thanks."}
    )
    assert closed.status_code == 302
    assert query(app, "SELECT status FROM workplace_concerns WHERE id = :i", {"i": concern}) == [
        ("closed",)
    ]
    messages = count_rows(app, "workplace_concern_messages")
    again = post_with_token(
        admin, f"/wellbeing/concerns/{concern}", {"what": "reply", "text": "One more thing"}
    )
    assert again.status_code == 200
    assert "This concern is closed" in again.get_data(as_text=True)
    assert count_rows(app, "workplace_concern_messages") == messages


def test_a_worker_raises_a_concern_with_their_supervisor(app: Flask) -> None:
    sam = client_as(app, "sam")
    concern = raised_id(raise_concern(app, sam, "supervisor"))
    assert query(
        app, "SELECT reader_id, reader_kind FROM workplace_concerns WHERE id = :i", {"i": concern}
    ) == [(user_id(app, "dr.chen"), "supervisor")]
    assert CANARY in client_as(app, "dr.chen").get(f"/wellbeing/concerns/{concern}").get_data(
        as_text=True
    )
    # Only the reader acknowledges; the worker's attempt changes nothing.
    refused = post_with_token(
        sam, f"/my/wellbeing/concerns/{concern}", {"what": "acknowledge", "text": "ok"}
    )
    assert refused.status_code == 200
    assert "Only the person it was raised with" in refused.get_data(as_text=True)
    assert count_rows(app, "workplace_concern_messages", "concern_id = :i", {"i": concern}) == 0


@pytest.mark.parametrize(
    ("reader", "kind", "words", "message"),
    [
        ("coordinator:{admin}", "stigma", "   ", "Write what happened"),
        ("coordinator:{admin}", "gossip", CANARY, "Choose what the concern is about"),
        ("coordinator:{walsh}", "stigma", CANARY, "Choose who should read it"),
        ("coordinator:999999", "stigma", CANARY, "Choose who should read it"),
        ("", "stigma", CANARY, "Choose who should read it"),
        ("coordinator:{admin}", "stigma", "x" * 5001, "longer than 5,000"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(
    app: Flask, reader: str, kind: str, words: str, message: str
) -> None:
    before = concerns(app)
    chosen = reader.format(admin=user_id(app, "admin"), walsh=user_id(app, "dr.walsh"))
    response = raise_concern(app, client_as(app, "tui"), chosen, kind=kind, words=words)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert concerns(app) == before


def test_without_a_supervisor_the_worker_is_told_to_choose_a_coordinator(app: Flask) -> None:
    helen = user_id(app, "helen")
    with get_database(app).engine.begin() as conn:
        conn.execute(
            text("UPDATE supervisions SET ended_at = started_at WHERE worker_id = :w"),
            {"w": helen},
        )
    before = concerns(app)
    response = raise_concern(app, client_as(app, "helen"), "supervisor")
    assert "You have no supervisor at the moment" in response.get_data(as_text=True)
    assert concerns(app) == before
    form = client_as(app, "helen").get("/my/wellbeing/concerns/new").get_data(as_text=True)
    assert 'value="supervisor"' not in form and coordinator(app) in form


def test_replies_are_append_only(app: Flask) -> None:
    # The demo's concern (Tui's, with the coordinator) holds Priya's acknowledgement.
    with pytest.raises(Exception, match="append-only"):  # noqa: PT011
        with get_database(app).engine.begin() as conn:
            conn.execute(text("UPDATE workplace_concern_messages SET author_id = author_id"))
    with pytest.raises(Exception, match="append-only"):  # noqa: PT011
        with get_database(app).engine.begin() as conn:
            conn.execute(text("DELETE FROM workplace_concern_messages"))


def test_a_concern_is_bound_to_its_row(app: Flask) -> None:
    """Moving a concern's sealed text onto another row does not read as that row's."""
    sam = client_as(app, "sam")
    first = raised_id(raise_concern(app, sam, "supervisor"))
    second = raised_id(raise_concern(app, sam, "supervisor", words="another one"))
    with get_database(app).engine.begin() as conn:
        sealed = conn.execute(
            text("SELECT ciphertext FROM workplace_concerns WHERE id = :i"), {"i": first}
        ).scalar_one()
        conn.execute(
            text("UPDATE workplace_concerns SET ciphertext = :c WHERE id = :i"),
            {"c": sealed, "i": second},
        )
    moved = sam.get(f"/my/wellbeing/concerns/{second}")
    assert moved.status_code == 500
    assert CANARY not in moved.get_data(as_text=True)
    assert CANARY in sam.get(f"/my/wellbeing/concerns/{first}").get_data(as_text=True)


def test_the_demo_concern_is_tuis_with_the_coordinator(app: Flask) -> None:
    page = client_as(app, "admin").get("/wellbeing/concerns").get_data(as_text=True)
    assert "Tui Henare: Stigma about lived experience" in page
    assert "acknowledged" in page
    own = client_as(app, "tui").get("/my/wellbeing").get_data(as_text=True)
    assert "raised" in own and "with Priya Raman" in own
    assert TUI_CONCERN[:40] not in own


# Collapsed topics ------------------------------------------------------------------------------


def _letter_id(app: Flask) -> int:
    return int(
        query(app, "SELECT id FROM record_entries WHERE content_note = 'self_harm'")[0][0]  # type: ignore[call-overload]
    )


def test_sam_sees_the_tagged_letter_collapsed_and_can_open_it(app: Flask) -> None:
    alex, entry = user_id(app, "alex"), _letter_id(app)
    path = f"/people/{alex}/record/{entry}"
    sam_page = client_as(app, "sam").get(path).get_data(as_text=True)
    assert '<details class="card content-note">' in sam_page
    assert "Content note: self-harm" in sam_page
    assert LETTER in sam_page  # folded, never withheld: one click opens it
    # Alex (his own record) and Dr Chen see it as before, with the note.
    for person in ("alex", "dr.chen"):
        page = client_as(app, person).get(path).get_data(as_text=True)
        assert "content-note" not in page and LETTER in page
        assert "Content note: self-harm" in page


def test_a_worker_chooses_topics_and_the_page_follows(app: Flask) -> None:
    sam = client_as(app, "sam")
    path = f"/people/{user_id(app, 'alex')}/record/{_letter_id(app)}"
    assert post_with_token(sam, "/my/wellbeing", {"topics": ["suicide"]}).status_code == 302
    assert "content-note" not in sam.get(path).get_data(as_text=True)
    assert last_entry(app, "wellbeing:topics_set")[4:] == ("allowed", "self")
    refused = post_with_token(sam, "/my/wellbeing", {"topics": ["self_harm", "spiders"]})
    assert "Choose topics from the list" in refused.get_data(as_text=True)
    assert query(
        app, "SELECT topic FROM collapsed_topics WHERE user_id = :u", {"u": user_id(app, "sam")}
    ) == [("suicide",)]
    # Nobody else's choice changes Sam's page; his own list is his alone.
    assert post_with_token(client_as(app, "tui"), "/my/wellbeing", {"topics": ["self_harm"]})
    assert "content-note" not in sam.get(path).get_data(as_text=True)


def test_a_clinician_tags_an_entry_and_an_unknown_note_is_refused(app: Flask) -> None:
    chen, alex = client_as(app, "dr.chen"), user_id(app, "alex")
    before = count_rows(app, "record_entries")
    refused = post_with_token(
        chen,
        f"/people/{alex}/record/new",
        {"category": "clinical_note", "title": "T", "body": "B", "content_note": "spiders"},
    )
    assert "Choose a content note from the list" in refused.get_data(as_text=True)
    assert count_rows(app, "record_entries") == before
    saved = post_with_token(
        chen,
        f"/people/{alex}/record/new",
        {"category": "clinical_note", "title": "T", "body": "B", "content_note": "trauma"},
    )
    assert saved.status_code == 302
    assert query(app, "SELECT content_note FROM record_entries ORDER BY id DESC LIMIT 1") == [
        ("trauma",)
    ]


def test_only_the_chosen_reader_s_permit_acknowledges() -> None:
    # Who may acknowledge is decided in the access layer, from the concern's decision.
    from peernotes.access.objects import (
        WorkplaceConcernFacts,
        acknowledges_concern,
        decide_workplace_concern,
    )

    worker, reader, other = 1, 2, 3
    for kind in ("supervisor", "coordinator"):

        def said(actor: int, kind: str = kind) -> bool:
            facts = WorkplaceConcernFacts(actor, worker, reader, kind)
            return acknowledges_concern(decide_workplace_concern(facts))

        assert said(reader)
        assert not said(worker)
        assert not said(other)
