"""A person's timeline through the API: what the web timeline shows, the same access-log
entries, the same 404 for a person with nothing here for the caller, and clean keyset pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from peernotes.auth.api_tokens import TokenScope
from tests.api.matrix_notes import demo_app, entries_since, last_seq
from tests.api.tokens import Api, make_token
from tests.conftest import Templates
from tests.helpers import client_as, user_id


@pytest.fixture(scope="module")
def app(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_app(templates, tmp_path_factory.mktemp("timeline-api")) as app:
        yield app


def _api(app: Flask, who: str) -> Api:
    return Api(app.test_client(), make_token(app, who, TokenScope.READ))


def _walk(api: Api, path: str, limit: int) -> tuple[list[tuple[str, int]], int]:
    """Every item, page by page, and how many pages it took."""
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = api.get(path, **query)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        seen += [(i["kind"], i["id"]) for i in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alex", 200),
        ("sam", 200),
        ("dr.chen", 200),
        ("linh", 404),
        ("helen", 404),
        ("auditor", 403),
        ("admin", 403),
    ],
)
def test_who_sees_alexs_timeline_and_what_is_logged(app: Flask, who: str, status: int) -> None:
    """As the web page, entry for entry (the timeline's own and one per note's first words)."""
    path = f"/people/{user_id(app, 'alex')}/timeline"
    web = client_as(app, who)
    before = last_seq(app)
    page = web.get(path)
    by_web = entries_since(app, before)
    before = last_seq(app)
    response = _api(app, who).get(path, limit=25)
    assert response.status_code == page.status_code == status
    assert entries_since(app, before) == by_web and by_web


def test_the_timeline_shows_only_what_the_caller_may_see(app: Flask) -> None:
    alex = user_id(app, "alex")
    path = f"/people/{alex}/timeline"
    mine = _api(app, "alex").get(path, limit=100).get_json()["items"]
    doctor = _api(app, "dr.chen").get(path, limit=100).get_json()["items"]
    writer = _api(app, "sam").get(path, limit=100).get_json()["items"]
    states = {i["id"]: i["label"] for i in writer if i["kind"] == "note"}
    # Sam's draft is his alone; Alex sees his notes once proposed; the doctor, shared ones.
    assert "draft" in states.values()
    assert all(i["label"] != "draft" for i in mine if i["kind"] == "note")
    assert {i["label"] for i in doctor if i["kind"] == "note"} == {"shared"}
    # Sam (a peer worker) reads only the demo's letter Alex shares with him (its category is
    # the one Alex's consent names); Alex and his doctor read all of them.
    assert [i["label"] for i in writer if i["kind"] == "record"] == ["letters"]
    assert {i["id"] for i in mine if i["kind"] == "record"} == {
        i["id"] for i in doctor if i["kind"] == "record"
    }
    for item in mine:
        assert item["at"].endswith("Z")


def test_nothing_here_answers_as_no_one(app: Flask) -> None:
    api = _api(app, "linh")
    withheld = api.get(f"/people/{user_id(app, 'alex')}/timeline")
    missing = api.get("/people/987654/timeline")
    assert withheld.status_code == missing.status_code == 404
    assert withheld.get_json() == missing.get_json()


def test_pages_walk_the_whole_timeline_once(app: Flask) -> None:
    alex = user_id(app, "alex")
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    for n in range(4):  # entries written in the same instant as others sort by id
        body = {"category": "clinical_note", "title": f"Visit {n}", "body": "Seen."}
        assert doctor.post(f"/people/{alex}/record", body).status_code == 201
    path = f"/people/{alex}/timeline"
    everything, one_page = _walk(doctor, path, 100)
    assert one_page == 1 and len(everything) >= 6
    for limit in (1, 2, 3):
        walked, pages = _walk(doctor, path, limit)
        assert walked == everything
        assert pages == -(-len(everything) // limit)


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense!",
        "W10",  # []
        "WzEsMiwzXQ",  # [1, 2, 3]: not a time first
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiw3LDFd",  # a kind that is neither
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwwLDFd",  # a time without its zone
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwwLDk5OTk5OTk5OTk5OTk5OV0",  # an id too large
    ],
)
def test_a_bad_cursor_is_400_on_cursor(app: Flask, cursor: str) -> None:
    api = _api(app, "alex")
    response = api.get(f"/people/{user_id(app, 'alex')}/timeline", cursor=cursor)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "cursor"


def test_unknown_query_parameters_are_refused(app: Flask) -> None:
    api = _api(app, "alex")
    response = api.get(f"/people/{user_id(app, 'alex')}/timeline", before="x")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "before"
