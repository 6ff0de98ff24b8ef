"""Training upkeep: the CSV import (good files stored row by row, every kind of bad file refused
whole with a row-by-row report), the 30-day warnings for workers and the coordinator, and the
plain reason a worker reads when a module has lapsed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.training import imports as training_import
from peernotes.training import service as training
from tests.audit.helpers import rows
from tests.helpers import app_database_url, client_as, csrf_token, user_id

HEADER = "email,module,completed_on,expires_on"


_url = app_database_url


_client = client_as


def _today() -> date:
    return utcnow().date()


def _d(days: int) -> str:
    return (_today() + timedelta(days=days)).isoformat()


def _upload(client: FlaskClient, content: bytes, name: str = "training.csv") -> TestResponse:
    token = csrf_token(client.get("/admin/training/import").get_data(as_text=True))
    return client.post(
        "/admin/training/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _records(app: Flask) -> int:
    return int(rows(_url(app), "SELECT count(*) FROM training_records")[0][0])  # type: ignore[call-overload]


def _log(app: Flask, action: str) -> list[tuple[object, ...]]:
    return rows(
        _url(app),
        "SELECT actor_id, subject_id, target_type, target_id, outcome, basis FROM audit_log"
        " WHERE action = :a ORDER BY seq",
        {"a": action},
    )


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# Good files -------------------------------------------------------------------------------------


def test_a_good_file_stores_every_row_and_logs_each(app: Flask) -> None:
    admin = _client(app, "admin")
    before = _records(app)
    records_logged = len(_log(app, "training:record"))
    content = _csv(
        HEADER,
        f"sam@peernotes.example,confidentiality,{_d(-3)},{_d(362)}",
        f"TUI@peernotes.example,note_writing,{_d(-10)},{_d(355)}",
        f"helen@peernotes.example,duty_of_care,{_d(0)},{_d(365)}",
    )
    response = _upload(admin, content)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _records(app) == before + 3
    assert len(_log(app, "training:record")) == records_logged + 3
    assert _log(app, "training:import")[-1] == (
        user_id(app, "admin"),
        None,
        "training_import",
        "3",
        "allowed",
        "role:admin",
    )
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 3 training records for 3 peer workers" in page
    assert "Helen Costa, Sam Rivera, Tui Henare" in page


def test_columns_in_any_order_a_byte_order_mark_and_blank_lines_are_fine(app: Flask) -> None:
    before = _records(app)
    content = b"\xef\xbb\xbf" + _csv(
        "module,email,expires_on,completed_on",
        "",
        f"confidentiality,sam@peernotes.example,{_d(300)},{_d(-1)}",
    )
    assert _upload(_client(app, "admin"), content).status_code == 302
    assert _records(app) == before + 1


def test_the_import_page_is_for_coordinators_only(app: Flask) -> None:
    before = _records(app)
    content = _csv(HEADER, f"sam@peernotes.example,confidentiality,{_d(-3)},{_d(362)}")
    for key in ("sam", "dr.chen", "auditor"):
        client = _client(app, key)
        assert client.get("/admin/training/import").status_code == 403
        token = csrf_token(client.get("/").get_data(as_text=True))
        response = client.post(
            "/admin/training/import",
            data={"csrf_token": token, "file": (io.BytesIO(content), "t.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 403
    assert _records(app) == before


# Bad files --------------------------------------------------------------------------------------

GOOD = f"sam@peernotes.example,confidentiality,{_d(-3)},{_d(362)}"

#: (name, file, [(row, words in the message)]) — every problem the report must show.
BAD: list[tuple[str, bytes, list[tuple[str, str]]]] = [
    ("empty file", b"", [("The whole file", "The file is empty.")]),
    ("only blank lines", b"\n\n  \n", [("The whole file", "The file is empty.")]),
    (
        "header only",
        _csv(HEADER),
        [("The whole file", "has a header row but no training records")],
    ),
    (
        "missing column",
        _csv("email,module,completed_on", "sam@peernotes.example,confidentiality,2026-01-01"),
        [("1", "missing the column expires_on")],
    ),
    (
        "no header",
        _csv(GOOD, GOOD.replace("confidentiality", "note_writing")),
        [("1", "There is no header row. The first row must name the columns: email,module,")],
    ),
    (
        "unknown column",
        _csv(HEADER + ",notes", GOOD + ",hello"),
        [("1", "Unknown column(s) in the header row: notes")],
    ),
    (
        "unknown person",
        _csv(HEADER, GOOD, f"nobody@peernotes.example,confidentiality,{_d(-3)},{_d(362)}"),
        [("3", "No one has the email address nobody@peernotes.example.")],
    ),
    (
        "not a peer worker",
        _csv(HEADER, f"alex@peernotes.example,confidentiality,{_d(-3)},{_d(362)}"),
        [("2", "Alex Nguyen is not a peer worker (consumer).")],
    ),
    (
        "unknown module",
        _csv(HEADER, f"sam@peernotes.example,first_aid,{_d(-3)},{_d(362)}"),
        [("2", "“first_aid” is not a training module; use one of note_writing")],
    ),
    (
        "bad dates",
        _csv(
            HEADER,
            "sam@peernotes.example,confidentiality,03/05/2026,2027-05-03",
            "sam@peernotes.example,note_writing,2026-01-01,2027-02-30",
            "sam@peernotes.example,duty_of_care,,2027-02-01",
            "tui@peernotes.example,confidentiality,20260101,2027-01-01",
            "tui@peernotes.example,note_writing,2026-01-01,2027-W01-1",
        ),
        [
            ("2", "completed_on “03/05/2026” is not a date; write it as 2026-05-03."),
            ("3", "expires_on “2027-02-30” is not a date"),
            ("4", "completed_on is empty"),
            ("5", "completed_on “20260101” is not a date"),
            ("6", "expires_on “2027-W01-1” is not a date"),
        ],
    ),
    (
        "completion in the future",
        _csv(HEADER, f"sam@peernotes.example,confidentiality,{_d(2)},{_d(362)}"),
        [("2", "The completion date cannot be in the future.")],
    ),
    (
        "expiry not after completion",
        _csv(HEADER, f"sam@peernotes.example,confidentiality,{_d(-3)},{_d(-3)}"),
        [("2", "The expiry date must be after the completion date.")],
    ),
    (
        "duplicate row",
        _csv(HEADER, GOOD, GOOD.replace("sam@", "SAM@")),
        [("3", "This repeats row 2 (same person, module and completion date).")],
    ),
    (
        "wrong number of values",
        _csv(HEADER, "sam@peernotes.example,confidentiality,2026-01-01"),
        [("2", "This row has 3 value(s); the header has 4.")],
    ),
    (
        "several problems in one row, and a good row",
        _csv(HEADER, GOOD, f"nobody@x.example,first_aid,{_d(5)},{_d(1)}"),
        [
            ("3", "No one has the email address nobody@x.example."),
            ("3", "“first_aid” is not a training module"),
            ("3", "The completion date cannot be in the future."),
        ],
    ),
    (
        "not text",
        b"\xff\xfe\x00e\x00m\x00a\x00i\x00l",
        [("The whole file", "not a plain-text CSV")],
    ),
    (
        "file too big",
        _csv(HEADER, *[GOOD] * 5000),
        [("The whole file", "The file is larger than 256 KB")],
    ),
]


@pytest.mark.parametrize(("name", "content", "problems"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_refused_whole_with_a_row_by_row_report(
    app: Flask, name: str, content: bytes, problems: list[tuple[str, str]]
) -> None:
    before = _records(app)
    logged = (len(_log(app, "training:record")), len(_log(app, "training:import")))
    response = _upload(_client(app, "admin"), content)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    report = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = [
        (found[0], found[1])
        for r in report.split("<tr>")[1:]
        if (found := re.findall(r"<td[^>]*>(.*?)</td>", r, re.S))
    ]
    for row, words in problems:
        escaped = words.replace("'", "&#39;")
        assert any(r == row and escaped in m for r, m in cells), (row, words, cells)
    assert len(cells) == len(problems), cells
    assert _records(app) == before
    assert (len(_log(app, "training:record")), len(_log(app, "training:import"))) == logged


def test_no_file_at_all_is_refused_plainly(app: Flask) -> None:
    admin = _client(app, "admin")
    token = csrf_token(admin.get("/admin/training/import").get_data(as_text=True))
    response = admin.post("/admin/training/import", data={"csrf_token": token})
    assert response.status_code == 200
    assert "The file is empty." in response.get_data(as_text=True)


def test_the_checks_are_the_forms_checks(app: Flask) -> None:
    """Both paths refuse training longer than five years, through one rule."""
    content = _csv(HEADER, f"sam@peernotes.example,confidentiality,{_d(-3)},{_d(366 * 5)}")
    page = _upload(_client(app, "admin"), content).get_data(as_text=True)
    assert "Training lasts five years at most." in page
    with pytest.raises(training.TrainingError, match="five years"):
        training.check_dates(_today(), _today() + timedelta(days=366 * 5 + 1), today=_today())


def test_the_service_refuses_before_storing_anything(app: Flask) -> None:
    content = _csv(HEADER, GOOD, "sam@peernotes.example,first_aid,2026-01-01,2027-01-01")
    before = _records(app)
    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(training_import.ImportRefused) as refused:
            training_import.import_csv(db, admin, content, today=_today())
        assert [p.row for p in refused.value.problems] == [3]
        db.commit()
    assert _records(app) == before


# Warnings and the worker's own page -------------------------------------------------------------


def _record(app: Flask, worker: str, module: str, completed: int, expires: int) -> None:
    # Ids first: on SQLite a lookup inside an open write transaction would wait for it.
    admin = By(user_id(app, "admin"), Role.ADMIN, "test")
    person = user_id(app, worker)
    with app.app_context(), get_database(app).session() as db:
        training.record(
            db,
            admin,
            person,
            module,
            _today() + timedelta(days=completed),
            _today() + timedelta(days=expires),
            today=_today(),
        )
        db.commit()


def _day(days: int) -> str:
    d = _today() + timedelta(days=days)
    return f"{d.day} {d:%B %Y}"


def test_a_module_expiring_within_30_days_warns_the_worker_and_the_coordinator(
    app: Flask,
) -> None:
    _record(app, "helen", "confidentiality", -20, 12)
    sentence = (
        f"Your confidentiality training expires on {_day(12)} (in 12 days). Renew it before then"
    )
    helen, chen = user_id(app, "helen"), user_id(app, "dr.chen")
    with app.app_context(), get_database(app).session() as db:
        warnings = training.warnings_for(db, helen, _today())
        assert any(w.startswith(sentence) for w in warnings), warnings
        # Never for a clinician.
        assert training.warnings_for(db, chen, _today()) == []
    page = _client(app, "helen").get("/my/training").get_data(as_text=True)
    assert sentence in page
    assert "Expires soon" in page
    admin = _client(app, "admin").get("/admin/training").get_data(as_text=True)
    summary = admin.split("Needs attention", 1)[1].split("</section>", 1)[0]
    assert "Expiring within 30 days" in summary
    assert f"Helen Costa</strong>: confidentiality expires {_day(12)} (in 12 days)" in summary


def test_31_days_away_is_not_a_warning_and_30_is(app: Flask) -> None:
    for module in ("note_writing", "confidentiality", "duty_of_care"):
        _record(app, "helen", module, -1, 31)
    helen = user_id(app, "helen")
    with app.app_context(), get_database(app).session() as db:
        assert training.warnings_for(db, helen, _today()) == []
    _record(app, "helen", "duty_of_care", 0, 30)
    with app.app_context(), get_database(app).session() as db:
        warnings = training.warnings_for(db, helen, _today())
    assert len(warnings) == 1 and "duty of care training expires" in warnings[0]
    admin = _client(app, "admin").get("/admin/training").get_data(as_text=True)
    summary = admin.split("Needs attention", 1)[1].split("</section>", 1)[0]
    assert "Helen Costa</strong>: duty of care" in summary
    assert "Helen Costa</strong>: note writing" not in summary


def test_lapsed_training_is_explained_plainly_on_the_workers_page(app: Flask) -> None:
    _record(app, "sam", "confidentiality", -50, -3)
    page = _client(app, "sam").get("/my/training").get_data(as_text=True)
    assert (
        f"Your confidentiality training lapsed on {_day(-3)}. Until it is renewed you can"
        "&#39;t see anything the people you support have shared with you by consent (their"
        " records and shared notes). Your coordinator can record the renewal."
    ) in page
    assert "Lapsed</strong> on" in page
    sam = user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        assert any("lapsed on" in w for w in training.warnings_for(db, sam, _today()))
    admin = _client(app, "admin").get("/admin/training").get_data(as_text=True)
    summary = admin.split("Needs attention", 1)[1].split("</section>", 1)[0]
    assert f"Sam Rivera</strong>: confidentiality lapsed {_day(-3)}" in summary


def test_all_current_says_so(app: Flask) -> None:
    for module in ("note_writing", "confidentiality", "duty_of_care"):
        _record(app, "sam", module, -1, 200)
    page = _client(app, "sam").get("/my/training").get_data(as_text=True)
    assert "All your training is current." in page
    assert "Needs your attention" not in page
