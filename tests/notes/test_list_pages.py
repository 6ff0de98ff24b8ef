"""The notes lists page past `LIST_PAGE`: following "Older" from the first page shows every
note once, in order, and nothing else; the waiting list says how many wait in all."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.notes import service as notes
from tests.helpers import client_as, query, user_id

EXTRA = notes.LIST_PAGE + 7


def _note_links(html: str, section: str) -> list[int]:
    """The note ids linked in one section of the notes page (by its heading's id)."""
    start = html.index(f'id="{section}"')
    end = html.find("</section>", start)
    return [int(n) for n in re.findall(r'href="/notes/(\d+)"', html[start:end])]


def _older(html: str) -> str | None:
    found = re.search(r'<nav class="pager"[^>]*><a href="([^"]+)">Older</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client: FlaskClient, path: str, section: str) -> list[int]:
    seen: list[int] = []
    pages = 0
    next_path: str | None = path
    while next_path is not None:
        html = client.get(next_path).get_data(as_text=True)
        seen += _note_links(html, section)
        next_path = _older(html)
        pages += 1
        assert pages < 10, "the pages go on"
    return seen


def _write(app: Flask, count: int, *, propose: bool) -> None:
    sam, alex = user_id(app, "sam"), user_id(app, "alex")
    by = By(sam, Role.CONSUMER_PEER_WORKER, "list-pages")
    sections = [notes.Section(h, "Words.") for h in notes.DEFAULT_SECTIONS]
    with get_database(app).session() as db:
        for _ in range(count):
            note = notes.create(db, by, alex, sections)
            if propose:
                notes.propose(db, by, note.id)
        db.commit()


def test_following_older_shows_each_of_ones_notes_once_newest_first(app: Flask) -> None:
    _write(app, EXTRA, propose=False)
    sam = user_id(app, "sam")
    expected = [
        int(row[0])  # type: ignore[call-overload]
        for row in query(
            app,
            "SELECT id FROM notes WHERE author_id = :me OR (subject_id = :me AND state != 'draft')"
            " ORDER BY updated_at DESC, id DESC",
            {"me": sam},
        )
    ]
    assert len(expected) > 2 * notes.LIST_PAGE - 20
    client = client_as(app, "sam")
    first = client.get("/notes").get_data(as_text=True)
    assert len(_note_links(first, "all-heading")) == notes.LIST_PAGE
    assert _walk(client, "/notes", "all-heading") == expected


def test_the_waiting_list_shows_a_page_and_counts_them_all(app: Flask) -> None:
    _write(app, EXTRA, propose=True)
    alex = user_id(app, "alex")
    waiting = int(
        query(  # type: ignore[call-overload]
            app,
            "SELECT count(*) FROM notes WHERE subject_id = :me AND state = 'proposed'",
            {"me": alex},
        )[0][0]
    )
    assert waiting > notes.LIST_PAGE
    html = client_as(app, "alex").get("/notes").get_data(as_text=True)
    assert f"Waiting for you ({waiting})" in html
    assert len(_note_links(html, "inbox-heading")) == notes.LIST_PAGE
