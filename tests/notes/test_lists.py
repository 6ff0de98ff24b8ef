"""Notes lists people can tell apart: every list that shows notes (the notes page, the notes a
person shared, the timeline) shows each note's subject, author, date, status and first words,
for every role that lists notes; the words come only from what the note's page would show the
same person (canaries in withheld sections never reach a list); showing them is logged once
per note, a refused note not at all; "Back to …" on a note leads to a list that holds it; and no
two links on a notes page read the same while going to different places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.notes import service as notes
from peernotes.notes.models import Note
from peernotes.timefmt import when
from peernotes.training.models import TrainingModule, TrainingRecord
from tests.helpers import client_as, query, user_id

# Section 0 of the shared note is kept between Alex and Sam: its words are the note's very
# first, so a list that took "the first section" instead of "the first one the reader may
# read" would show them.
JUST_US = "JUSTUS-LIST-CANARY-51c3 stays between Alex and Sam"
CARE_TEAM = (
    "Alex starts the evening course on Monday and would like the team to cheer him on, "
    "gently, and without asking about marks"
)
DRAFT = "DRAFT-LIST-CANARY-0d9e only Sam sees this draft"
ONLY_US = "ONLYUS-LIST-CANARY-77aa nothing of this note is for the team"
MAYA_JUST_US = "MAYA-JUSTUS-CANARY-e41f between Maya and Tui"
MAYA_CARE_TEAM = "Maya has found a GP she trusts and wants the team to know"
CANARIES = (JUST_US, DRAFT, ONLY_US, MAYA_JUST_US)

#: The role each demo person lists notes in, for the report of a failure.
ROLES = {
    "alex": "consumer",
    "linh": "carer",
    "sam": "consumer peer worker",
    "tui": "consumer peer worker",
    "helen": "carer peer worker",
    "dr.chen": "clinician",
}


@dataclass
class World:
    shared: int  # Sam's note with Alex: section 0 just us, section 1 care team
    draft: int  # Sam's draft with Alex
    only_us: int  # Sam's note with Alex, approved, every section just us
    maya: int  # Tui's note with Maya: section 0 just us, section 1 care team
    ids: dict[str, int] = field(default_factory=dict)


def _read_peer_notes(db: object, subject: User, by: By, reader: int) -> None:
    now = utcnow()
    consent.grant(
        db,  # type: ignore[arg-type]
        by,
        subject,
        consent.Grant(
            GranteeKind.PERSON,
            reader,
            None,
            None,
            Act.READ,
            frozenset({Category.PEER_NOTES}),
            "my notes",
            now,
            now + timedelta(days=30),
        ),
    )


def _world(app: Flask) -> World:
    ids = {key: user_id(app, key) for key in (*ROLES, "maya")}
    sam = By(ids["sam"], Role.CONSUMER_PEER_WORKER, "lists")
    tui = By(ids["tui"], Role.CONSUMER_PEER_WORKER, "lists")
    alex = By(ids["alex"], Role.CONSUMER, "lists")
    maya = By(ids["maya"], Role.CONSUMER, "lists")
    with app.app_context(), get_database(app).session() as db:
        shared = notes.create(
            db,
            sam,
            ids["alex"],
            [notes.Section("Between us", JUST_US), notes.Section("For the team", CARE_TEAM)],
        )
        notes.propose(db, sam, shared.id)
        notes.approve(db, alex, shared.id, ["just_us", "care_team"], 1)
        draft = notes.create(db, sam, ids["alex"], [notes.Section("Today", DRAFT)])
        only_us = notes.create(db, sam, ids["alex"], [notes.Section("Between us", ONLY_US)])
        notes.propose(db, sam, only_us.id)
        notes.approve(db, alex, only_us.id, ["just_us"], 1)
        maya_note = notes.create(
            db,
            tui,
            ids["maya"],
            [
                notes.Section("Between us", MAYA_JUST_US),
                notes.Section("For the team", MAYA_CARE_TEAM),
            ],
        )
        notes.propose(db, tui, maya_note.id)
        notes.approve(db, maya, maya_note.id, ["just_us", "care_team"], 1)
        subject = db.get_one(User, ids["alex"])
        for reader in ("linh", "tui", "helen"):
            _read_peer_notes(db, subject, alex, ids[reader])
        _read_peer_notes(db, db.get_one(User, ids["maya"]), maya, ids["sam"])
        db.commit()
        return World(shared.id, draft.id, only_us.id, maya_note.id, ids)


# Reading pages as a browser would ------------------------------------------------------------


class _Links(HTMLParser):
    """Every link of a page (href, text), and the text of each list item with its links."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.items: list[tuple[str, list[str]]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._item: list[str] | None = None
        self._item_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []
            if self._item is not None:
                self._item_links.append(self._href)
        elif tag == "li":
            self._item, self._item_links = [], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        elif tag == "li" and self._item is not None:
            self.items.append((" ".join("".join(self._item).split()), self._item_links))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._item is not None:
            self._item.append(data)


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _row(html: str, note_id: int) -> tuple[str, str]:
    """The link text and the whole text of the list row that links to this note."""
    page = _parse(html)
    href = f"/notes/{note_id}"
    rows = [text for text, links in page.items if href in links]
    assert rows, f"no row for note {note_id}"
    texts = {text for link, text in page.links if link == href}
    assert len(texts) == 1, texts
    return texts.pop(), rows[0]


def _get(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _dates(app: Flask, note_id: int) -> tuple[str, str]:
    """When the note was written, and when it was shared, as the pages write them."""
    with app.app_context(), get_database(app).session() as db:
        note = db.get_one(Note, note_id)
        return when(note.created_at), when(note.approved_at)


def _excerpt_entries(app: Flask, actor: int, since: int) -> list[tuple[object, ...]]:
    return query(
        app,
        "SELECT target_id, subject_id, outcome, basis FROM audit_log "
        "WHERE action = 'note:excerpt' AND actor_id = :a AND seq > :s ORDER BY seq",
        {"a": actor, "s": since},
    )


def _last_seq(app: Flask) -> int:
    return int(query(app, "SELECT coalesce(max(seq), 0) FROM audit_log")[0][0])  # type: ignore[call-overload]


# The rows --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["dr.chen", "linh", "tui", "helen"])
def test_a_reader_of_shared_notes_sees_subject_author_date_and_first_words(
    app: Flask, key: str
) -> None:
    world = _world(app)
    client = client_as(app, key)
    _, shared_on = _dates(app, world.shared)
    link, row = _row(_get(client, "/notes"), world.shared)
    # Notes about several people: the subject is named; the words are the care team's section.
    assert link == " ".join(CARE_TEAM.split()[:16]).rstrip(",") + "…"  # its first 16 words
    assert "About Alex Nguyen" in row and "by Sam Rivera" in row, ROLES[key]
    assert f"shared {shared_on}" in row
    # The list of what Alex shared with them: the same row, the subject in its heading.
    alex = world.ids["alex"]
    about = _get(client, f"/people/{alex}/notes")
    assert "Notes Alex Nguyen shared with you" in about
    link_about, row_about = _row(about, world.shared)
    assert link_about == link and "By Sam Rivera" in row_about and shared_on in row_about
    # And the timeline.
    link_timeline, row_timeline = _row(_get(client, f"/people/{alex}/timeline"), world.shared)
    assert link_timeline == link and "Peer note by Sam Rivera" in row_timeline


def test_the_subject_and_the_writer_see_their_notes_with_who_when_and_where_it_stands(
    app: Flask,
) -> None:
    world = _world(app)
    written, _ = _dates(app, world.shared)
    # Alex, a consumer: his own note, every section his to read, so its very first words.
    link, row = _row(_get(client_as(app, "alex"), "/notes"), world.shared)
    assert link == JUST_US
    assert row == f"{JUST_US} By Sam Rivera · approved by you · written {written}"
    # Sam, the consumer peer worker who wrote it: with whom, and where it stands.
    sam = client_as(app, "sam")
    link, row = _row(_get(sam, "/notes"), world.shared)
    assert link == JUST_US
    assert row == f"{JUST_US} With Alex Nguyen · approved · written {written}"
    draft_link, draft_row = _row(_get(sam, "/notes"), world.draft)
    assert draft_link == DRAFT and "draft: only you can see it" in draft_row
    # Linh, a carer: the carer-support note Helen wrote with her (the demo's), by its words.
    linh_notes = _get(client_as(app, "linh"), "/notes")
    assert "Looking after herself while Alex is unwell." in linh_notes
    assert "By Helen Costa · approved by you · written" in linh_notes
    # Helen, the carer peer worker who wrote it.
    helen_notes = _get(client_as(app, "helen"), "/notes")
    assert "With Linh Nguyen · approved · written" in helen_notes
    # Waiting for review: Alex's demo note waits for him, and says so, in both lists it is in.
    waiting = [
        text
        for text, _ in _parse(_get(client_as(app, "alex"), "/notes")).items
        if text.startswith("A hard week: an argument at home.")
    ]
    assert (
        waiting
        == [
            "A hard week: an argument at home. By Sam Rivera · waiting for your review"
            f" · written {_dates(app, _demo_waiting(app))[0]}"
        ]
        * 2
    )


def _demo_waiting(app: Flask) -> int:
    """The demo's note waiting for Alex's review."""
    found = query(
        app,
        "SELECT id FROM notes WHERE subject_id = :a AND state = 'proposed'",
        {"a": user_id(app, "alex")},
    )
    assert len(found) == 1
    return int(str(found[0][0]))


@pytest.mark.parametrize("key", [*ROLES, "maya"])
def test_no_list_serves_words_the_reader_may_not_read(app: Flask, key: str) -> None:
    world = _world(app)
    client = client_as(app, key)
    alex, maya = world.ids["alex"], world.ids["maya"]
    # What each one may read: their own notes whole (a draft only its writer's), and of others'
    # notes only the sections shared with the care team.
    allowed = {
        "alex": {JUST_US, ONLY_US},
        "sam": {JUST_US, ONLY_US, DRAFT},
        "tui": {MAYA_JUST_US},
        "maya": {MAYA_JUST_US},
    }.get(key, set())
    pages = ["/notes", f"/people/{alex}/notes", f"/people/{alex}/timeline"]
    pages += [f"/people/{maya}/notes", f"/people/{maya}/timeline"]
    served = [client.get(path).get_data(as_text=True) for path in pages]
    for canary in CANARIES:
        if canary in allowed:
            continue
        assert not any(canary[:24] in body for body in served), (ROLES.get(key, key), canary)
    # The shared words do reach those who may read them (the check above is not vacuous).
    listing = served[0]
    if key in ("dr.chen", "linh", "tui", "helen"):
        assert "Alex starts the evening course" in listing
    if key == "sam":
        assert "Maya has found a GP she trusts" in listing


# The access log ----------------------------------------------------------------------------------


def test_each_note_whose_words_are_shown_is_logged_once_and_nothing_else(app: Flask) -> None:
    world = _world(app)
    chen_id, alex_id = world.ids["dr.chen"], world.ids["alex"]
    chen = client_as(app, "dr.chen")
    before = _last_seq(app)
    page = _parse(_get(chen, "/notes"))
    listed = {int(h.rsplit("/", 1)[1]) for h, _ in page.links if h.startswith("/notes/")}
    entries = _excerpt_entries(app, chen_id, before)
    # One entry per note listed with its words, about its subject, on the page's basis.
    assert sorted(int(str(e[0])) for e in entries) == sorted(listed)
    assert world.shared in listed and world.only_us not in listed and world.draft not in listed
    assert {(e[1], e[2], e[3]) for e in entries} == {(alex_id, "allowed", "care_assignment")}
    # A note in two of the page's lists is still one read: Alex's waiting note.
    alex = client_as(app, "alex")
    waiting = _demo_waiting(app)
    before = _last_seq(app)
    links = _parse(_get(alex, "/notes")).links
    assert [h for h, _ in links].count(f"/notes/{waiting}") == 2  # waiting, and about you
    entries = _excerpt_entries(app, alex_id, before)
    targets = [int(str(e[0])) for e in entries]
    assert sorted(targets) == sorted(
        {int(h.rsplit("/", 1)[1]) for h, _ in links if h.startswith("/notes/")}
    )
    assert targets.count(waiting) == 1 and world.shared in targets
    assert {e[3] for e in entries} == {"subject"}


def test_a_refused_reader_is_listed_nothing_and_nothing_is_logged(app: Flask) -> None:
    """Tui may read Alex's notes by his consent, until her training lapses: then `decide()`
    refuses her (as the note page does), the list shows nothing of Alex's, and no read is
    logged; Maya, who has no basis at all, likewise."""
    world = _world(app)
    tui_id, alex_id = world.ids["tui"], world.ids["alex"]
    with app.app_context(), get_database(app).session() as db:
        today = utcnow().date()
        db.add(
            TrainingRecord(
                user_id=tui_id,
                module=next(iter(TrainingModule)),
                completed_on=today - timedelta(days=1),
                expires_on=today - timedelta(days=1),
                recorded_by_id=user_id(app, "admin"),
            )
        )
        db.commit()
    for key in ("tui", "maya"):
        client = client_as(app, key)
        before = _last_seq(app)
        listing = _get(client, "/notes")
        assert f'href="/notes/{world.shared}"' not in listing, key
        assert CARE_TEAM[:20] not in listing, key
        about_alex = [e for e in _excerpt_entries(app, world.ids[key], before) if e[1] == alex_id]
        assert about_alex == [], key
        assert client.get(f"/notes/{world.shared}").status_code == 404  # the page agrees
    assert query(
        app,
        "SELECT outcome, basis FROM audit_log WHERE action = 'note:read' AND actor_id = :a "
        "ORDER BY seq DESC LIMIT 1",
        {"a": tui_id},
    ) == [("denied", "no_consent")]


# Back to the list --------------------------------------------------------------------------------


def _back(html: str) -> str:
    backs = [href for href, text in _parse(html).links if text.startswith("Back to")]
    assert len(backs) == 1, backs
    return backs[0]


@pytest.mark.parametrize(
    ("key", "note"),
    [
        ("alex", "shared"),  # consumer, the note's subject
        ("sam", "shared"),  # consumer peer worker, its writer
        ("dr.chen", "shared"),  # clinician in Alex's care
        ("linh", "shared"),  # carer, by Alex's consent
        ("helen", "shared"),  # carer peer worker, by Alex's consent
        ("tui", "shared"),  # another consumer peer worker, by Alex's consent
        ("sam", "maya"),  # a consumer peer worker reading what Maya shared with him
    ],
)
def test_back_from_a_note_leads_to_a_list_that_holds_it(app: Flask, key: str, note: str) -> None:
    world = _world(app)
    note_id = world.shared if note == "shared" else world.maya
    client = client_as(app, key)
    back = _back(_get(client, f"/notes/{note_id}"))
    listing = _get(client, back)
    assert f'href="/notes/{note_id}"' in listing, (key, back)
    # And that list's own way back, when it has one, leads to a list that holds it too.
    for href, text in _parse(listing).links:
        if text.startswith("Back to"):
            assert f'href="/notes/{note_id}"' in _get(client, href), (key, href)


def test_the_clinicians_notes_page_lists_the_note_shared_with_him(app: Flask) -> None:
    world = _world(app)
    chen = client_as(app, "dr.chen")
    page = _get(chen, "/notes")
    assert "No notes yet" not in page and "Shared with you" in page
    assert f'href="/notes/{world.shared}"' in page
    # The path: open the shared note from the timeline, go back, find it there.
    timeline = _get(chen, f"/people/{world.ids['alex']}/timeline")
    assert f'href="/notes/{world.shared}"' in timeline
    back = _back(_get(chen, f"/notes/{world.shared}"))
    assert f'href="/notes/{world.shared}"' in _get(chen, back)
    # ... and from that list, "Back to notes" is the notes page, which holds it too.
    assert _back(_get(chen, back)) == "/notes"


# No two links alike ----------------------------------------------------------------------------


def test_no_two_links_on_a_notes_page_read_alike_but_go_apart(app: Flask) -> None:
    world = _world(app)
    ids = world.ids
    sam = By(ids["sam"], Role.CONSUMER_PEER_WORKER, "lists")
    alex = By(ids["alex"], Role.CONSUMER, "lists")
    twins: list[int] = []
    with app.app_context(), get_database(app).session() as db:
        # Two notes that start alike, written the same minute, shared alike: their words,
        # their date and their writer are the same; only the link's own number tells them apart.
        for _ in range(2):
            twin = notes.create(db, sam, ids["alex"], [notes.Section("Today", "Same words.")])
            notes.propose(db, sam, twin.id)
            notes.approve(db, alex, twin.id, ["care_team"], 1)
            twins.append(twin.id)
        db.commit()
    for key in (*ROLES, "maya"):
        client = client_as(app, key)
        paths = ["/notes", f"/people/{ids['alex']}/notes", f"/people/{ids['alex']}/timeline"]
        paths += [f"/people/{ids['linh']}/notes", f"/people/{ids['linh']}/timeline"]
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                continue
            places: dict[str, set[str]] = {}
            for href, text in _parse(response.get_data(as_text=True)).links:
                places.setdefault(text, set()).add(href)
            alike = {text: hrefs for text, hrefs in places.items() if len(hrefs) > 1}
            assert alike == {}, (ROLES.get(key, key), path)
    # The twins are both listed, by words that differ (so the check above had work to do).
    page = _get(client_as(app, "dr.chen"), "/notes")
    first, second = (_row(page, twin)[0] for twin in twins)
    assert first != second and first.startswith("Same words.") and second.startswith("Same words.")
