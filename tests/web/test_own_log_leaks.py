"""No page, the asker's own log page included, tells anyone about objects they may not read.

For every page whose URL names a stored object by id, each demo person in turn asks for
objects that are not theirs and for ids that name nothing. The two must answer alike (status
and body), the asker's own "Who has looked at my information" must gain no line from either,
and each refusal must be logged about the object's real subject, or about nobody: never about
the asker, and never about a person the URL merely names.

A new page with an id in its URL fails here until `OBJECTS` says what table that id names.
The APIs' routes (`/api/`, `/fhir`) are asked the same way, with the person's own token.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.tokens import bearer, make_token
from tests.helpers import client_as, query, user_id, without_csrf

API_PREFIXES = ("/api/", "/fhir")

#: URL argument → (table, its id column, the column naming whom the row is about, or None).
OBJECTS: dict[str, tuple[str, str, str | None]] = {
    "subject_id": ("users", "id", "id"),
    "worker_id": ("users", "id", "id"),
    "entry_id": ("record_entries", "id", "subject_id"),
    "note_id": ("notes", "id", "subject_id"),
    "concern_id": ("risk_concerns", "id", "subject_id"),
    "agreement_id": ("support_agreements", "id", "subject_id"),
    "request_id": ("worker_requests", "id", "subject_id"),
    "access_id": ("emergency_accesses", "id", "subject_id"),
    "supervision_session_id": ("supervision_sessions", "id", None),
    "group_id": ("peer_groups", "id", None),
    "group_session_id": ("group_sessions", "id", None),
    "team_id": ("teams", "id", None),
    "seq": ("audit_log", "seq", "subject_id"),
    "notification_id": ("notifications", "id", "person_id"),
    "directive_id": ("consent_directives", "id", "subject_id"),
    "wish_id": ("wishes", "id", "subject_id"),
    "workplace_concern_id": ("workplace_concerns", "id", "worker_id"),
    "skill_item_id": ("skill_items", "id", "subject_id"),
}
#: Rows a refusal may name without a URL naming them (the handover of a worker request).
ALSO = [("handover_summaries", "id", "subject_id")]
#: One of each kind of person who might go looking.
ASKERS = ["maya", "linh", "tui", "helen", "dr.walsh", "admin"]
#: Existing objects asked for per page and person (the lowest ids: the demo's own).
PER_ROUTE = 4


def _id_routes(app: Flask) -> list[tuple[str, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        # A reset link's token names a secret, not a stored object by id (its refusals, alike
        # for unknown, used and expired links, are tested in test_password_reset).
        args = [a for a in rule.arguments if a not in ("filename", "token")]
        if "GET" in (rule.methods or ()) and args:
            routes.append((rule.rule, sorted(args)))
    return sorted(routes)


def _url(rule: str, values: dict[str, int]) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), rule)


def _tried_lines(client: FlaskClient) -> list[str]:
    page = client.get("/my/access-log")
    if page.status_code != 200:
        return []
    lines = re.findall(r"<li[^>]*>(.*?)</li>", page.get_data(as_text=True), re.S)
    return [re.sub(r"\s+", " ", line) for line in lines if "tried" in line]


def test_every_id_route_is_known(app: Flask) -> None:
    unknown = {a for _, args in _id_routes(app) for a in args if a not in OBJECTS}
    assert not unknown, f"say which table these URL ids name: {unknown}"


@pytest.mark.parametrize("who", ASKERS)
def test_others_objects_answer_like_missing_ones_and_stay_off_ones_own_log(
    app: Flask, who: str
) -> None:
    me = user_id(app, who)
    client = client_as(app, who)
    token = bearer(make_token(app, who))

    def ask(url: str):  # type: ignore[no-untyped-def]
        return client.get(url, headers=token if url.startswith(API_PREFIXES) else None)

    before = _tried_lines(client)
    (last_seq,) = query(app, "SELECT max(seq) FROM audit_log")[0]
    owners: dict[tuple[str, int], object] = {}
    for table, id_col, subject_col in set(OBJECTS.values()) | set(ALSO):
        for row_id, subject in query(
            app, f"SELECT {id_col}, {subject_col or 'NULL'} FROM {table} ORDER BY {id_col}"
        ):
            owners[(table, int(str(row_id)))] = subject

    checked = 0
    for rule, args in _id_routes(app):
        varied = args[-1] if len(args) == 1 else next(a for a in args if a != "subject_id")
        table, id_col, _ = OBJECTS[varied]
        ids = [
            i
            for (t, i), subject in sorted(owners.items())
            if t == table and i != me and subject != me
        ][:PER_ROUTE]
        missing = int(str(query(app, f"SELECT max({id_col}) FROM {table}")[0][0] or 0)) + 1000
        # Where the URL also names a person, it names the asker: the trick that once planted
        # refusals about other people's entries on the asker's own page.
        fixed = {a: me for a in args if a != varied}
        missing_answer = ask(_url(rule, {**fixed, varied: missing}))
        for object_id in ids:
            answer = ask(_url(rule, {**fixed, varied: object_id}))
            if answer.status_code == 200:
                continue  # theirs to see
            checked += 1
            assert answer.status_code == missing_answer.status_code, (rule, object_id)
            assert without_csrf(answer.get_data()) == without_csrf(missing_answer.get_data()), (
                rule,
                object_id,
            )
    assert checked, "no refusal was exercised"

    # Nothing new on the asker's own page, from any of it.
    assert _tried_lines(client) == before
    # Each refusal is about the object's real subject, or nobody; never the asker.
    for subject, target_type, target_id in query(
        app,
        "SELECT subject_id, target_type, target_id FROM audit_log "
        "WHERE seq > :seq AND actor_id = :me AND outcome = 'denied'",
        {"seq": last_seq, "me": me},
    ):
        assert subject != me, (target_type, target_id)
        if subject is None:
            continue
        table = {
            "record_entry": "record_entries",
            "note": "notes",
            "risk_concern": "risk_concerns",
            "support_agreement": "support_agreements",
            "worker_request": "worker_requests",
            "emergency_access": "emergency_accesses",
            "handover_summary": "handover_summaries",
            "notification": "notifications",
            "workplace_concern": "workplace_concerns",
        }.get(str(target_type))
        if table is not None and target_id is not None:
            assert owners.get((table, int(str(target_id)))) == subject, (target_type, target_id)
