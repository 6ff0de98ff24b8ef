"""A person's own history ("Who has looked at my information"): grouped by day, filtered by
others only, refused only and by person, emergency reads named with their reason, and a
clinician's mistyped emergency form kept off it (but not off the auditor's log)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import By, record_event
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from tests.helpers import client_as, count_rows, demo_email, post_form, query, totp_code, user_id

REASON = "Maya was brought in by ambulance overnight; I need her current plan."


def _days(page: str) -> list[tuple[str, list[str]]]:
    """Each day's heading and its lines (without their time), in page order."""
    found = []
    for section in re.findall(r'<section aria-labelledby="day-[^"]+">(.*?)</section>', page, re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S)
        assert heading
        lines = [
            html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<time[^>]*>.*?</time>", "", li))).strip()
            for li in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
        ]
        found.append((heading.group(1).strip(), [re.sub(r"\s+", " ", line) for line in lines]))
    return found


def _lines(page: str) -> list[str]:
    return [line for _, lines in _days(page) for line in lines]


def _history(client: FlaskClient, **params: str) -> str:
    response = client.get("/my/access-log", query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _people_offered(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="person"[^>]*>(.*?)</select>', page, re.S)
    assert select
    return [html.unescape(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


# Grouping ---------------------------------------------------------------------------------------


def test_entries_on_two_days_show_as_two_days_newest_first(app: Flask) -> None:
    alex, sam = user_id(app, "alex"), user_id(app, "sam")
    tomorrow = utcnow() + timedelta(days=1)
    with app.app_context(), get_database(app).session() as db:
        # The log is written in time order: an entry from tomorrow is the newest there is.
        by = By(sam, Role.CONSUMER_PEER_WORKER, "test-day")
        record_event(
            db,
            by,
            Action.CONTACT_LOG,
            alex,
            None,
            Outcome.ALLOWED,
            Basis.CARE_ASSIGNMENT,
            now=tomorrow,
        )
        db.commit()
    days = _days(_history(client_as(app, "alex")))
    assert len(days) == 2
    (first, first_lines), (second, second_lines) = days
    local = tomorrow.astimezone(ZoneInfo(app.config["PEERNOTES"].timezone))
    assert first == f"{local.day} {local:%B %Y}"
    assert first_lines == [
        "Sam Rivera (peer worker, your care team) recorded a contact with you,"
        " because they are in your care team."
    ]
    assert second.startswith("Today, ")
    assert len(second_lines) > 10  # the demo's own entries, all of today


# Filters ----------------------------------------------------------------------------------------


def test_others_only_hides_the_persons_own_acts(app: Flask) -> None:
    alex = client_as(app, "alex")
    everything = _lines(_history(alex))
    assert any(line.startswith("You ") for line in everything)
    others = _lines(_history(alex, others_only="y"))
    assert others and not any(line.startswith("You ") for line in others)
    assert others == [line for line in everything if not line.startswith("You ")]


def test_refused_only_shows_only_refusals(app: Flask) -> None:
    alex_id = user_id(app, "alex")
    entry = query(app, "SELECT min(id) FROM record_entries WHERE subject_id = :s", {"s": alex_id})
    assert (
        client_as(app, "jordan").get(f"/people/{alex_id}/record/{entry[0][0]}").status_code == 404
    )
    alex = client_as(app, "alex")
    refused = _lines(_history(alex, refused_only="y"))
    assert refused == [
        "Jordan Lee (consumer) tried to read your care plan in your record,"
        " and was refused: you have not shared this with them."
    ]
    assert len(_lines(_history(alex))) > len(refused)


def test_by_person_shows_only_what_they_did_and_offers_only_people_in_the_history(
    app: Flask,
) -> None:
    alex_id = user_id(app, "alex")
    alex = client_as(app, "alex")
    page = _history(alex)
    offered = _people_offered(page)
    assert offered == [
        "Anyone",
        "Dr Fiona Walsh (clinician)",
        "Dr Mei Chen (clinician)",
        "Priya Raman (coordinator)",
        "Sam Rivera (peer worker)",
        "You",
        "The PeerNotes service",
    ]
    # Exactly the people the log holds about Alex: Jordan, who never acted, is not offered.
    actors = query(
        app,
        "SELECT DISTINCT u.display_name FROM audit_log a JOIN users u ON u.id = a.actor_id"
        " WHERE a.subject_id = :s AND a.actor_id <> :s",
        {"s": alex_id},
    )
    assert sorted(str(name) for (name,) in actors) == [o.split(" (")[0] for o in offered[1:-2]]

    sam = _lines(_history(alex, person=str(user_id(app, "sam"))))
    assert sam and all(line.startswith("Sam Rivera (peer worker, your care team) ") for line in sam)
    expected = count_rows(
        app,
        "audit_log",
        "subject_id = :s AND actor_id = :a",
        {"s": alex_id, "a": user_id(app, "sam")},
    )
    assert len(sam) == expected
    service = _lines(_history(alex, person="service"))
    assert service == ["The PeerNotes service created your account, using the service's own tools."]
    # Filters combine, and links to other pages keep them.
    assert _lines(_history(alex, person=str(alex_id), others_only="y")) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"person": "999999"}, "Choose someone from the list"),
        ({"person": "not-a-person"}, "Choose someone from the list"),
        ({"others_only": "banana"}, "Tick the box, or leave it empty."),
        ({"refused_only": "<script>"}, "Tick the box, or leave it empty."),
        ({"before": "x"}, None),
        ({"after": "-3"}, None),
    ],
)
def test_bad_filter_input_is_a_clear_error_and_changes_nothing(
    app: Flask, params: dict[str, str], message: str | None
) -> None:
    alex = client_as(app, "alex")
    before = count_rows(app, "audit_log")
    response = alex.get("/my/access-log", query_string=params)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    if message is not None:
        assert message in html.unescape(page)
        assert "Nothing is shown until the choices above are fixed." in page
        assert _days(page) == []
    assert count_rows(app, "audit_log") == before  # not even the look is logged


def test_a_person_not_in_ones_history_cannot_be_chosen(app: Flask) -> None:
    # Jordan exists, but has never done anything about Alex: the filter does not tell Alex
    # anything about Jordan, it refuses like any other bad choice.
    response = client_as(app, "alex").get(
        "/my/access-log", query_string={"person": str(user_id(app, "jordan"))}
    )
    assert response.status_code == 400
    assert "Choose someone from the list" in response.get_data(as_text=True)


# Emergency access -------------------------------------------------------------------------------


def test_an_emergency_read_names_the_emergency_and_its_reason(app: Flask) -> None:
    maya = user_id(app, "maya")
    chen = client_as(app, "dr.chen")  # Maya is not in Dr Chen's care
    started = post_form(
        chen,
        "/emergency",
        {
            "subject": str(maya),
            "reason": REASON,
            "password": "peernotes-demo-2026",
            "code": totp_code(app, demo_email("dr.chen")),
        },
    )
    assert started.status_code == 302
    assert chen.get(f"/people/{maya}/record").status_code == 200
    ((access_id,),) = query(
        app, "SELECT id FROM emergency_accesses WHERE subject_id = :s", {"s": maya}
    )

    page = _history(client_as(app, "maya"))
    lines = _lines(page)
    opened = [line for line in lines if "opened your record with emergency access" in line]
    assert opened == [
        "Dr Mei Chen (clinician) opened your record with emergency access,"
        f" giving this reason: “{REASON}” About this emergency access"
    ]
    listed = [line for line in lines if "looked at the list of your record entries" in line]
    assert len(listed) == 1
    assert re.fullmatch(
        r"Dr Mei Chen \(clinician\) looked at the list of your record entries, using the emergency"
        r" access opened on \d+ \w+ \d{4} at \d\d:\d\d, for this reason: “"
        + re.escape(REASON)
        + r"” About this emergency access",
        listed[0],
    )
    # Each links to the emergency's own details on the page.
    assert page.count(f'href="#emergency-{access_id}"') == 2
    assert f'id="emergency-{access_id}"' in page


def test_a_mistyped_emergency_form_is_not_an_attempt_on_the_persons_record(app: Flask) -> None:
    maya = user_id(app, "maya")
    chen = client_as(app, "dr.chen")
    for reason, password in (("urgent", "peernotes-demo-2026"), (REASON, "not my password")):
        response = post_form(
            chen, "/emergency", {"subject": str(maya), "reason": reason, "password": password}
        )
        assert response.status_code == 200  # the form again, with what to fix
    refused = query(
        app,
        "SELECT seq, basis FROM audit_log WHERE action = 'emergency:start' AND subject_id = :s"
        " AND outcome = 'denied' ORDER BY seq",
        {"s": maya},
    )
    assert [basis for _, basis in refused] == ["no_reason", "wrong_password"]

    # Maya's page says nothing of it, not even Dr Chen's name among the people to filter by.
    page = _history(client_as(app, "maya"))
    assert "emergency access" not in " ".join(_lines(page))
    assert "Dr Mei Chen" not in page
    assert _lines(_history(client_as(app, "maya"), refused_only="y")) == []

    # The auditor's log is complete: both refusals are there, about Maya.
    auditor = client_as(app, "auditor")
    listed = auditor.get(
        "/audit",
        query_string={"subject_id": str(maya), "action": "emergency:start", "outcome": "denied"},
    ).get_data(as_text=True)
    seqs = sorted(int(s) for s in re.findall(r'href="/audit/entries/(\d+)"', listed))
    assert seqs == [seq for seq, _ in refused]
