"""A person's own log page tells them nothing about records they may not read.

Asking for another person's record entries under one's own (or anyone's) person id answers
exactly like a missing id, and the attempt is logged about the entry's real subject, never
about the person the URL names: so the asker's own "Who has looked at my information" shows
the same nothing for both, and the real subject's log is the one that records the attempt.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import client_as, query, user_id, without_csrf


def _entries_of(app: Flask, subject: int) -> list[int]:
    return [
        row[0] for row in query(app, f"SELECT id FROM record_entries WHERE subject_id = {subject}")
    ]


def _log_lines(client: FlaskClient) -> list[str]:
    page = client.get("/my/access-log").get_data(as_text=True)
    return [re.sub(r"\s+", " ", li) for li in re.findall(r"<li[^>]*>(.*?)</li>", page, re.S)]


def _tried_lines(client: FlaskClient) -> list[str]:
    return [line for line in _log_lines(client) if "tried to read" in line]


def test_asking_for_others_entries_leaves_nothing_on_ones_own_log(app: Flask) -> None:
    alex_id, maya_id = user_id(app, "alex"), user_id(app, "maya")
    alex_entries = _entries_of(app, alex_id)
    assert alex_entries, "the demo gives Alex record entries"
    highest = max(row[0] for row in query(app, "SELECT id FROM record_entries"))
    missing = [highest + 1, highest + 2]
    maya, alex = client_as(app, "maya"), client_as(app, "alex")
    before_alex = len(_tried_lines(alex))
    before_maya = _tried_lines(maya)

    bodies = []
    for entry in alex_entries + missing:
        response = maya.get(f"/people/{maya_id}/record/{entry}")
        assert response.status_code == 404
        bodies.append(without_csrf(response.get_data()))
    # Someone else's entry answers exactly like an id that names nothing.
    assert len(set(bodies)) == 1

    # Maya's own page is as it was: nothing names a category or an entry she may not read.
    assert _tried_lines(maya) == before_maya
    # Alex's page is the one that records each attempt on his entries.
    assert len(_tried_lines(alex)) == before_alex + len(alex_entries)
    rows = query(
        app,
        "SELECT subject_id, target_id FROM audit_log WHERE action = 'record:read' "
        f"AND actor_id = {maya_id} AND outcome = 'denied'",
    )
    about = {int(target): subject for subject, target in rows}
    assert all(about[e] == alex_id for e in alex_entries)
    assert all(about[e] is None for e in missing)


def test_a_carer_asking_under_another_persons_id_plants_nothing_there(app: Flask) -> None:
    alex_id, maya_id = user_id(app, "alex"), user_id(app, "maya")
    entry = _entries_of(app, alex_id)[0]
    maya = client_as(app, "maya")
    before = _log_lines(maya)
    assert client_as(app, "linh").get(f"/people/{maya_id}/record/{entry}").status_code == 404
    after = _log_lines(maya)
    # Only the line for Maya's own look at her log (the first read) may be new.
    assert not [line for line in after if "tried" in line and line not in before]


def test_an_id_with_no_account_yet_collects_no_refusals(app: Flask) -> None:
    alex_id = user_id(app, "alex")
    entry = _entries_of(app, alex_id)[0]
    nobody = max(row[0] for row in query(app, "SELECT id FROM users")) + 1
    assert client_as(app, "maya").get(f"/people/{nobody}/record/{entry}").status_code == 404
    assert query(app, f"SELECT count(*) FROM audit_log WHERE subject_id = {nobody}") == [(0,)]
