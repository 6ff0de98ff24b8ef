"""Who reads a workplace concern: a sweep over every demo person, plus a second coordinator,
and every page that could show one. Two concerns: the demo's, Tui's with the coordinator
(Priya) instead of her supervisor Dr Chen, with Priya's reply; and Sam's, raised here with his
supervisor Dr Chen. Each person opens both concerns at both addresses, the worker's and the
reader's lists, their home page, their own access log, the auditor's log and the
notifications page. Only the worker and the reader they chose ever see a concern's words, its
kind, or a link to it: not the supervisor Tui did not choose, not the coordinator Sam did not
choose, not another coordinator, not the auditor."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.demo.loader import DEMO_PASSWORD, PEOPLE
from peernotes.demo.wellbeing import PRIYA_REPLY, TUI_CONCERN
from tests.audit.helpers import rows
from tests.helpers import app_database_url, client_as, demo_email, user_id
from tests.workforce.test_wellbeing import raise_concern, raised_id

SAM_WORDS = "SAM-CANARY-3f7a the rostering leaves me alone on the ward at night"
_TUI = "Nobody said anything. I have felt shut out of team meetings"
_PRIYA = "plan how we raise it with the team, at your pace"
assert _TUI in TUI_CONCERN and _PRIYA in PRIYA_REPLY
#: Words of each concern that nobody but its two parties may meet anywhere.
SECRET = {
    "tui": (_TUI, _PRIYA, "Stigma about lived experience"),
    "sam": (SAM_WORDS, "Unsafe demands or workload"),
}
EVERYONE = [p.key for p in PEOPLE] + ["admin2"]

#: person -> page -> status (pages not named: 403). Who may see which concern's words.
STATUS: dict[str, dict[str, int]] = {
    "tui": {"own_list": 200, "own_tui": 200, "own_sam": 404},
    "sam": {"own_list": 200, "own_tui": 404, "own_sam": 200},
    "helen": {"own_list": 200, "own_tui": 404, "own_sam": 404},
    "admin": {"inbox": 200, "lead_tui": 200, "lead_sam": 404},
    "admin2": {"inbox": 200, "lead_tui": 404, "lead_sam": 404},
    "dr.chen": {"inbox": 200, "lead_tui": 404, "lead_sam": 200},
    "dr.walsh": {"inbox": 200, "lead_tui": 404, "lead_sam": 404},
}
#: Whose concern each person may read the words of.
READS = {"tui": {"tui"}, "admin": {"tui"}, "sam": {"sam"}, "dr.chen": {"sam"}}
#: Pages everyone opens besides the wellbeing pages: none may show a concern.
ALWAYS = {
    "home": "/",
    "own_log": "/my/access-log",
    "audit": "/audit",
    "inbox_notes": "/notifications",
}


def _second_coordinator(app: Flask) -> None:
    from peernotes.auth.accounts import create_user

    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        create_user(
            db,
            email=demo_email("admin2"),
            display_name="Second Coordinator",
            role=Role.ADMIN,
            password=DEMO_PASSWORD,
            by=admin,
        )
        db.commit()


def _tuis(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        tui = db.scalar(select(User.id).where(User.email == demo_email("tui")))
    found = rows(
        app_database_url(app), "SELECT id FROM workplace_concerns WHERE worker_id = :w", {"w": tui}
    )
    assert len(found) == 1
    return int(found[0][0])  # type: ignore[call-overload]


def _paths(tui: int, sam: int) -> dict[str, str]:
    return {
        "own_list": "/my/wellbeing",
        "own_tui": f"/my/wellbeing/concerns/{tui}",
        "own_sam": f"/my/wellbeing/concerns/{sam}",
        "inbox": "/wellbeing/concerns",
        "lead_tui": f"/wellbeing/concerns/{tui}",
        "lead_sam": f"/wellbeing/concerns/{sam}",
    }


def test_the_sweep_names_every_demo_person() -> None:
    assert {p.key for p in PEOPLE} - set(STATUS) == {
        "auditor",
        "alex",
        "jordan",
        "maya",
        "linh",
        "robert",
    }


@pytest.mark.parametrize("person", EVERYONE)
def test_only_the_worker_and_their_chosen_reader_read_a_workplace_concern(
    app: Flask, person: str
) -> None:
    _second_coordinator(app)
    tui = _tuis(app)
    sam = raised_id(
        raise_concern(
            app, client_as(app, "sam"), "supervisor", kind="unsafe_demands", words=SAM_WORDS
        )
    )
    client = client_as(app, person)
    expected = STATUS.get(person, {})
    for page, path in _paths(tui, sam).items():
        response = client.get(path)
        body = response.get_data(as_text=True)
        status = expected.get(page, 403)
        assert response.status_code == status, f"{person} {page}: {response.status_code}"
        for whose, secrets in SECRET.items():
            allowed = whose in READS.get(person, set()) and response.status_code == 200
            for secret in secrets:
                if secret in body:
                    assert allowed, f"{person} {page} shows {whose}'s {secret!r}"
            concern_id = tui if whose == "tui" else sam
            if page.startswith(("own_", "lead_")) and page.endswith(whose):
                # The words themselves, on the concern's own page, for its two parties only.
                assert (secrets[0] in body) is allowed, f"{person} {page}"
            if page in ("own_list", "inbox") and response.status_code == 200:
                linked = f'/concerns/{concern_id}"' in body
                assert linked is (whose in READS.get(person, set())), f"{person} {page} {whose}"
    for page, path in ALWAYS.items():
        body = client.get(path).get_data(as_text=True)
        for whose, secrets in SECRET.items():
            for secret in secrets:
                assert secret not in body, f"{person} {page} shows {whose}'s {secret!r}"
        if page == "home":
            # Sam's concern waits for Dr Chen alone; Tui's is acknowledged already.
            waiting = "workplace concern raised with you" in body
            assert waiting is (person == "dr.chen"), f"{person} home count"


@pytest.mark.parametrize("person", EVERYONE)
def test_every_attempt_on_a_concern_is_on_record(app: Flask, person: str) -> None:
    """An allowed read says why (self, chosen_reader); a refused one is one denied entry,
    whether the page refused by permission (403) or answered as missing (404)."""
    _second_coordinator(app)
    tui = _tuis(app)
    actor = user_id(app, person)
    client = client_as(app, person)

    def entries() -> list[tuple[object, ...]]:
        return rows(
            app_database_url(app),
            "SELECT action, outcome, basis, subject_id FROM audit_log WHERE actor_id = :a"
            " ORDER BY seq",
            {"a": actor},
        )

    lead = person in ("admin", "admin2", "dr.chen", "dr.walsh")
    path = f"/wellbeing/concerns/{tui}" if lead else f"/my/wellbeing/concerns/{tui}"
    before = len(entries())
    status = client.get(path).status_code
    new = entries()[before:]
    assert len(new) == 1, new
    tui_id = user_id(app, "tui")
    if person == "tui":
        assert (status, new[0]) == (200, ("wellbeing:concern_read", "allowed", "self", tui_id))
    elif person == "admin":
        assert (status, new[0]) == (
            200,
            ("wellbeing:concern_read", "allowed", "chosen_reader", tui_id),
        )
    elif lead or person in ("sam", "helen"):
        assert (status, new[0]) == (
            404,
            ("wellbeing:concern_read", "denied", "not_chosen_reader", tui_id),
        )
    else:
        assert status == 403
        assert new[0][:3] == ("access:denied", "denied", "no_permission")
