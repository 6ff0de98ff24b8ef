""" "Download my information": exactly what the person may see, nothing of anyone else's.

One copy of the demo for the module, with a few additions made through the services: a note
for Alex with a draft revision before it was proposed and one after (he must get the last two,
never the first), his correction request on it and Sam's answer, an amended record entry, a
note for Jordan, and a carer-support note for Linh. Alex, Jordan and Linh each download once;
the tests read those downloads. Expectations come from the database and the services, not
from the export's own code.
"""

from __future__ import annotations

import html as markup
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes import create_app
from peernotes.accesslog import own_log
from peernotes.audit import log
from peernotes.audit.events import Action
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database
from peernotes.notes import service as notes
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note, NoteStatement, StatementKind
from peernotes.records import service as records
from peernotes.records.models import RecordEntry
from peernotes.risk import service as risk
from peernotes.risk.models import RiskConcern
from tests.conftest import Templates, _config, _copy_database, _dispose_checking_for_leaks
from tests.conftest import _drop_database as drop_database
from tests.helpers import csrf_token, demo_email, sign_in

# Words only one person's information holds, to look for in the bytes of everyone's download.
ALEX_DRAFT = "Drafted words Sam kept to himself, zebra-0417"
ALEX_SHOWN = "First words Alex was shown, heron-2291"
ALEX_NEWER = "Newer words while Alex was reading, otter-7730"
ALEX_CORRECTION = "Please say walking, not running, kestrel-5512"
SAM_ANSWER = "Changed it to walking, ibis-3318"
ALEX_AMENDED = "Amended: review again in six weeks, marten-6604"
ALEX_REASON = "Alex said the review date was wrong, lynx-9925"
JORDAN_NOTE = "Jordan's plan for the interview, puffin-8841"
LINH_NOTE = "Linh's week of caring, wren-1207"
ALEX_DELAYED = "A worry the team will tell Alex of later, curlew-4460"
#: The demo's own words in each person's information.
JORDAN_DEMO = "migrant family"
ALEX_DEMO = "part-time study"
MAYA_DEMO = "library café"


@dataclass(frozen=True)
class Download:
    key: str
    user_id: int
    raw: bytes
    headers: dict[str, str]
    files: dict[str, bytes]
    #: The access-log entries the download wrote (after the request's start).
    written: list[AuditEntry]
    #: The seqs of the person's own log page, just before the download.
    log_before: list[int]

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.files["information.json"])
        return loaded

    @property
    def html(self) -> str:
        return self.files["information.html"].decode()


@dataclass(frozen=True)
class World:
    app: Flask
    ids: dict[str, int]
    alex_note: int
    jordan_note: int
    linh_note: int
    med_entry: int
    downloads: dict[str, Download]


def _sections(*bodies: str) -> list[notes.Section]:
    return [notes.Section(h, b) for h, b in zip(notes.DEFAULT_SECTIONS, bodies, strict=True)]


def _by(ids: dict[str, int], key: str, role: Role) -> By[Role]:
    return By(ids[key], role, "export-test")


def _additions(db: Session, ids: dict[str, int]) -> tuple[int, int, int, int]:
    sam = _by(ids, "sam", Role.CONSUMER_PEER_WORKER)
    alex = _by(ids, "alex", Role.CONSUMER)
    helen = _by(ids, "helen", Role.CARER_PEER_WORKER)
    chen = _by(ids, "dr.chen", Role.CLINICIAN)
    note = notes.create(db, sam, ids["alex"], _sections(ALEX_DRAFT, "", "", ""))
    notes.save(db, sam, note.id, _sections(ALEX_SHOWN, "", "", ""), 1)
    notes.propose(db, sam, note.id)
    notes.save(db, sam, note.id, _sections(ALEX_NEWER, "", "", ""), 2)
    notes.approve(db, alex, note.id, ["just_us", "care_team", "just_us", "just_us"], 3)
    notes.add_statement(db, alex, note.id, "correction", ALEX_CORRECTION)
    asked = db.scalar(
        select(NoteStatement.id).where(
            NoteStatement.note_id == note.id, NoteStatement.kind == StatementKind.CORRECTION
        )
    )
    assert asked is not None
    notes.reply_to_correction(db, sam, note.id, asked, SAM_ANSWER)
    jordan = notes.create(db, sam, ids["jordan"], _sections(JORDAN_NOTE, "", "", ""))
    notes.propose(db, sam, jordan.id)
    linh = notes.create(db, helen, ids["linh"], _sections(LINH_NOTE, "", "", ""))
    notes.propose(db, helen, linh.id)
    med = db.scalar(
        select(RecordEntry.id).where(RecordEntry.subject_id == ids["alex"]).order_by(RecordEntry.id)
    )
    assert med is not None
    med += 1  # the demo's second entry of Alex's: his medication review
    records.amend_entry(db, chen, ids["alex"], med, "Medication review", ALEX_AMENDED, ALEX_REASON)
    # A concern about Alex that Dr Chen waits to tell him of: not on his page, not in his copy.
    later = risk.raise_concern(
        db, sam, ids["alex"], ALEX_DELAYED, "It matters now, for the test.", "Told the team."
    )
    risk.delay(
        db, chen, later.id, "Telling him today would not be safe, for the test.", 24, max_hours=72
    )
    return note.id, jordan.id, linh.id, med


def _last_seq(db: Session) -> int:
    return db.scalar(select(func.max(AuditEntry.seq))) or 0


def _download(app: Flask, key: str, user: int) -> Download:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    page = client.get("/my/information")
    assert page.status_code == 200
    database = get_database(app)
    with database.session() as db:
        before = [e.seq for e in log.all_matching(db, own_log.visible(db, user).query)]
        start = _last_seq(db)
    response = client.post(
        "/my/information", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with database.session() as db:
        written = list(db.scalars(select(AuditEntry).where(AuditEntry.seq > start)))
        db.expunge_all()
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    files = {name: archive.read(name) for name in archive.namelist()}
    return Download(key, user, response.data, dict(response.headers), files, written, before)


@pytest.fixture(scope="module")
def world(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("export")
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, Path(tmp)))
    database = get_database(app)
    with app.app_context(), database.session() as db:
        ids = {
            key: db.scalar(select(User.id).where(User.email == demo_email(key))) or 0
            for key in ("alex", "jordan", "maya", "linh", "sam", "helen", "dr.chen")
        }
        alex_note, jordan_note, linh_note, med = _additions(db, ids)
        db.commit()
    downloads = {key: _download(app, key, ids[key]) for key in ("alex", "jordan", "linh")}
    yield World(app, ids, alex_note, jordan_note, linh_note, med, downloads)
    _dispose_checking_for_leaks(database.engine)
    drop_database(token)


def _session(world: World) -> Session:
    return get_database(world.app).session()


# What it holds ---------------------------------------------------------------------------


def test_the_zip_holds_the_three_files_as_an_attachment_never_cached(world: World) -> None:
    alex = world.downloads["alex"]
    assert set(alex.files) == {"information.json", "information.html", "README.txt"}
    assert alex.headers["Content-Type"] == "application/zip"
    assert alex.headers["Content-Disposition"].startswith("attachment;")
    assert ".zip" in alex.headers["Content-Disposition"]
    assert "no-store" in alex.headers["Cache-Control"]
    readme = alex.files["README.txt"].decode()
    assert "coordinator" in readme and "access log" in readme


def test_alex_gets_exactly_the_notes_about_him_that_he_may_see(world: World) -> None:
    alex = world.downloads["alex"]
    with _session(world) as db:
        about = {
            n.id: n.state for n in db.scalars(select(Note).where(Note.subject_id == alex.user_id))
        }
        others = set(db.scalars(select(Note.id).where(Note.subject_id != alex.user_id)))
    expected = {i for i, state in about.items() if state is not State.DRAFT}
    drafts = {i for i, state in about.items() if state is State.DRAFT}
    got = {n["id"] for n in alex.data["notes"]}
    assert got == expected
    assert drafts and not drafts & got, "Sam's draft is Sam's alone"
    assert world.jordan_note in others and not others & got
    # And in the readable page: one article per note, no other.
    assert set(map(int, re.findall(r'id="note-(\d+)"', alex.html))) == expected


def test_every_revision_shown_to_alex_is_there_and_the_draft_before_it_is_not(
    world: World,
) -> None:
    alex = world.downloads["alex"]
    (note,) = [n for n in alex.data["notes"] if n["id"] == world.alex_note]
    assert [r["number"] for r in note["revisions"]] == [2, 3]
    assert [r["sections"][0]["body"] for r in note["revisions"]] == [ALEX_SHOWN, ALEX_NEWER]
    assert note["revision"] == 3 and note["approved_revision"] == 3
    assert [s["audience"] for s in note["sections"]] == [
        "just_us",
        "care_team",
        "just_us",
        "just_us",
    ]
    for form in (alex.raw, alex.files["information.json"], alex.files["information.html"]):
        assert ALEX_DRAFT.encode() not in form
    assert ALEX_SHOWN in alex.html and ALEX_NEWER in alex.html


def test_every_statement_on_his_notes_is_there_as_the_note_page_shows_it(world: World) -> None:
    alex = world.downloads["alex"]
    by_id = {n["id"]: n for n in alex.data["notes"]}
    with world.app.app_context(), _session(world) as db:
        actor = By(alex.user_id, Role.CONSUMER, "export-test-check")
        for note_id, note in by_id.items():
            view = notes.read(db, actor, note_id)
            assert [(s["id"], s["kind"], s["text"]) for s in note["statements"]] == [
                (s.id, s.kind.value, s.text) for s in view.statements
            ]
        db.rollback()
    texts = [s["text"] for s in by_id[world.alex_note]["statements"]]
    assert texts == [ALEX_CORRECTION, SAM_ANSWER]
    assert "I want to do this slowly. Please don't push me." in markup.unescape(alex.html)


def test_alex_gets_his_whole_record_with_every_amendment_and_his_own_words(
    world: World,
) -> None:
    alex = world.downloads["alex"]
    with _session(world) as db:
        mine = set(db.scalars(select(RecordEntry.id).where(RecordEntry.subject_id == alex.user_id)))
        others = set(
            db.scalars(select(RecordEntry.id).where(RecordEntry.subject_id != alex.user_id))
        )
    assert others, "the demo has entries of other people's"
    record = alex.data["record"]
    assert {e["id"] for e in record} == mine
    (med,) = [e for e in record if e["id"] == world.med_entry]
    assert med["body"] == ALEX_AMENDED and med["revision"] == 2
    assert [(v["number"], v["kind"]) for v in med["versions"]] == [
        (1, "original"),
        (2, "amendment"),
    ]
    assert med["versions"][0]["body"].startswith("No changes.")
    assert med["versions"][1]["reason"] == ALEX_REASON
    assert [s["kind"] for s in med["statements"]] == ["correction"]
    assert "not that I am sleeping better" in med["statements"][0]["text"]
    assert ALEX_REASON in alex.html and "No changes." in alex.html


def test_consent_history_holds_the_receipts_he_was_given(world: World) -> None:
    alex = world.downloads["alex"]
    with _session(world) as db:
        history = consent.history(db, alex.user_id, Role.CONSUMER)
    got = alex.data["consent"]["history"]
    assert [c["version"] for c in got] == [c.version for c in history]
    assert [c["receipts"] for c in got] == [c.added for c in history]
    receipts = [r for c in got for r in c["receipts"]]
    assert any("Sam Rivera (peer worker) can read your letters" in r for r in receipts)
    # His letters shared with Sam, and (the demo's too) his "about me" shared with Sam.
    shares = alex.data["consent"]["shares_now"]
    assert sorted(tuple(s["categories"]) for s in shares) == [("about_me",), ("correspondence",)]
    assert all(share["act"] == "read" for share in shares)
    for receipt in receipts:
        assert receipt in alex.html
    assert [n["person_id"] for n in alex.data["nominations"]] == [world.ids["linh"]]


def test_the_access_log_is_his_own_page_as_it_stood_when_he_asked(world: World) -> None:
    alex = world.downloads["alex"]
    entries = alex.data["access_log"]["entries"]
    assert [e["seq"] for e in entries] == alex.log_before
    assert entries, "signing in alone is on his page"
    assert all(isinstance(e["sentence"], str) and e["sentence"] for e in entries)
    (use,) = alex.data["access_log"]["emergency_access"]
    assert use["clinician_id"] == world.ids["dr.chen"] + 1  # Dr Walsh
    assert "crisis plan" in use["reason"]
    assert "Dr Fiona Walsh" in alex.html
    # Nothing of the raw vocabulary a page of his would not show: no bases, no other subjects.
    assert not any("basis" in e or "subject_id" in e for e in entries)


def test_the_download_is_logged_once_and_each_read_as_the_pages_log_it(world: World) -> None:
    for download in world.downloads.values():
        mine = [e for e in download.written if e.actor_id == download.user_id]
        downloads = [e for e in mine if e.action == Action.INFORMATION_DOWNLOAD.value]
        assert len(downloads) == 1
        (entry,) = downloads
        assert entry.subject_id == download.user_id and not entry.denied
        assert entry.basis == "self"
        reads = [e for e in mine if e.action == Action.NOTE_READ.value]
        assert len(reads) == len(download.data["notes"])
        assert all(e.subject_id == download.user_id and not e.denied for e in reads)
        record = download.data["record"] or []
        entry_reads = [e for e in mine if e.action == Action.RECORD_READ.value]
        assert len(entry_reads) == len(record)
        concern_reads = [e for e in mine if e.action == Action.RISK_READ.value]
        assert len(concern_reads) == len(download.data["concerns"])
        # Only the person is the subject of what their download wrote.
        assert {e.subject_id for e in download.written} <= {download.user_id, None}


def test_nothing_of_another_consumers_information_is_in_either_download(world: World) -> None:
    alex, jordan = world.downloads["alex"], world.downloads["jordan"]
    for text in (JORDAN_NOTE, JORDAN_DEMO, MAYA_DEMO, LINH_NOTE, "Jordan Lee", "Maya Thompson"):
        assert text.encode() not in alex.files["information.json"], text
        assert text.encode() not in alex.files["information.html"], text
    for text in (ALEX_SHOWN, ALEX_NEWER, ALEX_AMENDED, ALEX_DEMO, MAYA_DEMO, "Alex Nguyen"):
        assert text.encode() not in jordan.files["information.json"], text
        assert text.encode() not in jordan.files["information.html"], text
    assert {n["id"] for n in jordan.data["notes"]} == {world.jordan_note}
    with _session(world) as db:
        theirs = set(
            db.scalars(select(RecordEntry.id).where(RecordEntry.subject_id == jordan.user_id))
        )
    assert {e["id"] for e in jordan.data["record"]} == theirs
    assert JORDAN_DEMO in jordan.html


def test_a_carers_download_holds_only_what_is_hers(world: World) -> None:
    linh = world.downloads["linh"]
    data = linh.data
    assert data["person"]["role"] == "carer"
    with _session(world) as db:
        hers = set(
            db.scalars(
                select(Note.id).where(Note.subject_id == linh.user_id, Note.state != State.DRAFT)
            )
        )
    assert world.linh_note in hers
    assert {n["id"] for n in data["notes"]} == hers
    assert {n["kind"] for n in data["notes"]} == {"carer_support"}
    assert LINH_NOTE in markup.unescape(linh.html)
    assert data["record"] is None
    assert 'id="record"' not in linh.html
    # Alex named her: she knows who, as her home page says; nothing of his information.
    assert [n["person_id"] for n in data["nominations"]] == [world.ids["alex"]]
    assert all(n["relationship"] == "" for n in data["nominations"])
    for text in (ALEX_SHOWN, ALEX_NEWER, ALEX_AMENDED, ALEX_DEMO, "Medication review", "mum"):
        assert text.encode() not in linh.files["information.json"], text
        assert text.encode() not in linh.files["information.html"], text
    with _session(world) as db:
        alex_ids = set(db.scalars(select(Note.id).where(Note.subject_id == world.ids["alex"])))
    assert not alex_ids & {n["id"] for n in data["notes"]}


def test_concerns_are_those_his_page_shows_and_never_one_he_is_not_told_of_yet(
    world: World,
) -> None:
    alex = world.downloads["alex"]
    with _session(world) as db:
        about = set(
            db.scalars(select(RiskConcern.id).where(RiskConcern.subject_id == alex.user_id))
        )
        told = {c.id for c in risk.told_to_subject(db, alex.user_id, datetime.now(UTC))}
    assert told and about - told, "the demo's concern is told; the test's is delayed"
    got = alex.data["concerns"]
    assert {c["id"] for c in got} == told
    assert all(c["observed"] and c["what_done"] for c in got)
    assert ALEX_DELAYED.encode() not in alex.files["information.json"]
    assert ALEX_DELAYED.encode() not in alex.files["information.html"]
    assert "Telling him today" not in alex.html
    assert world.downloads["linh"].data["concerns"] == []


# Its form ---------------------------------------------------------------------------------


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_every_time_in_the_json_is_iso_8601_utc(world: World) -> None:
    data = world.downloads["alex"].data
    times = [s for s in _strings(data) if LOOKS_LIKE_TIME.match(s)]
    assert len(times) > 20
    assert [t for t in times if not ISO_UTC.match(t)] == []
    assert data["format_version"] == 1 and ISO_UTC.match(data["generated_at"])


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.problems.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
        else:
            self.open.pop()


def test_the_html_parses_stands_alone_and_prints_well(world: World) -> None:
    for download in world.downloads.values():
        html = download.html
        parsed = _Balance()
        parsed.feed(html)
        parsed.close()
        assert parsed.problems == [] and parsed.open == []
        assert "script" not in parsed.tags and "link" not in parsed.tags
        assert "img" not in parsed.tags and "iframe" not in parsed.tags
        assert "http://" not in html and "https://" not in html
        assert "@media print" in html
        assert html.count("<h1") == 1
        assert 'id="notes"' in html and 'id="consent"' in html and 'id="access-log"' in html


# Who may --------------------------------------------------------------------------------


def _client(world: World, key: str) -> FlaskClient:
    client = world.app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


def _downloads_logged(world: World) -> int:
    with _session(world) as db:
        return (
            db.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == Action.INFORMATION_DOWNLOAD.value)
            )
            or 0
        )


@pytest.mark.parametrize("key", ["sam", "helen"])
def test_a_person_without_the_permission_is_refused(world: World, key: str) -> None:
    client = _client(world, key)
    assert client.get("/my/information").status_code == 403
    before = _downloads_logged(world)
    home = client.get("/").get_data(as_text=True)
    response = client.post("/my/information", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 403
    assert response.headers.get("Content-Type", "").split(";")[0] != "application/zip"
    assert _downloads_logged(world) == before
    assert "Download my information" not in home


def test_a_post_without_its_csrf_token_is_refused_and_reads_nothing(world: World) -> None:
    client = _client(world, "alex")
    before = _downloads_logged(world)
    with _session(world) as db:
        start = _last_seq(db)
    response = client.post("/my/information", data={"csrf_token": "forged-" + uuid.uuid4().hex})
    assert response.status_code == 400
    assert client.post("/my/information").status_code == 400
    assert _downloads_logged(world) == before
    with _session(world) as db:
        reads = db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.seq > start,
                AuditEntry.action.in_([Action.NOTE_READ.value, Action.RECORD_READ.value]),
            )
        )
    assert reads == 0


def test_the_page_explains_and_is_linked_from_the_persons_own_pages(world: World) -> None:
    client = _client(world, "alex")
    page = client.get("/my/information").get_data(as_text=True)
    assert "coordinator" in page and "access log" in page
    assert 'method="post"' in page and 'name="csrf_token"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/my/information"' in home
    carer = _client(world, "linh").get("/my/information").get_data(as_text=True)
    assert "Your record:" not in carer


def test_alex_gets_his_about_me_and_his_skills_list_with_every_version(world: World) -> None:
    from peernotes.demo.about_me import ALEX_ABOUT_ME

    alex = world.downloads["alex"]
    (about,) = alex.data["about_me"]
    assert about["version"] == 1
    assert list(about["parts"].values()) == list(ALEX_ABOUT_ME.values())
    kept = {i["versions"][0]["name"]: i for i in alex.data["skills_and_resources"]}
    assert set(kept) == {"Opposite action", "TIPP (cold water)", "DBT skills group, Tuesdays"}
    opposite = kept["Opposite action"]
    assert [v["number"] for v in opposite["versions"]] == [2, 1]
    assert opposite["kind"] == "skill" and opposite["added_by_id"] == world.ids["sam"]
    assert "Texting a friend" in alex.html and ALEX_ABOUT_ME["contact"] in alex.html
    # Each read as his pages log it: one of his "about me", one of his list.
    mine = [e for e in alex.written if e.actor_id == alex.user_id]
    assert len([e for e in mine if e.action == "about_me:read"]) == 1
    assert len([e for e in mine if e.action == "skills:read"]) == 1
    # Nobody else's: Jordan wrote none and keeps none.
    jordan = world.downloads["jordan"]
    assert jordan.data["about_me"] == [] and jordan.data["skills_and_resources"] == []
