"""`DocumentReference?subject=`: a person's record entries, then their shared notes, as far as
the caller may read them. Every page parsed by its R4B model (the client does); `total` counts
only what may be read; paging walks both kinds in one stable order; the access log holds the
two lists' own entries and a read of exactly the notes a page carries."""

from __future__ import annotations

import base64
import json
from functools import partial
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.api.paging import encode_cursor
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.db import get_database
from peernotes.notes import service as notes
from tests.fhir.audit_trail import Written, written_by
from tests.fhir.client import Fhir
from tests.fhir.world import LETTERS, World
from tests.helpers import demo_email, sign_in

Bundle = dict[str, Any]


def _ids(bundle: Bundle) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _notes(ids: list[str]) -> list[int]:
    return [int(i.removeprefix("note-")) for i in ids if i.startswith("note-")]


def _search(fhir: Fhir, subject: int, count: int = 100) -> Bundle:
    status, body = fhir.get("/DocumentReference", subject=f"Patient/{subject}", _count=count)
    assert status == 200 and body["type"] == "searchset"
    return body


def _walk(fhir: Fhir, subject: int, count: int) -> list[Bundle]:
    """Every page of the search, following `next` from the first."""
    pages = [_search(fhir, subject, count)]
    while True:
        links = {link["relation"]: link["url"] for link in pages[-1]["link"]}
        if "next" not in links:
            return pages
        status, page = fhir.follow(links["next"])
        assert status == 200
        pages.append(page)


def test_the_search_holds_the_notes_the_caller_may_read(
    fhir: dict[str, Fhir], world: World
) -> None:
    chen = _search(fhir["dr.chen"], world.alex)
    ids = _ids(chen)
    assert chen["total"] == len(ids) == len(set(ids))
    shown = set(_notes(ids))
    assert {world.shared_note, world.in_person_note} <= shown
    # Not a draft, not a note waiting for review, not a note kept "just us".
    assert not {world.draft_note, world.proposed_note, world.just_us_note} & shown
    assert "Only for the two of us" not in str(chen) and "Not yet approved" not in str(chen)
    # A listed note carries its first words (a logged read) and the way to read the rest,
    # never the sections kept "just us".
    listed = {e["resource"]["id"]: e["resource"] for e in chen["entry"]}
    shared = listed[f"note-{world.shared_note}"]
    assert shared["description"]
    assert "We talked about going back to study part time" not in str(shared)
    assert (
        shared["content"][0]["attachment"]["url"] == f"DocumentReference/note-{world.shared_note}"
    )
    assert shared["category"][0]["coding"][0]["code"] == "peer_notes"
    # Alex shares his letters with Sam, not his diagnoses. Sam wrote the notes, but the search
    # lists notes as Alex's shared-notes list shows them to others, and Alex's consent does
    # not give Sam his peer notes: Sam's own notes are on his notes page, read by their ids.
    sam = _search(fhir["sam"], world.alex)
    records = [i for i in _ids(sam) if i.startswith("record-")]
    assert sam["total"] == len(_ids(sam)) == len(records) == LETTERS + len(world.demo_letters)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7])
def test_every_page_size_walks_the_same_order(
    fhir: dict[str, Fhir], world: World, count: int
) -> None:
    whole = _search(fhir["dr.chen"], world.alex)
    pages = _walk(fhir["dr.chen"], world.alex, count)
    seen = [i for page in pages for i in _ids(page)]
    assert seen == _ids(whole)
    assert len(pages) == -(-whole["total"] // count)
    assert all(page["total"] == whole["total"] for page in pages)
    assert all(0 < len(page["entry"]) <= count for page in pages)


def test_a_page_that_ends_with_the_last_entry_leads_on_to_the_notes(
    fhir: dict[str, Fhir], world: World
) -> None:
    whole = _ids(_search(fhir["dr.chen"], world.alex))
    entries = sum(1 for i in whole if i.startswith("record-"))
    first, second, *_rest = _walk(fhir["dr.chen"], world.alex, entries)
    assert _ids(first) == whole[:entries]
    assert _ids(second) == whole[entries : 2 * entries]
    assert all(i.startswith("note-") for i in _ids(second))


def test_no_basis_is_the_same_empty_searchset_as_nobody(
    fhir: dict[str, Fhir], world: World
) -> None:
    """Helen has no basis for Alex: his record and his shared notes are as if absent."""

    def without_links(body: Bundle) -> Bundle:
        return {k: v for k, v in body.items() if k != "link"}

    helen = _search(fhir["helen"], world.alex)
    nobody = _search(fhir["helen"], 999999)
    assert without_links(helen) == without_links(nobody)
    assert helen["total"] == 0 and "entry" not in helen
    assert [link["relation"] for link in helen["link"]] == ["self"]
    # A cursor into the notes changes nothing for her.
    _status, later = fhir["helen"].get(
        "/DocumentReference", subject=f"Patient/{world.alex}", _cursor=encode_cursor(1)
    )
    assert later["total"] == 0 and "entry" not in later


def _excerpts(written: Written) -> list[int]:
    return [int(e[4]) for e in written if e[0] == "note:excerpt"]


def _fetch_into(into: list[Bundle], fhir: Fhir, subject: int, count: int, url: str | None) -> None:
    into.append(_search(fhir, subject, count) if url is None else fhir.follow(url)[1])


def test_the_log_holds_a_read_of_exactly_the_notes_returned(
    fhir_app: Flask, fhir: dict[str, Fhir], world: World
) -> None:
    for count in (1, 2, 3):
        url: str | None = None
        while True:
            got: list[Bundle] = []
            fetch = partial(_fetch_into, got, fhir["dr.chen"], world.alex, count, url)
            written = written_by(fhir_app, fetch)
            (page,) = got
            returned = _notes(_ids(page))
            assert _excerpts(written) == returned, (count, url)
            lists = [e[0] for e in written if e[0].endswith(":list")]
            # Each list the page drew on, once: the record's while entries remain, the notes'
            # once the entries ran out on this page.
            assert lists in (["record:list"], ["record:list", "note:list"], ["note:list"])
            assert "note:list" in lists or not returned
            links = {link["relation"]: link["url"] for link in page["link"]}
            if "next" not in links:
                break
            url = links["next"]


@pytest.mark.parametrize("who", ["dr.chen", "sam", "helen"])
def test_the_whole_search_writes_the_record_and_notes_pages_entries(
    fhir_app: Flask, fhir: dict[str, Fhir], world: World, who: str
) -> None:
    """A search that fits one page writes what the person's record page and notes list write."""
    web = fhir_app.test_client()
    assert sign_in(web, demo_email(who)).status_code == 302
    query = {"subject": f"Patient/{world.alex}", "_count": 100}
    by_fhir = written_by(fhir_app, partial(fhir[who].raw, "/DocumentReference", **query))
    by_record = written_by(fhir_app, partial(web.get, f"/people/{world.alex}/record"))
    by_notes = written_by(fhir_app, partial(web.get, f"/people/{world.alex}/notes"))
    assert by_fhir == by_record + by_notes and by_fhir


@pytest.mark.parametrize(
    "key",
    [
        (2, 5),  # no such kind
        (1, 5),  # a note cursor without its time
        (0,),  # the entries have no "first" cursor
        (0, "2026-12-01T00:00:00+00:00", 5),
        (1, "2026-12-01T00:00:00", 5),  # a time without its zone
        (1, "yesterday", 5),
    ],
)
def test_a_cursor_it_did_not_give_out_is_400(
    fhir: dict[str, Fhir], world: World, key: tuple[Any, ...]
) -> None:
    raw = base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")
    status, body = fhir["dr.chen"].get(
        "/DocumentReference", subject=f"Patient/{world.alex}", _cursor=raw
    )
    assert status == 400 and body["issue"][0]["expression"] == ["_cursor"]


# The notes service's own paging, which the search is built on ----------------------------


def test_a_smaller_page_of_shared_notes_reads_only_its_own_notes(
    fhir_app: Flask, world: World
) -> None:
    with fhir_app.app_context(), get_database(fhir_app).session() as db:
        chen, helen = (
            db.scalars(select(User).where(User.email == demo_email(key))).one()
            for key in ("dr.chen", "helen")
        )
        by = By(chen.id, chen.role, "fhir-test")
        # No basis, no count: never a number of notes one may not open.
        assert notes.shared_about_count(db, By(helen.id, helen.role, "t"), world.alex) == 0
        default = notes.shared_about(db, by, world.alex)
        assert len(default.notes) == notes.shared_about_count(db, by, world.alex) >= 2
        pages, before = [], None
        while True:
            listing = notes.shared_about(db, by, world.alex, before=before, size=1)
            assert len(listing.notes) == 1 and set(listing.words) <= {listing.notes[0].id}
            pages.append(listing.notes[0].id)
            if listing.older is None:
                break
            before = listing.older
        assert pages == [n.id for n in default.notes]
        with pytest.raises(ValueError):
            notes.shared_about(db, by, world.alex, size=0)
        db.rollback()
