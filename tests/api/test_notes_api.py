"""Notes through the API: the notes pages' own steps and decisions, the same access-log
entries, 404 for a note the caller may not see, 409 for a step the note's state refuses or a
revision based on an old one, and nothing stored from a bad, overreaching or read-only call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.auth.api_tokens import TokenScope
from peernotes.db import get_database
from peernotes.notes.models import Note
from tests.api.matrix_notes import (
    API_PAGES,
    API_WRITE_PAIRS,
    count,
    demo_app,
    entries_since,
    fill,
    last_seq,
    write_values,
)
from tests.api.tokens import Api, bearer, make_token
from tests.conftest import Templates
from tests.helpers import client_as, csrf_token, user_id
from tests.web.test_deny_by_default import DEMO_BY_ROLE, PAGES


@pytest.fixture(scope="module")
def app(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_app(templates, tmp_path_factory.mktemp("notes-api")) as app:
        yield app


def _api(app: Flask, who: str, scope: TokenScope = TokenScope.WRITE) -> Api:
    return Api(app.test_client(), make_token(app, who, scope))


def _note(app: Flask, state: str) -> int:
    """The id of Alex's demo note in this state (by Sam)."""
    alex = user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        found = db.scalar(
            select(Note.id)
            .where(Note.subject_id == alex, Note.state == state)
            .order_by(Note.id)
            .limit(1)
        )
    assert found is not None, state
    return found


def _stored(app: Flask) -> tuple[int, ...]:
    """Every row a note step may add."""
    return tuple(
        count(app, table)
        for table in (
            "notes",
            "note_revisions",
            "note_events",
            "note_statements",
            "note_section_audiences",
        )
    )


_SECTIONS = [
    {"heading": "What we talked about", "body": "Going back to study."},
    {"heading": "For the care team", "body": "Alex would like a letter for the college."},
]


# Reading: as the pages ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(DEMO_BY_ROLE), ids=lambda r: r.value)
def test_reads_answer_and_log_as_the_pages(app: Flask, role: Any) -> None:
    """Each notes read, for each demo person: the status the web matrix gives its page, and
    the same access-log entries as the page writes."""
    who = DEMO_BY_ROLE[role]
    values = write_values(app)
    web = client_as(app, who)
    api = _api(app, who, TokenScope.READ)
    for api_rule in ("/api/v1/notes", "/api/v1/notes/<int:note_id>"):
        page_rule = API_PAGES[api_rule]
        path = fill(page_rule, values)
        before = last_seq(app)
        by_page = web.get(path)
        by_web = entries_since(app, before)
        before = last_seq(app)
        response = api.get(fill(api_rule, values).removeprefix("/api/v1"))
        assert response.status_code == by_page.status_code == PAGES[page_rule][role], path
        assert entries_since(app, before) == by_web, path


def test_others_read_only_the_care_teams_sections(app: Flask) -> None:
    shared = _note(app, "shared")
    mine = _api(app, "alex", TokenScope.READ).get(f"/notes/{shared}").get_json()
    theirs = _api(app, "dr.chen", TokenScope.READ).get(f"/notes/{shared}").get_json()
    assert mine["party"] == "subject" and theirs["party"] == "other"
    cared = [s for s in mine["sections"] if s["audience"] == "care_team"]
    assert theirs["sections"] == cared and len(cared) < len(mine["sections"])
    assert theirs["withheld"] is True and theirs["events"] == []
    assert mine["approved_at"].endswith("Z")


def test_a_note_the_caller_may_not_see_answers_as_a_missing_one(app: Flask) -> None:
    draft, proposed = _note(app, "draft"), _note(app, "proposed")
    alex = _api(app, "alex", TokenScope.READ)
    doctor = _api(app, "dr.chen", TokenScope.READ)
    missing = alex.get("/notes/987654")
    assert missing.status_code == 404
    for api, note in ((alex, draft), (doctor, draft), (doctor, proposed)):
        response = api.get(f"/notes/{note}")
        assert response.status_code == 404
        assert response.get_json() == missing.get_json()
    # Nor does a list show it.
    listed = doctor.get("/notes").get_json()
    ids = {n["id"] for key in ("items", "waiting", "approved", "shared") for n in listed[key]}
    assert draft not in ids and proposed not in ids
    shown = alex.get("/notes").get_json()
    assert draft not in {n["id"] for key in ("items", "waiting", "shared") for n in shown[key]}


def test_the_notes_list_pages_cleanly(app: Flask) -> None:
    sam = _api(app, "sam")
    alex = user_id(app, "alex")
    for n in range(27):
        body = {"subject_id": alex, "sections": [{"heading": "Today", "body": f"Call {n}."}]}
        assert sam.post("/notes", body).status_code == 201
    first = sam.get("/notes").get_json()
    assert len(first["items"]) == 25 and first["next"] is not None
    assert first["items"][0]["first_words"] == "Call 26."  # the newest, read as on the page
    walked = [n["id"] for n in first["items"]]
    cursor = first["next"]
    while cursor is not None:
        page = sam.get("/notes", cursor=cursor).get_json()
        assert page["waiting"] == page["approved"] == page["shared"] == []
        walked += [n["id"] for n in page["items"]]
        cursor = page["next"]
    with app.app_context(), get_database(app).session() as db:
        his = db.scalars(
            select(Note.id)
            .where(Note.author_id == user_id(app, "sam"))
            .order_by(Note.updated_at.desc(), Note.id.desc())
        ).all()
    assert walked == list(his)
    for bad in ("nonsense!", "W10", "WzEsMl0", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ"):
        response = sam.get("/notes", cursor=bad)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "cursor"


# Writing: the life of a note ----------------------------------------------------------------


def test_a_note_from_draft_to_shared(app: Flask) -> None:
    alex_id = user_id(app, "alex")
    sam, alex, doctor = _api(app, "sam"), _api(app, "alex"), _api(app, "dr.chen")
    before = last_seq(app)
    made = sam.post("/notes", {"subject_id": alex_id, "sections": _SECTIONS})
    assert made.status_code == 201
    note = made.get_json()
    assert (note["state"], note["revision"], note["subject_id"]) == ("draft", 1, alex_id)
    assert note["author_id"] == user_id(app, "sam")
    assert entries_since(app, before) == [
        ("note:create", alex_id, "note", str(note["id"]), "allowed", "author")
    ]
    path = f"/notes/{note['id']}"
    assert alex.get(path).status_code == 404  # a draft is the writer's alone

    # A revision on the newest one is saved; one on an older one is a conflict, kept nowhere.
    words = [{"heading": "What we talked about", "body": "Going back to study, part time."}]
    assert sam.post(f"{path}/revisions", {"based_on": 1, "sections": words}).status_code == 200
    stored = _stored(app)
    stale = sam.post(f"{path}/revisions", {"based_on": 1, "sections": _SECTIONS})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    assert stale.get_json()["error"]["field"] == "based_on"
    assert _stored(app) == stored

    assert sam.post(f"{path}/propose").get_json()["state"] == "proposed"
    asked = alex.post(f"{path}/review", {"kind": "request_changes", "text": "Say 'part time'."})
    assert asked.status_code == 200 and asked.get_json()["state"] == "changes_requested"
    assert sam.post(f"{path}/revisions", {"based_on": 2, "sections": _SECTIONS}).status_code == 200
    assert sam.post(f"{path}/propose", {}).status_code == 200

    # Approval: one audience per section, for the revision read.
    for body, status in (
        ({"revision": 3, "audiences": ["just_us"]}, 422),
        ({"revision": 2, "audiences": ["just_us", "care_team"]}, 422),
        ({"revision": 3, "audiences": ["everyone", "care_team"]}, 400),
    ):
        stored = _stored(app)
        assert alex.post(f"{path}/approve", body).status_code == status, body
        assert _stored(app) == stored
    approved = alex.post(f"{path}/approve", {"revision": 3, "audiences": ["just_us", "care_team"]})
    assert approved.status_code == 200
    assert approved.get_json()["state"] == "shared"
    assert approved.get_json()["approved_revision"] == 3
    seen = doctor.get(path).get_json()
    assert [s["heading"] for s in seen["sections"]] == ["For the care team"]

    # The person's own words stay beside it; a step the state refuses is a 409.
    said = alex.post(f"{path}/review", {"kind": "own_words", "text": "I liked this talk."})
    assert said.status_code == 200
    assert alex.get(path).get_json()["statements"][0]["text"] == "I liked this talk."
    refused = alex.post(f"{path}/review", {"kind": "decline", "text": ""})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("who", "path", "body", "status"),
    [
        ("alex", "/notes", {"subject_id": 0, "sections": _SECTIONS}, 403),
        ("dr.chen", "/notes", {"subject_id": 0, "sections": _SECTIONS}, 403),
        ("auditor", "/notes", {"subject_id": 0, "sections": _SECTIONS}, 403),
        ("sam", "/notes/{shared}/approve", {"revision": 1, "audiences": ["just_us"]}, 403),
        ("sam", "/notes/{shared}/review", {"kind": "decline"}, 403),
        ("alex", "/notes/{shared}/propose", {}, 403),
        ("alex", "/notes/{shared}/revisions", {"based_on": 1, "sections": _SECTIONS}, 403),
        ("linh", "/notes/{shared}/approve", {"revision": 1, "audiences": ["just_us"]}, 404),
        ("helen", "/notes/{shared}/propose", {}, 404),
        ("tui", "/notes/{shared}/revisions", {"based_on": 1, "sections": _SECTIONS}, 404),
    ],
)
def test_who_may_not_take_a_step(
    app: Flask, who: str, path: str, body: dict[str, Any], status: int
) -> None:
    stored = _stored(app)
    response = _api(app, who).post(path.format(shared=_note(app, "shared")), body)
    assert response.status_code == status
    assert _stored(app) == stored


def test_a_note_with_someone_the_writer_does_not_support_answers_as_no_one(app: Flask) -> None:
    stored = _stored(app)
    missing = _api(app, "sam").post("/notes", {"subject_id": 987654, "sections": _SECTIONS})
    assert missing.status_code == 404
    for who, subject in (("sam", "maya"), ("helen", "alex"), ("tui", "alex")):
        before = last_seq(app)
        body = {"subject_id": user_id(app, subject), "sections": _SECTIONS}
        response = _api(app, who).post("/notes", body)
        assert response.status_code == 404 and response.get_json() == missing.get_json()
        assert [e[0::4] for e in entries_since(app, before)] == [("note:create", "denied")]
    assert _stored(app) == stored


def _create(**extra: Any) -> dict[str, Any]:
    return {"subject_id": "alex", "sections": _SECTIONS, **extra}


@pytest.mark.parametrize(
    ("path", "body", "field", "status"),
    [
        ("/notes", _create(author_id=1), "author_id", 400),
        ("/notes", _create(consumer_id=1), "consumer_id", 400),
        ("/notes", _create(created_at="2020-01-01T00:00:00Z"), "created_at", 400),
        ("/notes", _create(state="shared"), "state", 400),
        ("/notes", _create(role="clinician"), "role", 400),
        ("/notes", _create(kind="carer_support"), "kind", 400),
        ("/notes", _create(approved_revision=1), "approved_revision", 400),
        ("/notes", {"subject_id": "8", "sections": _SECTIONS}, "subject_id", 400),
        ("/notes", {"subject_id": 10**30, "sections": _SECTIONS}, "subject_id", 400),
        ("/notes", {"subject_id": 0, "sections": _SECTIONS}, "subject_id", 400),
        ("/notes", {"subject_id": True, "sections": _SECTIONS}, "subject_id", 400),
        ("/notes", _create(sections=[]), "sections", 400),
        ("/notes", _create(sections="text"), "sections", 400),
        ("/notes", _create(sections=[{"heading": "", "body": "x"}]), "sections.0.heading", 400),
        (
            "/notes",
            _create(sections=[{"heading": "h", "body": "x", "audience": "care_team"}]),
            "sections.0.audience",
            400,
        ),
        ("/notes", _create(sections=[{"heading": "h", "body": 5}]), "sections.0.body", 400),
        ("/notes", _create(sections=[{"heading": "h", "body": "a\x00b"}]), "sections.0.body", 400),
        ("/notes", _create(sections=[{"heading": "h", "body": "x"}] * 13), "sections", 400),
        ("/notes", _create(sections=[{"heading": "h", "body": "  "}]), None, 422),
        (
            "/notes",
            _create(sections=[{"heading": "h", "body": "x", "content_note": "gore"}]),
            "sections.0.content_note",
            400,
        ),
        (
            "/notes/{shared}/revisions",
            {"based_on": 1, "sections": _SECTIONS, "author_id": 1},
            "author_id",
            400,
        ),
        (
            "/notes/{shared}/revisions",
            {"based_on": 1, "sections": _SECTIONS, "subject_id": 1},
            "subject_id",
            400,
        ),
        ("/notes/{shared}/revisions", {"based_on": "1", "sections": _SECTIONS}, "based_on", 400),
        ("/notes/{shared}/revisions", {"sections": _SECTIONS}, "based_on", 400),
        ("/notes/{shared}/revisions", {"based_on": 2**63, "sections": _SECTIONS}, "based_on", 400),
        ("/notes/{shared}/propose", {"state": "proposed"}, "state", 400),
    ],
)
def test_bad_or_overreaching_bodies_store_nothing(
    app: Flask, path: str, body: dict[str, Any], field: str | None, status: int
) -> None:
    if body.get("subject_id") == "alex":
        body = {**body, "subject_id": user_id(app, "alex")}
    stored = _stored(app)
    response = _api(app, "sam").post(path.format(shared=_note(app, "shared")), body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert _stored(app) == stored


@pytest.mark.parametrize(
    ("path", "body", "field", "status"),
    [
        ("/notes/{proposed}/approve", {"revision": 1, "audiences": ["x"]}, "audiences.0", 400),
        ("/notes/{proposed}/approve", {"revision": 1, "audiences": []}, "audiences", 400),
        ("/notes/{proposed}/approve", {"audiences": ["just_us"]}, "revision", 400),
        (
            "/notes/{proposed}/approve",
            {"revision": 1, "audiences": ["just_us"], "set_by_id": 5},
            "set_by_id",
            400,
        ),
        ("/notes/{proposed}/review", {"kind": "correction_reply", "text": "x"}, "kind", 400),
        ("/notes/{proposed}/review", {"kind": "decline", "author_id": 1}, "author_id", 400),
        ("/notes/{proposed}/review", {"kind": "request_changes", "text": 5}, "text", 400),
        ("/notes/{proposed}/review", {"kind": "request_changes", "text": " "}, None, 422),
    ],
)
def test_bad_reviews_store_nothing(
    app: Flask, path: str, body: dict[str, Any], field: str | None, status: int
) -> None:
    stored = _stored(app)
    response = _api(app, "alex").post(path.format(proposed=_note(app, "proposed")), body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert _stored(app) == stored


def test_malformed_json_stores_nothing(app: Flask) -> None:
    client = app.test_client()
    headers = bearer(make_token(app, "sam"))
    stored = _stored(app)
    for data in ('{"subject_id": 8, "sections": [', "[]", "null", "8"):
        response = client.post(
            "/api/v1/notes", data=data, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, data
    form = client.post("/api/v1/notes", data={"subject_id": "8"}, headers=headers)
    assert form.status_code == 415
    assert _stored(app) == stored


def test_a_read_token_cannot_write(app: Flask) -> None:
    shared, proposed = _note(app, "shared"), _note(app, "proposed")
    sam = _api(app, "sam", TokenScope.READ)
    alex = _api(app, "alex", TokenScope.READ)
    stored = _stored(app)
    for api, path, body in (
        (sam, "/notes", {"subject_id": user_id(app, "alex"), "sections": _SECTIONS}),
        (sam, f"/notes/{shared}/revisions", {"based_on": 1, "sections": _SECTIONS}),
        (sam, f"/notes/{shared}/propose", {}),
        (alex, f"/notes/{proposed}/review", {"kind": "request_changes", "text": "x"}),
        (alex, f"/notes/{proposed}/approve", {"revision": 1, "audiences": ["just_us"]}),
    ):
        response = api.post(path, body)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert _stored(app) == stored


# Writing: the same as the web forms --------------------------------------------------------


def _kind(status: int) -> str:
    """What parity compares: refused at the door (403), nothing there (404), a step the state
    refuses (409), or answered (done, or refused with a message: a page's redirect)."""
    return {403: "forbidden", 404: "absent", 409: "not_now"}.get(status, "answered")


def test_each_write_does_what_its_form_does(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every pair, in order, each demo person in turn, on twin databases: the form on one, the
    API on the other; the same permit or refusal, and the same access-log entries. The twins
    change alike, so each step meets the same state on both (the shared note is revised, then
    approved again, and so on)."""
    with (
        demo_app(templates, tmp_path_factory.mktemp("notes-api-twin")) as app,
        demo_app(templates, tmp_path_factory.mktemp("notes-web-twin")) as twin,
    ):
        people = []
        for who in DEMO_BY_ROLE.values():
            web = client_as(twin, who)
            # One CSRF token serves a signed-in session's every form.
            token = csrf_token(web.get("/").get_data(as_text=True))
            people.append((who, web, token, _api(app, who)))
        for (api_method, api_rule, body), (web_method, web_rule, form) in API_WRITE_PAIRS:
            assert api_method == web_method == "POST"
            values = write_values(app)
            assert write_values(twin) == values
            for who, web, token, api in people:
                before = last_seq(twin)
                data = {**fill(form, values, as_text=True), "csrf_token": token}
                page = web.post(fill(web_rule, values), data=data)
                by_web = entries_since(twin, before)
                before = last_seq(app)
                path = fill(api_rule, values).removeprefix("/api/v1")
                response = api.post(path, fill(body, values))
                by_api = entries_since(app, before)
                said = f"{who}: {api_rule} {response.status_code}, {web_rule} {page.status_code}"
                assert _kind(response.status_code) == _kind(page.status_code), said
                assert by_api == by_web, said


def test_a_section_s_content_note_goes_in_and_comes_back_as_on_the_pages(app: Flask) -> None:
    """A writer tags a section through the API as on the note page: it is stored in the
    revision, read back on it, and shown on the page; a revision sent without it has none."""
    sam = _api(app, "sam")
    tagged = [
        {"heading": "What we talked about", "body": "A hard week.", "content_note": "self_harm"},
        {"heading": "Plans", "body": "Study, part time."},
    ]
    made = sam.post("/notes", {"subject_id": user_id(app, "alex"), "sections": tagged})
    assert made.status_code == 201, made.get_json()
    path = f"/notes/{made.get_json()['id']}"
    read = sam.get(path).get_json()
    assert [s["content_note"] for s in read["sections"]] == ["self_harm", None]
    page = client_as(app, "sam").get(path).get_data(as_text=True)
    assert "Content note: self-harm" in page
    plain = [{k: v for k, v in s.items() if k != "content_note"} for s in tagged]
    assert sam.post(f"{path}/revisions", {"based_on": 1, "sections": plain}).status_code == 200
    assert [s["content_note"] for s in sam.get(path).get_json()["sections"]] == [None, None]
