"""Preview parity: "see what X sees" is exactly what X gets.

For every demo person who has information of their own (consumers and carers) and every
person their preview offers, X signs in and walks every page reachable by links from their
home page. Every object about the subject that X opens (record entries, notes, risk concerns,
support agreements, handovers, their wishes, their skills and resources, their "about me") must
be in the preview; and every item in the preview must open
for X. The two things the subject never sees (X's own drafts, a concern whose telling is
delayed) are left out of both, by the preview's rule.

Over generated worlds (Hypothesis), the preview's record entries equal what X's own record
page lists, entry for entry, and its peer notes follow the same decision the map shows.

Both run on SQLite and on PostgreSQL (the suite runs on both).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from peernotes.access.decision import Category
from peernotes.access.map import access_map
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.consent.preview import seen_by
from peernotes.db import get_database, utcnow
from peernotes.records.service import list_entries
from peernotes.risk.models import RiskConcern
from tests.access.worlds import hold_in_random_worlds
from tests.helpers import client_as, query, user_id
from tests.records.test_sql_mirrors_decide import _build, world

SUBJECTS = ["alex", "jordan", "maya", "linh", "robert"]
SKIP = ("/logout", "/static/", ".csv", "/health", "/my/consent/preview")
LIMIT = 300
Item = tuple[str, int]

#: Pages that show one object, and what the id in their URL names.
OBJECT_PAGES = [
    (re.compile(r"^/notes/(\d+)$"), "note"),
    (re.compile(r"^/people/\d+/record/(\d+)$"), "record_entry"),
    (re.compile(r"^/risk/(\d+)$"), "risk_concern"),
    (re.compile(r"^/agreements/(\d+)$"), "support_agreement"),
    (re.compile(r"^/handover/(\d+)$"), "worker_request"),
    (re.compile(r"^/wishes/(\d+)$"), "wish"),
    # Pages about the person as a whole: the id in their URL is the person's own.
    (re.compile(r"^/people/(\d+)/skills$"), "skills"),
    (re.compile(r"^/people/(\d+)/about-me$"), "about_me"),
]
#: Items whose id is the subject's own (one per person: their list, their "about me").
PERSON_ITEMS = {"skills": "/people/{id}/skills", "about_me": "/people/{id}/about-me"}
URLS = {
    "note": "/notes/{id}",
    "risk_concern": "/risk/{id}",
    "support_agreement": "/agreements/{id}",
    "worker_request": "/handover/{id}",
    "wish": "/wishes/{id}",
}
TABLES = {
    "note": "notes",
    "record_entry": "record_entries",
    "risk_concern": "risk_concerns",
    "support_agreement": "support_agreements",
    "worker_request": "worker_requests",
    "wish": "wishes",
}


def _crawl(client: FlaskClient) -> set[Item]:
    """Every object page this person reaches by links, and may open."""
    seen: set[str] = set()
    opened: set[Item] = set()
    queue = deque(["/"])
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        path = urlsplit(url).path
        for pattern, kind in OBJECT_PAGES:
            if match := pattern.match(path):
                opened.add((kind, int(match.group(1))))
        for href in re.findall(r'<a [^>]*href="([^"]+)"', response.get_data(as_text=True)):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if href.startswith("/") and not any(s in href for s in SKIP) and href not in seen:
                queue.append(href)
    return opened


def _subject_of(app: Flask, items: Iterable[Item]) -> dict[Item, int]:
    found = {}
    for kind, object_id in items:
        if kind in PERSON_ITEMS:
            found[(kind, object_id)] = object_id
            continue
        rows = query(app, f"SELECT subject_id FROM {TABLES[kind]} WHERE id = :i", {"i": object_id})
        found[(kind, object_id)] = int(str(rows[0][0]))
    return found


def _hidden_from_subject(app: Flask, item: Item) -> bool:
    """A draft note, or a concern not yet told: to the subject these do not exist."""
    kind, object_id = item
    if kind == "note":
        (state,) = query(app, "SELECT state FROM notes WHERE id = :i", {"i": object_id})[0]
        return str(state) == "draft"
    if kind == "risk_concern":
        with app.app_context(), get_database(app).session() as db:
            return db.get_one(RiskConcern, object_id).delayed_at(utcnow())
    return False


def _preview(client: FlaskClient, person_id: int) -> set[Item]:
    page = client.get(f"/my/consent/preview?person={person_id}")
    assert page.status_code == 200
    return {
        (kind, int(object_id))
        for kind, object_id in re.findall(r'data-item="(\w+):(\d+)"', page.get_data(as_text=True))
    }


def _offered(client: FlaskClient) -> list[int]:
    page = client.get("/my/consent/preview").get_data(as_text=True)
    return [int(i) for i in re.findall(r'<option value="(\d+)"', page)]


def _url(item: Item, subject_id: int) -> str:
    kind, object_id = item
    if kind == "record_entry":
        return f"/people/{subject_id}/record/{object_id}"
    if kind in PERSON_ITEMS:
        return PERSON_ITEMS[kind].format(id=object_id)
    return URLS[kind].format(id=object_id)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_preview_is_what_each_person_opens(app: Flask, subject: str) -> None:
    subject_id = user_id(app, subject)
    mine = client_as(app, subject)
    people = _offered(mine)
    keys = {
        int(str(uid)): str(email).split("@")[0]
        for uid, email in query(app, "SELECT id, email FROM users")
    }
    compared = 0
    crawled: dict[int, set[Item]] = {}
    for person_id in people:
        preview = _preview(mine, person_id)
        theirs = client_as(app, keys[person_id])
        if person_id not in crawled:
            crawled[person_id] = _crawl(theirs)
        about = _subject_of(app, crawled[person_id])
        opened = {
            item
            for item, whose in about.items()
            if whose == subject_id and not _hidden_from_subject(app, item)
        }
        # Nothing they open is missing from the preview...
        assert opened <= preview, (keys[person_id], sorted(opened - preview))
        # ...and nothing in it is withheld from them.
        for item in preview:
            response = theirs.get(_url(item, subject_id))
            assert response.status_code == 200, (keys[person_id], item)
        compared += len(preview)
    if subject == "alex":
        assert compared, "Alex's demo world shows his people something"


def test_in_random_worlds_the_preview_lists_the_entries_their_record_page_lists(
    empty_database_url: str,
) -> None:
    def check(db: Session, everyone: list[User], consumers: list[User]) -> None:
        at = utcnow()
        for subject in consumers:
            rows = {row.person_id: row for row in access_map(db, subject.id, at)}
            for person in everyone:
                if person.id == subject.id:
                    continue
                seen = seen_by(db, subject, person, at)
                previewed = {s.id for s in seen if s.type == "record_entry"}
                page = list_entries(db, By(person.id, person.role, "t"), subject.id, size=1000)
                assert previewed == {e.id for e in page.entries}, person.role
                row = rows.get(person.id)
                reads_notes = row is not None and Category.PEER_NOTES in row.reads
                shares_notes = any(s.type == "note" and s.part for s in seen)
                assert shares_notes <= reads_notes

    hold_in_random_worlds(empty_database_url, world, _build, check, 30)


@pytest.mark.parametrize("config_overrides", [{"risk_delay_hours": 1}])
def test_a_concern_whose_telling_is_delayed_is_in_neither_the_map_nor_the_preview(
    app: Flask,
) -> None:
    from tests.notes.test_risk import REASON, _post, _raised

    concern = _raised(app, client_as(app, "sam"), "jordan")
    chen = client_as(app, "dr.chen")
    jordan = client_as(app, "jordan")
    told = jordan.get("/my/sharing").get_data(as_text=True)
    assert "duty of care" in told  # told: Dr Chen reads it, and the map says so
    assert _post(chen, f"/risk/{concern}/delay", {"reason": REASON, "hours": "1"}).status_code == (
        302
    )
    # Delayed: the map, and every preview, say nothing of it.
    assert "duty of care" not in jordan.get("/my/sharing").get_data(as_text=True)
    for person in ("dr.chen", "sam"):
        assert ("risk_concern", concern) not in _preview(jordan, user_id(app, person))


def test_a_handover_is_in_the_map_and_preview_exactly_while_the_new_worker_may_open_it(
    app: Flask,
) -> None:
    """The demo's handover (Jordan's change from Sam to Tui, written by Sam, with Jordan's
    consent): before the change is confirmed Tui may not open it, and neither the map nor the
    preview says she may; once the coordinator confirms, she opens it, and both say so."""
    from tests.helpers import post_with_token

    jordan = client_as(app, "jordan")
    tui_id = user_id(app, "tui")
    (request_id,) = query(app, "SELECT request_id FROM handover_summaries")[0]
    tui = client_as(app, "tui")

    def tui_row() -> str:
        page = jordan.get("/my/sharing").get_data(as_text=True)
        row = re.search(r"Tui Henare.*?</tr>", page, re.S)
        return row.group(0) if row else ""

    assert tui.get(f"/handover/{request_id}").status_code == 404
    assert "your new peer worker" not in tui_row()
    offered = _offered(jordan)
    if tui_id in offered:
        assert ("worker_request", request_id) not in _preview(jordan, tui_id)

    admin = client_as(app, "admin")
    confirmed = post_with_token(admin, f"/admin/worker-requests/{request_id}/confirm", {})
    assert confirmed.status_code == 302
    assert tui.get(f"/handover/{request_id}").status_code == 200
    assert "your new peer worker: you agreed they read it" in tui_row()
    assert ("worker_request", int(str(request_id))) in _preview(jordan, tui_id)
