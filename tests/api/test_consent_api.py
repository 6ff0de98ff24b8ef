"""`/api/v1/consent`: the same consent service, checks, receipts and access-log entries as the
consent pages; bad input and mass assignment refused with the field named and nothing stored."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.auth.api_tokens import TokenScope
from tests.api.matrix_consent import API_WRITE_PAIRS, fill, write_values
from tests.api.tokens import Api, make_token
from tests.helpers import client_as, count_rows, csrf_token, query, user_id

STORED = ("consent_directives", "consent_provisions", "consent_provision_categories")


def _stored(app: Flask) -> dict[str, int]:
    return {table: count_rows(app, table) for table in STORED}


def _entries_since(app: Flask, seq: int) -> list[tuple[object, ...]]:
    """The entries after `seq` but the token's own `api:call`: (actor, action, subject, target
    type, outcome, basis)."""
    return query(
        app,
        "SELECT actor_id, action, subject_id, target_type, outcome, basis FROM audit_log "
        "WHERE seq > :s AND action != 'api:call' ORDER BY seq",
        {"s": seq},
    )


def _head(app: Flask) -> int:
    return int(query(app, "SELECT coalesce(max(seq), 0) FROM audit_log")[0][0])  # type: ignore[call-overload]


def _grant(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grantee": "role:clinician",
        "categories": ["care_plan"],
        "act": "read",
        "purpose": "so they know my plan",
        "days": 30,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def alex(app: Flask, client: FlaskClient) -> Api:
    return Api(client, make_token(app, "alex"))


def test_reads_what_the_consent_page_shows(app: Flask, alex: Api) -> None:
    answer = alex.get("/consent")
    assert answer.status_code == 200
    body = answer.get_json()
    page = client_as(app, "alex").get("/my/consent").get_data(as_text=True)
    # Whom he may share with: exactly the choices his form offers.
    offered = [v for v in re.findall(r'<option value="([^"]*)"', page) if v]
    assert [c["value"] for c in body["choices"]] == offered
    # What he shares now: each share in the page's own words.
    assert body["provisions"], "the demo has Alex sharing his letters with Sam"
    for provision in body["provisions"]:
        assert provision["words"] in unescape(page)
    assert [c["version"] for c in body["history"]] == sorted(
        (c["version"] for c in body["history"]), reverse=True
    )
    assert body["acts"] == ["read", "contribute"]


def test_a_grant_is_the_services_with_its_receipt_and_entry(app: Flask, alex: Api) -> None:
    before = _stored(app)
    head = _head(app)
    answer = alex.post("/consent/grants", _grant(grantee=f"person:{user_id(app, 'linh')}"))
    assert answer.status_code == 201, answer.get_json()
    provision = answer.get_json()["provision"]
    assert provision["grantee"] == f"person:{user_id(app, 'linh')}"
    assert answer.get_json()["receipt"].startswith("From now on, Linh Nguyen (carer) can read")
    assert provision["valid_until"].endswith("Z")
    assert _stored(app)["consent_directives"] == before["consent_directives"] + 1
    # The same entry the consent page writes, tied to the token's call by the request id.
    alex_id = user_id(app, "alex")
    assert _entries_since(app, head) == [
        (alex_id, "consent:grant", alex_id, "consent_provision", "allowed", "self")
    ]
    (call,) = query(
        app,
        "SELECT request_id FROM audit_log WHERE seq > :s AND action = 'api:call'",
        {"s": head},
    )
    (grant,) = query(
        app,
        "SELECT request_id, target_id FROM audit_log WHERE seq > :s AND action = 'consent:grant'",
        {"s": head},
    )
    assert grant == (call[0], str(provision["id"]))
    assert provision["id"] in [p["id"] for p in alex.get("/consent").get_json()["provisions"]]


def test_a_revocation_is_the_services_and_someone_elses_is_missing(
    app: Flask, client: FlaskClient, alex: Api
) -> None:
    provision = int(write_values(app)["provision_id"])
    jordan = Api(client, make_token(app, "jordan"))
    before = _stored(app)
    head = _head(app)
    refused = jordan.post(f"/consent/provisions/{provision}/revoke")
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "not_found"
    assert _stored(app) == before
    alex_id, jordan_id = user_id(app, "alex"), user_id(app, "jordan")
    # On record, on Alex's own page too (the subject is the share's owner).
    assert _entries_since(app, head) == [
        (jordan_id, "consent:revoke", alex_id, "consent_provision", "denied", "not_found")
    ]
    answer = alex.post(f"/consent/provisions/{provision}/revoke")
    assert answer.status_code == 200
    assert answer.get_json()["revoked"] == provision
    assert "can no longer see medication" in answer.get_json()["receipt"]
    assert provision not in [p["id"] for p in alex.get("/consent").get_json()["provisions"]]
    # Once ended, it is missing to him too.
    assert alex.post(f"/consent/provisions/{provision}/revoke").status_code == 404


def test_a_read_token_changes_nothing(app: Flask, client: FlaskClient) -> None:
    reader = Api(client, make_token(app, "alex", TokenScope.READ))
    provision = write_values(app)["provision_id"]
    before = _stored(app)
    for answer in (
        reader.post("/consent/grants", _grant()),
        reader.post(f"/consent/provisions/{provision}/revoke"),
    ):
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "insufficient_scope"
    assert _stored(app) == before


def test_the_preview_is_the_pages(app: Flask, alex: Api) -> None:
    answer = alex.get("/consent/preview")
    assert answer.status_code == 200 and answer.get_json()["seeing"] is None
    people = [p["id"] for p in answer.get_json()["people"]]
    web = client_as(app, "alex")
    page = web.get("/my/consent/preview").get_data(as_text=True)
    assert [int(v) for v in re.findall(r'<option value="(\d+)"', page)] == people
    chen = user_id(app, "dr.chen")
    head = _head(app)
    seeing = alex.get("/consent/preview", person=chen).get_json()["seeing"]
    assert seeing["person"]["id"] == chen
    shown = web.get(f"/my/consent/preview?person={chen}").get_data(as_text=True)
    assert seeing["items"], "Dr Chen reads Alex's record"
    # Item by item, the page's own list (in its order by kind).
    listed = re.findall(r'data-item="(\w+):(\d+)"', shown)
    assert sorted((i["type"], str(i["id"])) for i in seeing["items"]) == sorted(listed)
    alex_id = user_id(app, "alex")
    assert _entries_since(app, head)[0] == (
        alex_id,
        "consent:preview",
        alex_id,
        "user",
        "allowed",
        "self",
    )


def test_previewing_a_stranger_is_missing_and_on_record(app: Flask, alex: Api) -> None:
    stranger = user_id(app, "jordan")
    head = _head(app)
    answer = alex.get("/consent/preview", person=stranger)
    assert answer.status_code == 404
    alex_id = user_id(app, "alex")
    assert _entries_since(app, head) == [
        (alex_id, "consent:preview", alex_id, "user", "denied", "not_found")
    ]


# Bad input: 400 (or 422 for the service's refusals) naming the field, nothing stored ----------


BAD_GRANTS: list[tuple[str, dict[str, Any] | str, int, str | None]] = [
    ("not offered", _grant(grantee="person:999999"), 400, "grantee"),
    ("not a grantee", _grant(grantee="nobody"), 400, "grantee"),
    ("no kinds", _grant(categories=[]), 400, "categories"),
    ("unknown kind", _grant(categories=["everything"]), 400, "categories.0"),
    ("kinds not a list", _grant(categories="care_plan"), 400, "categories"),
    ("unknown act", _grant(act="delete"), 400, "act"),
    ("no purpose", _grant(purpose=""), 400, "purpose"),
    ("blank purpose", _grant(purpose="   "), 422, "purpose"),
    ("long purpose", _grant(purpose="x" * 201), 400, "purpose"),
    ("NUL in purpose", _grant(purpose="so\x00"), 400, "purpose"),
    ("no days", _grant(days=0), 400, "days"),
    ("too many days", _grant(days=731), 400, "days"),
    ("days as text", _grant(days="30"), 400, "days"),
    ("days as a float", _grant(days=30.5), 400, "days"),
    ("missing grantee", _grant(grantee=None), 400, "grantee"),
    ("a list, not an object", "[1, 2]", 400, None),
    ("not JSON", "{'grantee': ", 400, None),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), BAD_GRANTS, ids=lambda v: str(v))
def test_bad_grants_are_refused_naming_the_field(
    app: Flask,
    client: FlaskClient,
    alex: Api,
    case: str,
    body: dict[str, Any] | str,
    status: int,
    field: str | None,
) -> None:
    before = _stored(app)
    if isinstance(body, str):
        answer = client.post(
            "/api/v1/consent/grants",
            data=body,
            headers={"Authorization": f"Bearer {alex.token}", "Content-Type": "application/json"},
        )
    else:
        answer = alex.post("/consent/grants", body)
    assert answer.status_code == status, (case, answer.get_json())
    assert answer.get_json()["error"]["field"] == field, case
    assert _stored(app) == before, case


def test_a_form_post_is_not_json(app: Flask, client: FlaskClient, alex: Api) -> None:
    before = _stored(app)
    answer = client.post(
        "/api/v1/consent/grants",
        data={"grantee": "role:clinician", "categories": "care_plan"},
        headers={"Authorization": f"Bearer {alex.token}"},
    )
    assert answer.status_code == 415
    assert _stored(app) == before


MASS_ASSIGNMENT = (
    "subject_id",
    "consumer_id",
    "author_id",
    "created_at",
    "created_by_id",
    "witnessed_by_id",
    "valid_from",
    "valid_until",
    "version",
    "id",
    "role",
    "state",
)


@pytest.mark.parametrize("name", MASS_ASSIGNMENT)
def test_mass_assignment_in_a_grant_is_refused(app: Flask, alex: Api, name: str) -> None:
    before = _stored(app)
    answer = alex.post("/consent/grants", {**_grant(), name: user_id(app, "jordan")})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == name
    assert _stored(app) == before


@pytest.mark.parametrize("name", ["grantee", "subject_id", "consumer_id", "created_at"])
def test_a_revocation_takes_no_body(app: Flask, alex: Api, name: str) -> None:
    provision = write_values(app)["provision_id"]
    before = _stored(app)
    answer = alex.post(f"/consent/provisions/{provision}/revoke", {name: "person:1"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == name
    assert _stored(app) == before


def test_the_preview_refuses_unknown_and_bad_parameters(alex: Api) -> None:
    for params, field in (
        ({"person": "abc"}, "person"),
        ({"person": "0"}, "person"),
        ({"person": str(2**31)}, "person"),
        ({"subject_id": "1"}, "subject_id"),
    ):
        answer = alex.get("/consent/preview", **params)
        assert answer.status_code == 400, params
        assert answer.get_json()["error"]["field"] == field, params


def test_a_carer_shares_only_their_own_notes(app: Flask, client: FlaskClient) -> None:
    linh = Api(client, make_token(app, "linh"))
    choice = linh.get("/consent").get_json()["choices"][0]["value"]
    before = _stored(app)
    head = _head(app)
    # To read only: refused by the form's check, as the web form's choices refuse it.
    answer = linh.post(
        "/consent/grants", _grant(grantee=choice, categories=["peer_notes"], act="contribute")
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "act"
    assert _entries_since(app, head) == []
    # A kind of the consumer's record: the service refuses it, and it is on record.
    answer = linh.post("/consent/grants", _grant(grantee=choice, categories=["care_plan"]))
    assert answer.status_code == 422
    assert answer.get_json()["error"] == {
        "code": "refused",
        "message": answer.get_json()["error"]["message"],
        "field": "categories",
    }
    linh_id = user_id(app, "linh")
    assert _entries_since(app, head) == [
        (linh_id, "consent:grant", linh_id, None, "denied", "not_theirs_to_share")
    ]
    assert _stored(app) == before
    answer = linh.post("/consent/grants", _grant(grantee=choice, categories=["peer_notes"]))
    assert answer.status_code == 201


# Parity: each API write and its web form answer alike and write the same entries ---------------

PEOPLE = ("alex", "jordan", "linh", "sam", "dr.chen", "auditor", "admin")
#: What the web answers, as the API answers it: a change made (302 → 2xx), a form shown again
#: with its errors (200 → 400 or 422), a refusal or a missing thing (same status).
SAME = {302: (200, 201), 200: (400, 422), 403: (403,), 404: (404,)}


def _web(app: Flask, client: FlaskClient, path: str, form: dict[str, Any]) -> tuple[int, int]:
    """Post the form as a browser would; (status, the log's head before the post)."""
    token = csrf_token(client.get("/").get_data(as_text=True))  # the home page logs its reads
    head = _head(app)
    return client.post(path, data={**form, "csrf_token": token}).status_code, head


@pytest.mark.parametrize("pair", API_WRITE_PAIRS, ids=lambda p: p[0][1])
def test_each_write_answers_and_logs_as_its_web_form(app: Flask, pair: Any) -> None:
    (api_method, api_rule, body), (web_method, web_rule, form) = pair
    web_clients = {key: client_as(app, key) for key in PEOPLE}
    statuses = set()
    for key in PEOPLE:
        api = Api(app.test_client(), make_token(app, key))
        values = write_values(app)
        assert web_method == "POST"
        web_status, head = _web(app, web_clients[key], fill(web_rule, values), fill(form, values))
        web_entries = _entries_since(app, head)
        values = write_values(app)
        head = _head(app)
        assert api_method == "POST"
        answer = api.post(fill(api_rule, values).removeprefix("/api/v1"), fill(body, values))
        assert answer.status_code in SAME[web_status], (key, web_status, answer.get_json())
        # The same entries, but that a refused route names its endpoint (the web's or the API's).
        api_entries = _entries_since(app, head)
        assert [e[:5] for e in api_entries] == [e[:5] for e in web_entries], key
        assert [e[5] for e in api_entries] == [e[5] for e in web_entries], key
        statuses.add(web_status)
    # The pair was aimed at something real: its owner made the change, others were refused.
    assert 302 in statuses and statuses & {403, 404}
