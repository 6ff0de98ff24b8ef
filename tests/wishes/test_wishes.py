"""'My wishes' at a transition: the person writes (with the peer worker they chose, if they
wish) and alone sends; their care team reads the version sent, on the record, and a clinician
replies in writing. Every version is kept and sealed; every read is logged once; nobody else
reads it, and a refusal answers like a missing statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.care.models import CareAssignment
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import PEOPLE
from peernotes.wishes import service as wishes
from peernotes.wishes.models import Wish, WishReply, WishVersion
from tests.helpers import client_as, count_rows, post_with_token, query, user_id
from tests.sealed import assert_sealed, no_plaintext_anywhere

ROLES = {p.key: p.role for p in PEOPLE}

KNOW = "Please talk with me about going home, not about me."
CALL = "My brother Tam, on the day I leave."
NOT_WANT = "No discharge on a Friday afternoon."


@pytest.fixture(autouse=True)
def _known_ids(app: Flask) -> None:
    """Every demo person's id, looked up once before a test opens its own session (each
    look-up is a transaction, and SQLite has one writer at a time)."""
    app.config["TEST_IDS"] = {p.key: user_id(app, p.key) for p in PEOPLE}


def uid(app: Flask, key: str) -> int:
    ids: dict[str, int] = app.config.get("TEST_IDS") or {}
    return ids[key] if key in ids else user_id(app, key)


def by(app: Flask, key: str) -> By:
    return By(uid(app, key), ROLES[key], "test")


@contextmanager
def session(app: Flask) -> Iterator[Session]:
    """A session of the app's, in its app context (sealing reads the app's keys)."""
    with app.app_context(), get_database(app).session() as db:
        yield db


def demo_wish(app: Flask) -> int:
    """The demo's statement: Maya's wishes for a discharge, written with Tui, sent, answered."""
    maya = uid(app, "maya")
    with session(app) as db:
        found = db.scalar(select(Wish.id).where(Wish.subject_id == maya))
    assert found is not None, "the demo has no wishes of Maya's"
    return found


def wish_pages(app: Flask) -> dict[str, int]:
    """For the deny-by-default matrix: the demo's statement (Maya's)."""
    return {"wish_id": demo_wish(app)}


def wish_objects(app: Flask) -> dict[str, int]:
    """For the IDOR sweep: Maya, her peer worker, her clinician and her statement."""
    return {
        "maya": user_id(app, "maya"),
        "tui": user_id(app, "tui"),
        "wish": demo_wish(app),
    }


def texts(know: str = KNOW) -> wishes.Texts:
    return wishes.check_texts(know, CALL, NOT_WANT)


def alex_wish(app: Flask, *, helper: str | None = "sam", send: bool = False) -> int:
    with session(app) as db:
        helper_id = uid(app, helper) if helper else None
        wish = wishes.start(db, by(app, "alex"), "admission", helper_id, texts(), send=send)
        db.commit()
        return wish.id


def reads(app: Flask, key: str, wish_id: int) -> wishes.WishView | None:
    """What `key` reads of the statement through the service; None when refused."""
    with session(app) as db:
        try:
            view = wishes.read(db, by(app, key), wish_id)
        except wishes.WishNotFound:
            db.commit()
            return None
        db.commit()
        return view


# Writing, sending, versions ---------------------------------------------------------------------


def test_the_person_writes_with_their_peer_worker_and_alone_sends(app: Flask) -> None:
    wish_id = alex_wish(app)
    with session(app) as db:
        # Sam, the peer worker Alex chose, adds to it: a new version, the first kept.
        wishes.save(db, by(app, "sam"), wish_id, texts(KNOW + " Sam can come too."))
        # Sam cannot send it: only Alex does.
        with pytest.raises(wishes.WishError, match="Only the person sends"):
            wishes.save(db, by(app, "sam"), wish_id, texts("Sent by Sam"), send=True)
        with pytest.raises(wishes.WishError):
            wishes.send(db, by(app, "sam"), wish_id)
        db.commit()
    assert count_rows(app, "wish_versions", "wish_id = :w", {"w": wish_id}) == 2
    # Before Alex sends it, his clinician does not read it (not even that it exists).
    assert reads(app, "dr.chen", wish_id) is None
    with session(app) as db:
        wishes.send(db, by(app, "alex"), wish_id)
        with pytest.raises(wishes.WishError, match="has this version already"):
            wishes.send(db, by(app, "alex"), wish_id)
        db.commit()
    seen = reads(app, "dr.chen", wish_id)
    assert seen is not None and seen.relation == "care_team"
    assert [v.version for v in seen.versions] == [2]
    assert seen.versions[0].know.endswith("Sam can come too.")
    assert seen.may_reply and not seen.may_write
    own = reads(app, "alex", wish_id)
    assert own is not None and [v.version for v in own.versions] == [2, 1]


def test_the_care_team_reads_the_version_sent_not_later_drafts(app: Flask) -> None:
    wish_id = alex_wish(app, send=True)
    with session(app) as db:
        wishes.save(db, by(app, "alex"), wish_id, texts("A newer thought, not sent yet."))
        db.commit()
    seen = reads(app, "dr.chen", wish_id)
    assert seen is not None
    assert [v.version for v in seen.versions] == [1]
    assert seen.versions[0].know == KNOW
    listed = client_as(app, "alex").get(f"/people/{user_id(app, 'alex')}/wishes")
    assert "changes not sent yet" in listed.get_data(as_text=True)


def test_texts_are_sealed_and_bound_to_their_row(app: Flask) -> None:
    wish_id = alex_wish(app, send=True)
    with session(app) as db:
        wishes.save(db, by(app, "alex"), wish_id, texts("Second version words."))
        wishes.reply(db, by(app, "dr.chen"), wish_id, "We will ring Tam on the day.")
        db.commit()
    rows = query(app, "SELECT id FROM wish_versions WHERE wish_id = :w ORDER BY id", {"w": wish_id})
    first, second = int(rows[0][0]), int(rows[1][0])  # type: ignore[call-overload]
    alex = user_id(app, "alex")
    assert_sealed(
        app,
        subject_id=alex,
        table="wish_versions",
        column="know",
        row=first,
        other_row=second,
        words=KNOW,
    )
    assert_sealed(
        app,
        subject_id=alex,
        table="wish_versions",
        column="call",
        row=first,
        other_row=second,
        words=CALL,
    )
    reply = int(query(app, "SELECT id FROM wish_replies WHERE wish_id = :w", {"w": wish_id})[0][0])  # type: ignore[call-overload]
    assert_sealed(
        app,
        subject_id=alex,
        table="wish_replies",
        column="text",
        row=reply,
        other_row=reply + 1000,
        words="We will ring Tam on the day.",
        sealed_column="text_sealed",
    )
    for words in (KNOW, CALL, NOT_WANT, "We will ring Tam on the day."):
        no_plaintext_anywhere(app, words)


@pytest.mark.parametrize(
    ("know", "call", "not_want", "field"),
    [
        ("", " ", "", "know"),
        ("x" * 2001, "", "", "know"),
        ("ok", "y" * 2001, "", "call"),
    ],
)
def test_bad_texts_are_refused(know: str, call: str, not_want: str, field: str) -> None:
    with pytest.raises(wishes.WishError) as refused:
        wishes.check_texts(know, call, not_want)
    assert refused.value.field == field


def test_bad_input_through_the_page_changes_nothing(app: Flask) -> None:
    alex = client_as(app, "alex")
    before = count_rows(app, "wishes")
    for data in (
        {"transition": "holiday", "helper": "", "know": KNOW, "send": "1"},
        {"transition": "admission", "helper": "", "know": "", "send": "1"},
        # Tui supports Maya, not Alex: Alex cannot choose her.
        {"transition": "admission", "helper": str(user_id(app, "tui")), "know": KNOW},
    ):
        page = post_with_token(alex, "/my/wishes/new", data)
        assert page.status_code == 200
        assert 'class="errors"' in page.get_data(as_text=True)
    assert count_rows(app, "wishes") == before
    assert count_rows(app, "wish_versions", "wish_id NOT IN (SELECT id FROM wishes)") == 0


def test_a_helper_who_no_longer_supports_the_person_loses_access(app: Flask) -> None:
    wish_id = alex_wish(app)
    assert reads(app, "sam", wish_id) is not None
    with session(app) as db:
        for row in db.scalars(
            select(CareAssignment).where(
                CareAssignment.worker_id == uid(app, "sam"),
                CareAssignment.subject_id == uid(app, "alex"),
            )
        ):
            row.ends_on = (utcnow() - timedelta(days=1)).date()
        db.commit()
    assert reads(app, "sam", wish_id) is None
    with session(app) as db, pytest.raises(wishes.WishNotFound):
        wishes.save(db, by(app, "sam"), wish_id, texts("Too late"))


# Replies ---------------------------------------------------------------------------------------


def test_only_a_clinician_in_the_care_team_replies(app: Flask) -> None:
    wish_id = alex_wish(app, send=True)
    with session(app) as db:
        # Sam is in Alex's care team and reads it, but does not reply.
        with pytest.raises(wishes.WishError):
            wishes.reply(db, by(app, "sam"), wish_id, "Thanks.")
        # Dr Walsh is not in Alex's care (her emergency access does not open it).
        with pytest.raises(wishes.WishNotFound):
            wishes.reply(db, by(app, "dr.walsh"), wish_id, "Thanks.")
        with pytest.raises(wishes.WishError, match="Write your reply"):
            wishes.reply(db, by(app, "dr.chen"), wish_id, "   ")
        db.commit()
    assert count_rows(app, "wish_replies", "wish_id = :w", {"w": wish_id}) == 0
    with session(app) as db:
        wishes.reply(db, by(app, "dr.chen"), wish_id, "We will plan it with you.")
        db.commit()
    own = reads(app, "alex", wish_id)
    assert own is not None and [r.text for r in own.replies] == ["We will plan it with you."]


def test_emergency_access_does_not_open_wishes(app: Flask) -> None:
    # Dr Walsh holds the demo's emergency access to Alex's record.
    wish_id = alex_wish(app, send=True)
    assert reads(app, "dr.walsh", wish_id) is None
    denied = query(
        app,
        "SELECT basis FROM audit_log WHERE action = 'wishes:read' AND actor_id = :a"
        " ORDER BY seq DESC LIMIT 1",
        {"a": user_id(app, "dr.walsh")},
    )
    assert denied == [("not_in_care",)]


# Who reads it: every demo person ---------------------------------------------------------------

#: Who reads the demo's statement (Maya's, sent, written with Tui; Dr Walsh is in her care).
READERS = {"maya": "subject", "tui": "worker", "dr.walsh": "care_team"}


@pytest.mark.parametrize("person", [p.key for p in PEOPLE])
def test_the_demo_statement_is_read_only_by_maya_tui_and_dr_walsh(app: Flask, person: str) -> None:
    wish_id = demo_wish(app)
    seen = reads(app, person, wish_id)
    if person in READERS:
        assert seen is not None and seen.relation == READERS[person]
    else:
        assert seen is None
    # And the pages agree: the statement, the list, and Maya's record page.
    client = client_as(app, person)
    page = client.get(f"/wishes/{wish_id}")
    body = page.get_data(as_text=True)
    assert (page.status_code == 200) == (person in READERS)
    assert ("sleep through the night" in body) == (person in READERS)
    maya = user_id(app, "maya")
    listed = client.get(f"/people/{maya}/wishes")
    assert (listed.status_code == 200) == (person in READERS)
    record = client.get(f"/people/{maya}/record").get_data(as_text=True)
    assert (f"/wishes/{wish_id}" in record) == (person in ("maya", "dr.walsh"))


def test_a_read_is_logged_once_with_its_basis(app: Flask) -> None:
    wish_id = demo_wish(app)
    walsh = user_id(app, "dr.walsh")
    where = "action = 'wishes:read' AND actor_id = :a AND target_id = :w"
    params = {"a": walsh, "w": str(wish_id)}
    before = count_rows(app, "audit_log", where, params)
    page = client_as(app, "dr.walsh").get(f"/wishes/{wish_id}")
    assert page.status_code == 200
    assert count_rows(app, "audit_log", where, params) == before + 1
    latest = query(
        app,
        "SELECT subject_id, outcome, basis FROM audit_log WHERE "
        + where
        + " ORDER BY seq DESC LIMIT 1",
        params,
    )
    assert latest == [(user_id(app, "maya"), "allowed", "care_team")]


def test_the_clinician_replies_on_the_page_and_maya_reads_it(app: Flask) -> None:
    wish_id = demo_wish(app)
    walsh = client_as(app, "dr.walsh")
    empty = post_with_token(walsh, f"/wishes/{wish_id}/reply", {"text": ""})
    assert empty.status_code == 200 and "Write your reply" in empty.get_data(as_text=True)
    sent = post_with_token(walsh, f"/wishes/{wish_id}/reply", {"text": "See you Monday."})
    assert sent.status_code == 302
    page = client_as(app, "maya").get(f"/wishes/{wish_id}").get_data(as_text=True)
    assert "See you Monday." in page
    assert "Thank you, Maya." in page  # the demo's reply, kept


def test_maya_sees_in_her_own_log_that_dr_walsh_read_her_wishes(app: Flask) -> None:
    page = client_as(app, "maya").get("/my/access-log").get_data(as_text=True)
    assert "read your wishes for an admission or a discharge" in page


def test_demo_statement_was_written_with_tui_and_answered(app: Flask) -> None:
    wish_id = demo_wish(app)
    with session(app) as db:
        versions = db.scalars(select(WishVersion).where(WishVersion.wish_id == wish_id)).all()
        replies = db.scalars(select(WishReply).where(WishReply.wish_id == wish_id)).all()
    writers = {v.written_by_id for v in versions}
    assert writers == {uid(app, "maya"), uid(app, "tui")}
    assert [v.sent for v in sorted(versions, key=lambda v: v.version)] == [False, True]
    assert [r.author_id for r in replies] == [uid(app, "dr.walsh")]


def test_maya_s_download_holds_her_wishes_and_the_reply(app: Flask) -> None:
    import io
    import json
    import zipfile

    from tests.helpers import csrf_token

    maya = client_as(app, "maya")
    page = maya.get("/my/information")
    response = maya.post(
        "/my/information", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("information.json"))
    [statement] = data["wishes"]
    assert statement["transition"] == "discharge"
    assert [v["version"] for v in statement["versions"]] == [2, 1]
    assert "Thank you, Maya." in statement["replies"][0]["text"]
    assert "Thank you, Maya." in archive.read("information.html").decode()
    # Someone else's copy holds none of hers.
    alex = client_as(app, "alex")
    page = alex.get("/my/information")
    response = alex.post(
        "/my/information", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("information.json"))
    assert data["wishes"] == []


def lapse_training(app: Flask, key: str) -> None:
    from peernotes.training.models import TrainingRecord

    with session(app) as db:
        for record in db.scalars(
            select(TrainingRecord).where(TrainingRecord.user_id == uid(app, key))
        ):
            record.expires_on = (utcnow() - timedelta(days=1)).date()
        db.commit()


def test_a_peer_worker_with_lapsed_training_reads_no_wishes(app: Flask) -> None:
    # Tui wrote Maya's statement with her; with her training lapsed she reads it no more (as
    # Maya's record and "about me" are closed to her), and the refusal says why.
    wish_id = demo_wish(app)
    assert reads(app, "tui", wish_id) is not None
    lapse_training(app, "tui")
    assert reads(app, "tui", wish_id) is None
    assert query(
        app,
        "SELECT outcome, basis FROM audit_log WHERE action = 'wishes:read' AND actor_id = :u"
        " ORDER BY seq DESC LIMIT 1",
        {"u": uid(app, "tui")},
    ) == [("denied", "training_lapsed")]
    with session(app) as db, pytest.raises(wishes.WishNotFound):
        wishes.save(db, by(app, "tui"), wish_id, texts("Written while lapsed"))
    # Dr Walsh (no training gate for clinicians) still reads it.
    assert reads(app, "dr.walsh", wish_id) is not None
    # Nor is Maya's list of wishes Tui's now: the page is missing, and the log says why.
    maya = uid(app, "maya")
    assert client_as(app, "tui").get(f"/people/{maya}/wishes").status_code == 404
    assert query(
        app,
        "SELECT outcome, basis FROM audit_log WHERE action = 'wishes:list' AND actor_id = :u"
        " ORDER BY seq DESC LIMIT 1",
        {"u": uid(app, "tui")},
    ) == [("denied", "training_lapsed")]


def test_a_refused_edit_page_is_logged_as_a_refused_edit(app: Flask) -> None:
    # Dr Walsh reads Maya's wishes; opening the edit page is refused as a WRITE, so Maya's log
    # does not say he "tried to read" what he may read.
    wish_id = demo_wish(app)
    walsh = uid(app, "dr.walsh")
    with session(app) as db:
        with pytest.raises(wishes.WishError):
            wishes.for_editing(db, by(app, "dr.walsh"), wish_id)
        db.commit()
    refused = query(
        app,
        "SELECT action FROM audit_log WHERE actor_id = :u AND outcome = 'denied'",
        {"u": walsh},
    )
    assert refused == [("wishes:write",)]
