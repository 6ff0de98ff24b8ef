"""`/api/v1/audit/entries` and `/api/v1/my/access-log`: the access log as its two pages show
it (the same filters, checks, entries and words), paged by entry number with a `next` cursor."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.tokens import Api, make_token
from tests.helpers import client_as, query, user_id


def _count(app: Flask, action: str) -> int:
    sql = "SELECT count(*) FROM audit_log WHERE action = :a"
    return int(query(app, sql, {"a": action})[0][0])  # type: ignore[call-overload]


@pytest.fixture
def auditor(app: Flask, client: FlaskClient) -> Api:
    return Api(client, make_token(app, "auditor"))


def _all_pages(api: Api, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        answer = api.get(path, **params, **extra)
        assert answer.status_code == 200, answer.get_json()
        items += answer.get_json()[key]
        cursor = answer.get_json()["next"]
        if cursor is None:
            return items


def _web_seqs(client: FlaskClient, params: dict[str, Any]) -> list[int]:
    page = client.get("/audit", query_string=params).get_data(as_text=True)
    return [int(s) for s in re.findall(r'href="/audit/entries/(\d+)"', page)]


def test_pages_run_newest_first_without_gaps_or_repeats(app: Flask, auditor: Api) -> None:
    seqs = [e["seq"] for e in _all_pages(auditor, "/audit/entries", "entries", limit=7)]
    everything = [int(r[0]) for r in query(app, "SELECT seq FROM audit_log ORDER BY seq DESC")]
    # Each page's own `audit:list` entries come after it: the first page's view of the log.
    assert seqs == [s for s in everything if s <= seqs[0]]
    assert len(seqs) > 7


FILTERS: list[dict[str, Any]] = [
    {},
    {"action": "consent:grant"},
    {"action": "reads"},
    {"outcome": "denied"},
    {"basis": "self"},
    {"basis": "role"},
    {"seq_from": 5, "seq_to": 30},
    {"date_from": "2000-01-01"},
    {"date_to": "2000-01-01"},
]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: str(p) or "none")
def test_filters_find_what_the_audit_page_finds(
    app: Flask, auditor: Api, params: dict[str, Any]
) -> None:
    alex = user_id(app, "alex")
    web = client_as(app, "auditor")
    for extra in ({}, {"actor_id": alex}, {"subject_id": alex}):
        wanted = {**params, **extra}
        shown = _web_seqs(web, wanted)
        answer = auditor.get("/audit/entries", limit=100, **wanted)
        assert answer.status_code == 200, answer.get_json()
        # The page was seen first: what was logged since (its own `audit:list`, the API's
        # call) heads the API's answer; the rest is the page's, entry for entry.
        seqs = [e["seq"] for e in answer.get_json()["entries"]]
        if not shown:
            assert seqs == [], wanted
            continue
        got = [s for s in seqs if min(shown) <= s <= max(shown)]
        assert got == shown, wanted
        if len(shown) < 50:  # the page holds all there is: so does the API
            assert [s for s in seqs if s <= max(shown)] == shown, wanted


def test_an_entry_is_its_metadata_only(app: Flask, auditor: Api) -> None:
    entry = auditor.get("/audit/entries", action="consent:grant", limit=1).get_json()["entries"][0]
    assert set(entry) == {
        "seq",
        "occurred_at",
        "actor_id",
        "actor_name",
        "actor_role",
        "action",
        "action_words",
        "subject_id",
        "subject_name",
        "target_type",
        "target_id",
        "outcome",
        "basis",
        "request_id",
    }
    assert entry["occurred_at"].endswith("Z")
    assert entry["subject_name"] == "Alex Nguyen"


def test_each_review_is_on_record_as_the_pages(app: Flask, auditor: Api) -> None:
    auditor_id, alex = user_id(app, "auditor"), user_id(app, "alex")
    auditor.get("/audit/entries", subject_id=alex)
    (entry,) = query(
        app,
        "SELECT actor_id, subject_id, outcome, basis, request_id FROM audit_log "
        "WHERE action = 'audit:list' ORDER BY seq DESC LIMIT 1",
    )
    assert entry[:4] == (auditor_id, alex, "allowed", "role:auditor")
    (call,) = query(
        app,
        "SELECT target_type, request_id FROM audit_log WHERE action = 'api:call' "
        "ORDER BY seq DESC LIMIT 1",
    )
    assert call == ("api_token", entry[4])
    client_as(app, "auditor").get("/audit", query_string={"subject_id": alex})
    web = query(
        app,
        "SELECT actor_id, subject_id, outcome, basis FROM audit_log "
        "WHERE action = 'audit:list' ORDER BY seq DESC LIMIT 1",
    )
    assert web[0] == entry[:4]


BAD_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"actor_id": 999999}, "actor_id"),
    ({"actor_id": "sam"}, "actor_id"),
    ({"subject_id": 1}, "subject_id"),  # the coordinator: no one's information is about them
    ({"action": "nothing:at_all"}, "action"),
    ({"outcome": "maybe"}, "outcome"),
    ({"basis": "self'; --"}, "basis"),
    ({"date_from": "0001-01-01"}, "date_from"),
    ({"date_from": "2026-02-30"}, "date_from"),
    ({"time_from": "10:00"}, "time_from"),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
    ({"seq_from": 0}, "seq_from"),
    ({"seq_from": 2**63}, "seq_from"),
    ({"seq_from": 10, "seq_to": 5}, "seq_to"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "WyJ4Il0"}, "cursor"),
    ({"denied_only": "y"}, "denied_only"),
]


@pytest.mark.parametrize(("params", "field"), BAD_FILTERS, ids=lambda v: str(v))
def test_bad_filters_name_the_field_and_show_nothing(
    app: Flask, auditor: Api, params: dict[str, Any], field: str
) -> None:
    if field == "subject_id":
        params = {"subject_id": user_id(app, "admin")}
    listed = _count(app, "audit:list")
    answer = auditor.get("/audit/entries", **params)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["field"] == field
    assert _count(app, "audit:list") == listed


def test_only_auditors_review_the_log(app: Flask, client: FlaskClient) -> None:
    for key in ("alex", "dr.chen", "admin"):
        answer = Api(client, make_token(app, key)).get("/audit/entries")
        assert answer.status_code == 403, key


# One's own history ---------------------------------------------------------------------------


@pytest.fixture
def alex(app: Flask, client: FlaskClient) -> Api:
    return Api(client, make_token(app, "alex"))


def test_ones_own_history_reads_as_the_page(app: Flask, alex: Api) -> None:
    page = client_as(app, "alex").get("/my/access-log").get_data(as_text=True)
    shown = [unescape(s).strip() for s in re.findall(r"</time> ([^<]+)", page)]
    lines = alex.get("/my/access-log", limit=50).get_json()["lines"]
    assert shown, "the demo gives Alex a history"
    assert [line["sentence"] for line in lines] == shown
    # About him alone.
    alex_id = user_id(app, "alex")
    seqs = [line["seq"] for line in lines]
    about = {
        int(r[0])
        for r in query(app, "SELECT seq FROM audit_log WHERE subject_id = :s", {"s": alex_id})
    }
    assert set(seqs) <= about


def test_ones_own_history_pages_and_is_on_record(app: Flask, alex: Api) -> None:
    viewed = _count(app, "audit:view_own")
    lines = _all_pages(alex, "/my/access-log", "lines", limit=5)
    seqs = [line["seq"] for line in lines]
    assert seqs == sorted(set(seqs), reverse=True) and len(seqs) > 5
    assert _count(app, "audit:view_own") > viewed
    (entry,) = query(
        app,
        "SELECT actor_id, subject_id, outcome, basis FROM audit_log "
        "WHERE action = 'audit:view_own' ORDER BY seq DESC LIMIT 1",
    )
    alex_id = user_id(app, "alex")
    assert entry == (alex_id, alex_id, "allowed", "self")


def test_ones_own_filters_are_the_pages(app: Flask, alex: Api) -> None:
    others = alex.get("/my/access-log", others_only="y", limit=100).get_json()["lines"]
    assert others and all(line["who"] != "You" for line in others)
    refused = alex.get("/my/access-log", refused_only="true", limit=100).get_json()["lines"]
    assert all(line["denied"] for line in refused)
    everything = alex.get("/my/access-log", limit=100).get_json()["lines"]
    unfiltered = alex.get("/my/access-log", others_only="false", limit=100).get_json()["lines"]
    assert len(unfiltered) > len(others)
    assert {line["seq"] for line in everything} <= {line["seq"] for line in unfiltered}
    service = alex.get("/my/access-log", person="service", limit=100).get_json()["lines"]
    assert all(line["who"] == "The PeerNotes service" for line in service)
    chen = user_id(app, "dr.chen")
    by_chen = alex.get("/my/access-log", person=str(chen), limit=100).get_json()["lines"]
    assert by_chen and all(line["who"].startswith("Dr Mei Chen") for line in by_chen)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"person": "999999"}, "person"),
        ({"person": "someone"}, "person"),
        ({"others_only": "perhaps"}, "others_only"),
        ({"refused_only": "2"}, "refused_only"),
        ({"subject_id": "1"}, "subject_id"),
        ({"cursor": "%%%"}, "cursor"),
    ],
    ids=str,
)
def test_ones_own_bad_filters_show_nothing(
    app: Flask, alex: Api, params: dict[str, Any], field: str
) -> None:
    viewed = _count(app, "audit:view_own")
    answer = alex.get("/my/access-log", **params)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["field"] == field
    assert _count(app, "audit:view_own") == viewed


def test_only_those_with_a_history_of_their_own_read_it(app: Flask, client: FlaskClient) -> None:
    for key, status in (("linh", 200), ("sam", 403), ("auditor", 403)):
        answer = Api(client, make_token(app, key)).get("/my/access-log")
        assert answer.status_code == status, key
