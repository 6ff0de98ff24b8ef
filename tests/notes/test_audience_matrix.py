"""The audience matrix: every kind of viewer x section audience x note state x consent.

For each case it checks the note's page (status, and which section texts are in it), the
viewer's lists (their notes page, and the shared-notes list), the count in the navigation,
and that nothing of a section they may not see reaches the browser in any form. Expected
outcomes come from the table below, written from the SPEC, not from the code under test.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.notes import service as notes
from tests.helpers import demo_email, sign_in, user_id

STATES = ("draft", "proposed", "changes_requested", "declined", "withdrawn", "shared", "amended")
# Viewer -> (demo person, what they are to Alex's notes by Sam).
VIEWERS = {
    "subject": "alex",
    "author": "sam",
    "clinician_in_care": "dr.chen",
    "carer": "linh",  # Alex's nominated carer
    # Trained, not Alex's worker; the matrix assigns Tui to support Linh, Alex's carer (issue
    # 17): supporting the carer gives nothing of the consumer the carer cares for.
    "other_peer_worker": "tui",
    "carer_peer_worker": "helen",
    "auditor": "auditor",
    "admin": "admin",
    # A carer whom the author (Sam, a consumer peer worker) supports (the demo's Robert): being
    # supported by Alex's worker gives nothing of Alex's.
    "carer_supported_by_author": "robert",
}


@dataclass(frozen=True)
class Expect:
    status: int
    just_us: bool  # the just-us section's text is on the page
    care_team: bool  # the care-team section's text is on the page


def expected(viewer: str, state: str, consented: bool) -> Expect:
    """From the SPEC: a draft is the author's; a proposed note is the subject's too; others see
    only approved notes, only care-team sections, only with a basis (care assignment for a
    clinician, consent for anyone else); coordinators and auditors never see content."""
    if viewer in ("auditor", "admin"):
        return Expect(403, False, False)
    if viewer == "author":
        return Expect(200, True, True)
    if viewer == "subject":
        # The matrix's withdrawn note is withdrawn from its draft, never proposed: it stayed
        # the author's (withdrawing a draft does not show it to the person it is about).
        hidden = state in ("draft", "withdrawn")
        return Expect(404, False, False) if hidden else Expect(200, True, True)
    approved_once = state in ("shared", "amended")
    basis = viewer == "clinician_in_care" or (consented and viewer != "carer_peer_worker")
    if viewer == "carer_peer_worker":
        basis = consented  # a carer peer worker may read a consumer's notes only by consent
    if viewer == "carer_supported_by_author":
        basis = False  # Alex shares nothing with Robert; Sam supporting Robert is no basis
    if approved_once and basis:
        return Expect(200, False, True)
    return Expect(404, False, False)


def _texts(state: str) -> tuple[str, str]:
    return f"JUSTUS-{state}-c4a1", f"CARETEAM-{state}-9d2e"


def _build(app: Flask, consented: bool) -> dict[str, int]:
    """One note by Sam with Alex in each state: section 0 just us, section 1 care team."""
    ids = {key: user_id(app, key) for key in VIEWERS.values()}
    sam = By(ids["sam"], Role.CONSUMER_PEER_WORKER, "matrix")
    alex = By(ids["alex"], Role.CONSUMER, "matrix")
    made: dict[str, int] = {}
    with app.app_context(), get_database(app).session() as db:
        care.create_assignment(
            db,
            worker=db.get_one(User, ids["tui"]),
            subject=db.get_one(User, ids["linh"]),
            starts_on=utcnow().date(),
            ends_on=None,
            team=None,
            by=By(ids["admin"], Role.ADMIN, "matrix"),
        )
        if consented:
            subject = db.get_one(User, ids["alex"])
            now = utcnow()
            for key in ("linh", "tui", "helen"):
                consent.grant(
                    db,
                    alex,
                    subject,
                    consent.Grant(
                        GranteeKind.PERSON,
                        ids[key],
                        None,
                        None,
                        Act.READ,
                        frozenset({Category.PEER_NOTES}),
                        "my notes",
                        now,
                        now + timedelta(days=30),
                    ),
                )
        for state in STATES:
            secret, shared = _texts(state)
            note = notes.create(
                db,
                sam,
                ids["alex"],
                [notes.Section("Between us", secret), notes.Section("For the team", shared)],
            )
            made[state] = note.id
            if state == "draft":
                continue
            if state == "withdrawn":
                notes.withdraw(db, sam, note.id)
                continue
            notes.propose(db, sam, note.id)
            if state == "changes_requested":
                notes.request_changes(db, alex, note.id, "Not yet.")
            elif state == "declined":
                notes.decline(db, alex, note.id)
            elif state in ("shared", "amended"):
                notes.approve(db, alex, note.id, ["just_us", "care_team"], 1)
            if state == "amended":
                # Amended after approval: back with Alex; others still see what he approved.
                notes.save(
                    db,
                    sam,
                    note.id,
                    [
                        notes.Section("Between us", secret),
                        notes.Section("For the team", shared + " (edited)"),
                    ],
                    1,
                )
        db.commit()
    # The demo's own notes about Alex would blur the lists: the matrix reads its own notes only.
    return made


def _client(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, demo_email(key)).status_code == 302
    return client


@pytest.mark.parametrize("consented", [False, True], ids=["no_consent", "peer_notes_consent"])
def test_who_sees_which_section_of_which_note(app: Flask, consented: bool) -> None:
    made = _build(app, consented)
    alex_id = user_id(app, "alex")
    mismatches: list[str] = []
    for (viewer, key), state in itertools.product(VIEWERS.items(), STATES):
        want = expected(viewer, state, consented)
        client = _client(app, key)
        secret, shared = _texts(state)
        response = client.get(f"/notes/{made[state]}")
        page = response.get_data(as_text=True)
        got = Expect(response.status_code, secret in page, shared in page)
        if got != want:
            mismatches.append(f"{viewer} x {state}: got {got}, want {want}")
        # Lists: the viewer's own notes page, and the shared list about Alex.
        listing = client.get("/notes").get_data(as_text=True)
        shared_list = client.get(f"/people/{alex_id}/notes").get_data(as_text=True)
        link = f'href="/notes/{made[state]}"'
        in_lists = link in listing or link in shared_list
        listed_want = want.status == 200 and viewer != "auditor" and viewer != "admin"
        if in_lists != listed_want:
            mismatches.append(f"{viewer} x {state}: listed={in_lists}, want {listed_want}")
        # Nothing of a section they may not see, anywhere they are served a page.
        for body in (page, listing, shared_list):
            if not want.just_us and secret in body:
                mismatches.append(f"{viewer} x {state}: just-us text served")
            if not want.care_team and shared in body:
                mismatches.append(f"{viewer} x {state}: care-team text served")
    # The navigation count: Alex has the proposed and the amended note waiting (plus the
    # demo's one); Sam the one with changes asked for (plus the demo's none); no one else any.
    counts = {
        viewer: _client(app, key).get("/").get_data(as_text=True) for viewer, key in VIEWERS.items()
    }
    assert notes_badge(counts["subject"]) == "3", "subject's count"
    assert notes_badge(counts["author"]) == "1", "author's count"
    # (Tui's own count is the demo's note with Maya: nothing of Alex's counts for Tui.)
    assert notes_badge(counts["other_peer_worker"]) == "1"
    for viewer in ("clinician_in_care", "carer", "carer_peer_worker", "carer_supported_by_author"):
        assert notes_badge(counts[viewer]) is None, viewer
    assert mismatches == []


def notes_badge(page: str) -> str | None:
    """The count beside "Notes" in the navigation (None: no count, or no such link)."""
    found = re.search(r'href="/notes">Notes(?: <span class="badge">(\d+)</span>)?', page)
    return found.group(1) if found else None


def test_the_matrix_covers_every_combination() -> None:
    cases = list(itertools.product(VIEWERS, STATES, (False, True)))
    assert len(cases) == 9 * 7 * 2 == 126
    # And the table is not trivially uniform: each outcome occurs.
    outcomes = {expected(v, s, c) for v, s, c in cases}
    assert outcomes == {
        Expect(200, True, True),
        Expect(200, False, True),
        Expect(404, False, False),
        Expect(403, False, False),
    }
