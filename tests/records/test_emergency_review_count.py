"""The auditor's review of an emergency access counts every read in its window: the record list,
an entry, the timeline and the notes list alike, whatever basis each was logged with. Checked
against a direct count of the log, and against the reads the clinician actually made."""

from __future__ import annotations

import re

from flask import Flask

from peernotes.audit.models import micros_since_epoch
from peernotes.db import get_database
from peernotes.emergency.models import EmergencyAccess
from tests.helpers import client_as, demo_email, post_form, query, totp_code, user_id

REASON = "Jordan is in the emergency department and I need the crisis plan."


def _window_count(app: Flask, access_id: int) -> int:
    """Straight from the log: the clinician's allowed entries about the person while the
    access was open, less the entry that opened it."""
    with app.app_context(), get_database(app).session() as db:
        access = db.get_one(EmergencyAccess, access_id)
        clinician, subject = access.clinician_id, access.subject_id
        starts, ends = micros_since_epoch(access.starts_at), micros_since_epoch(access.ends_at)
    ((n,),) = query(
        app,
        "SELECT count(*) FROM audit_log WHERE actor_id = :c AND subject_id = :s"
        " AND outcome = 'allowed' AND action <> 'emergency:start'"
        " AND occurred_at_us >= :a AND occurred_at_us < :b",
        {"c": clinician, "s": subject, "a": starts, "b": ends},
    )
    return int(str(n))


def _shown(page: str) -> int:
    found = re.search(r"Reads in the window</dt><dd>(\d+)", page)
    assert found, "the review shows its count"
    return int(found.group(1))


def test_the_review_counts_every_read_in_the_window(app: Flask) -> None:
    jordan = user_id(app, "jordan")
    walsh = client_as(app, "dr.walsh")  # Jordan is not in Dr Walsh's care
    started = post_form(
        walsh,
        "/emergency",
        {
            "subject": str(jordan),
            "reason": REASON,
            "password": "peernotes-demo-2026",
            "code": totp_code(app, demo_email("dr.walsh")),
        },
    )
    assert started.status_code == 302
    ((access_id,),) = query(
        app, "SELECT id FROM emergency_accesses WHERE subject_id = :s", {"s": jordan}
    )
    ((entry,),) = query(
        app, "SELECT min(id) FROM record_entries WHERE subject_id = :s", {"s": jordan}
    )
    # Four reads, logged under four actions; the timeline's basis is `filtered`, not the
    # emergency's (the old count took record reads and lists only, and so showed fewer).
    walsh.get(f"/people/{jordan}/record")
    walsh.get(f"/people/{jordan}/record/{entry}")
    walsh.get(f"/people/{jordan}/timeline")
    walsh.get(f"/people/{jordan}/notes")
    logged = query(
        app,
        "SELECT action, basis FROM audit_log WHERE actor_id = :w AND subject_id = :s"
        " AND outcome = 'allowed' AND action <> 'emergency:start' ORDER BY seq",
        {"w": user_id(app, "dr.walsh"), "s": jordan},
    )
    assert [a for a, _ in logged] == ["record:list", "record:read", "timeline:view", "note:list"]
    # What is not Dr Walsh's reading of Jordan in the window is not counted: Dr Chen reading
    # Jordan's record (in his care), and Dr Walsh reading Alex under the demo's other access.
    chen = client_as(app, "dr.chen")
    assert chen.get(f"/people/{jordan}/record/{entry}").status_code == 200
    walsh.get(f"/people/{user_id(app, 'alex')}/record")

    auditor = client_as(app, "auditor")
    page = auditor.get(f"/audit/emergency/{access_id}").get_data(as_text=True)
    assert _shown(page) == _window_count(app, access_id) == len(logged) == 4
    # The reads are listed on the review, one row each, linking to their log entries.
    reads = re.search(r'aria-labelledby="reads-heading">(.*?)</section>', page, re.S)
    assert reads
    assert len(re.findall(r'href="/audit/entries/\d+"', reads.group(1))) == 4
    listing = auditor.get("/audit/emergency").get_data(as_text=True)
    assert f"#{access_id}</a>" in listing and "4 reads" in listing


def test_the_demos_access_counts_its_one_read_and_not_its_opening(app: Flask) -> None:
    # The demo: Dr Walsh opened Alex's record and read his care plan. The log holds two
    # entries under the access's basis, the opening and the read: one read.
    ((access_id,),) = query(
        app, "SELECT id FROM emergency_accesses WHERE subject_id = :s", {"s": user_id(app, "alex")}
    )
    page = client_as(app, "auditor").get(f"/audit/emergency/{access_id}").get_data(as_text=True)
    assert _shown(page) == _window_count(app, access_id) == 1
    under_basis = query(
        app,
        "SELECT action FROM audit_log WHERE basis = :b ORDER BY seq",
        {"b": f"emergency:{access_id}"},
    )
    assert [a for (a,) in under_basis] == ["emergency:start", "record:read"]
