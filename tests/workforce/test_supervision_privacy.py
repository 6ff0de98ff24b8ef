"""Who sees a supervision session: a matrix over every demo person and every page that could
show one. Dr Chen (Sam's supervisor) logs a session with Sam; then each person opens the
session (both addresses), Sam's session list (both), the supervisor's dashboard and the
coordinator's supervision page. For each we check the status, and whether the session's topic
text appears anywhere in the response. Only Sam and Dr Chen ever see the text."""

from __future__ import annotations

import pytest
from flask import Flask

from peernotes.demo.loader import PEOPLE
from tests.audit.helpers import rows
from tests.helpers import user_id
from tests.workforce.test_supervision_sessions import (
    TOPICS,
    _client,
    _url,
    log_session,
    logged_id,
)

PAGES = ("own_session", "lead_session", "own_list", "lead_list", "dashboard", "admin")

#: person -> page -> (status, topic text shown). Absent pages: 403 and not shown.
SEES: dict[str, dict[str, tuple[int, bool]]] = {
    # The worker: their own session and list.
    "sam": {"own_session": (200, True), "own_list": (200, False)},
    # Their supervisor: the session, the list, a dashboard that names Sam but not the text.
    "dr.chen": {"lead_session": (200, True), "lead_list": (200, False), "dashboard": (200, False)},
    # Another supervising clinician: a dashboard of their own; Sam's answers as missing.
    "dr.walsh": {
        "lead_session": (404, False),
        "lead_list": (404, False),
        "dashboard": (200, False),
    },
    # Other peer workers: their own pages exist, Sam's session answers as missing.
    "tui": {"own_session": (404, False), "own_list": (200, False)},
    "helen": {"own_session": (404, False), "own_list": (200, False)},
    # The coordinator: that a session happened, and when; never what was said.
    "admin": {"admin": (200, False)},
}


def _paths(session_id: int, sam: int) -> dict[str, str]:
    return {
        "own_session": f"/my/supervision/{session_id}",
        "lead_session": f"/supervision/sessions/{session_id}",
        "own_list": "/my/supervision",
        "lead_list": f"/supervision/workers/{sam}",
        "dashboard": "/supervision",
        "admin": "/admin/supervision",
    }


def test_the_matrix_names_every_demo_person() -> None:
    # Everyone not named in SEES is refused every page (consumers, carers, the auditor).
    unnamed = {p.key for p in PEOPLE} - set(SEES)
    assert unnamed == {"auditor", "alex", "jordan", "maya", "linh", "robert"}


@pytest.mark.parametrize("person", [p.key for p in PEOPLE])
def test_who_sees_a_supervision_session(app: Flask, person: str) -> None:
    session_id = logged_id(log_session(app, _client(app, "dr.chen")))
    sam = user_id(app, "sam")
    client = _client(app, person)
    expected = SEES.get(person, {})
    for page, path in _paths(session_id, sam).items():
        status, shown = expected.get(page, (403, False))
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == status, f"{person} {page}: {response.status_code}"
        assert (TOPICS in body) is shown, f"{person} {page}: topic shown={TOPICS in body}"
        if page == "own_list" and status == 200:
            # A worker's list names their own sessions only.
            listed = f'href="/my/supervision/{session_id}"' in body
            assert listed is (person == "sam"), f"{person} lists Sam's session"
        if page == "dashboard" and status == 200:
            assert (f'href="/supervision/workers/{sam}"' in body) is (person == "dr.chen")
        if page == "admin" and status == 200:
            assert "Last supervision session" in body


@pytest.mark.parametrize("person", [p.key for p in PEOPLE])
def test_every_attempt_on_the_session_is_on_record(app: Flask, person: str) -> None:
    """Allowed reads say why (self, supervisor); a refused one is a denied entry, whether the
    page refused by permission (403) or answered as missing (404)."""
    session_id = logged_id(log_session(app, _client(app, "dr.chen")))
    actor = user_id(app, person)
    client = _client(app, person)

    def entries() -> list[tuple[object, ...]]:
        return rows(
            _url(app),
            "SELECT action, outcome, basis FROM audit_log WHERE actor_id = :a ORDER BY seq",
            {"a": actor},
        )

    path = (
        f"/supervision/sessions/{session_id}"
        if person in ("dr.chen", "dr.walsh")
        else f"/my/supervision/{session_id}"
    )
    before = len(entries())
    status = client.get(path).status_code
    new = entries()[before:]
    assert len(new) == 1, new
    if person == "sam":
        assert (status, new[0]) == (200, ("supervision:session_read", "allowed", "self"))
    elif person == "dr.chen":
        assert (status, new[0]) == (200, ("supervision:session_read", "allowed", "supervisor"))
    elif person in ("dr.walsh", "tui", "helen"):
        assert (status, new[0]) == (
            404,
            ("supervision:session_read", "denied", "not_supervision_party"),
        )
    else:
        assert (status, new[0]) == (403, ("access:denied", "denied", "no_permission"))
