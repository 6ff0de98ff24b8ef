"""Page positions (`?before=` / `?after=`) on every keyset-paged page: one the app could not
have written answers 400 with words saying so, never a 500 and never a silently different page.

A probe found `?before=99999999999999999999999999` overflowing the database driver (a 500) on
the record, the access log and a person's own history. Every page that writes such links is in
PAGED; `test_every_paged_link_is_covered` fails when a template links a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import demo_email, sign_in, user_id

#: The columns' ranges on PostgreSQL: row ids are INTEGER, access-log numbers BIGINT.
ID_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Paged:
    endpoint: str
    who: str
    #: {jordan} is filled with Jordan's id.
    path: str
    names: tuple[str, ...]
    #: The largest position the column it is compared with holds.
    maximum: int


PAGED = (
    Paged("records.list_entries", "dr.chen", "/people/{jordan}/record", ("before",), ID_MAX),
    Paged("accesslog.show_own_log", "jordan", "/my/access-log", ("before", "after"), BIGINT_MAX),
    Paged("accesslog.list_entries", "auditor", "/audit", ("before", "after"), BIGINT_MAX),
)

#: Not positions the app writes: too big for the database, signed, not ASCII digits, not
#: integers at all, padded, empty-looking.
BAD_NUMBERS = (
    "99999999999999999999999999",
    str(BIGINT_MAX + 1),
    "-1",
    "-99999999999999999999999999",
    "abc",
    "1.5",
    "1e5",
    "0x10",
    " 7",
    "7 ",
    "١٢",
    "+7",
)

#: The timeline's position is (time|kind|id): each part bad in turn.
BAD_TIMELINE = (
    "2026-01-01T00:00:00+00:00|note|99999999999999999999999999",
    f"2026-01-01T00:00:00+00:00|record|{ID_MAX + 1}",
    f"2026-01-01T00:00:00+00:00|record|{BIGINT_MAX + 1}",
    "2026-01-01T00:00:00+00:00|note|-1",
    "2026-01-01T00:00:00+00:00|note|x",
    "2026-01-01T00:00:00+00:00|note|",
    "2026-01-01T00:00:00|note|5",  # no time zone: the columns refuse naive times
    "0001-01-01T00:00:00+05:00|note|5",  # out of range once in UTC
    "9999-12-31T23:59:59-05:00|note|5",
    "99999-01-01T00:00:00+00:00|note|5",
    "yesterday|note|5",
    "2026-01-01T00:00:00+00:00|other|5",
    "2026-01-01T00:00:00+00:00|note",
    "2026-01-01T00:00:00+00:00|note|5|6",
    "|||",
)


def _client(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(who)).status_code == 302
    return client


def _refused(response_status: int, body: str) -> None:
    assert response_status == 400, body[:300]
    assert "That page position isn&#39;t one we recognise" in body


@pytest.mark.parametrize("paged", PAGED, ids=lambda p: p.endpoint)
def test_a_position_the_app_could_not_write_is_a_400(app: Flask, paged: Paged) -> None:
    client = _client(app, paged.who)
    path = paged.path.format(jordan=user_id(app, "jordan"))
    for name in paged.names:
        for bad in (*BAD_NUMBERS, str(paged.maximum + 1)):
            response = client.get(f"{path}?{name}={bad}")
            _refused(response.status_code, response.get_data(as_text=True))


@pytest.mark.parametrize("paged", PAGED, ids=lambda p: p.endpoint)
def test_positions_in_range_are_pages(app: Flask, paged: Paged) -> None:
    """The largest position the database holds, zero, and none at all are answered (a page,
    perhaps empty): the bound is the database's, not narrower."""
    client = _client(app, paged.who)
    path = paged.path.format(jordan=user_id(app, "jordan"))
    for name in paged.names:
        for good in (str(paged.maximum), "0", "1", ""):
            response = client.get(f"{path}?{name}={good}")
            assert response.status_code == 200, (name, good)


def test_a_timeline_position_the_app_could_not_write_is_a_400(app: Flask) -> None:
    client = _client(app, "dr.chen")
    path = f"/people/{user_id(app, 'jordan')}/timeline"
    for bad in BAD_TIMELINE:
        response = client.get(path, query_string={"before": bad})
        _refused(response.status_code, response.get_data(as_text=True))
    for good in (
        f"2026-01-01T00:00:00+00:00|note|{ID_MAX}",
        "2026-01-01T10:00:00+10:00|record|1",
        "9999-12-31T23:59:59+00:00|note|0",
    ):
        assert client.get(path, query_string={"before": good}).status_code == 200, good


#: A notes list's position is (time|id): each part bad in turn.
BAD_NOTES_LIST = (
    "2026-01-01T00:00:00+00:00|99999999999999999999999999",
    f"2026-01-01T00:00:00+00:00|{ID_MAX + 1}",
    "2026-01-01T00:00:00+00:00|-1",
    "2026-01-01T00:00:00+00:00|x",
    "2026-01-01T00:00:00+00:00|",
    "2026-01-01T00:00:00|5",  # no time zone
    "0001-01-01T00:00:00+05:00|5",
    "99999-01-01T00:00:00+00:00|5",
    "yesterday|5",
    "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00+00:00|5|6",
    "||",
)


@pytest.mark.parametrize(("who", "path"), [("alex", "/notes"), ("dr.chen", "/people/{alex}/notes")])
def test_a_notes_list_position_the_app_could_not_write_is_a_400(
    app: Flask, who: str, path: str
) -> None:
    client = _client(app, who)
    path = path.format(alex=user_id(app, "alex"))
    for bad in BAD_NOTES_LIST:
        response = client.get(path, query_string={"before": bad})
        _refused(response.status_code, response.get_data(as_text=True))
    # The first page, and one after every note: the list from its start.
    for good in ("", f"9999-12-31T23:59:59+00:00|{ID_MAX}"):
        assert client.get(path, query_string={"before": good}).status_code == 200, good
    # Before every note: nothing more of one's own notes; a person's shared list past its
    # end answers as when they shared nothing.
    older = client.get(path, query_string={"before": "2000-01-01T10:00:00+10:00|1"})
    assert older.status_code == (200 if path == "/notes" else 404)


def test_audit_filters_out_of_the_database_range_are_explained(app: Flask) -> None:
    """The auditor's entry-number and date filters sit beside the page positions: a number
    beyond the database's range, or a date whose window would leave the calendar, is a field
    error on the form (400), not a 500."""
    client = _client(app, "auditor")
    for query in (
        {"seq_from": "99999999999999999999999999"},
        {"seq_to": str(BIGINT_MAX + 1)},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
    ):
        response = client.get("/audit", query_string=query)
        assert response.status_code in (200, 400), (query, response.status_code)
        body = response.get_data(as_text=True)
        assert "Give a year between" in body or "at most 19 digits" in body, query


def test_every_paged_link_is_covered() -> None:
    """Every template link that carries a page position is to a page in PAGED (or the
    timeline and the notes lists, tested with their own positions)."""
    templates = Path(__file__).parents[2] / "peernotes" / "templates"
    linked: set[str] = set()
    for template in templates.rglob("*.html"):
        text = template.read_text()
        for call in re.findall(
            r"(?:url_for|audit_page_url)\([^)]*\b(?:before|after)=[^)]*\)", text
        ):
            linked.add(re.findall(r"'([a-z_.]+)'", call)[0])
    assert linked, "no paged links found: the pattern is stale"
    assert linked <= {p.endpoint for p in PAGED} | {
        "notes.timeline",
        "notes.index",
        "notes.shared_about",
    }, linked


def test_a_bad_position_answers_alike_whoever_the_address_names(app: Flask) -> None:
    """400 for a person in care, one not, and no one: a bad position must not tell apart who
    exists (a record one may not see answers like a missing one, 404, when positions are fine)."""
    client = _client(app, "dr.chen")
    people = (user_id(app, "jordan"), user_id(app, "maya"), 2_000_000)
    for subject in people:
        for path in (f"/people/{subject}/record", f"/people/{subject}/timeline"):
            bad = "x|note|1" if path.endswith("timeline") else "x"
            response = client.get(path, query_string={"before": bad})
            assert response.status_code == 400, (path, response.status_code)
