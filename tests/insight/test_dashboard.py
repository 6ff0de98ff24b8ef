"""The auditors' insight dashboard: every number against a direct count of the log.

The counts here are written straight against `audit_log` (SQL, and plain Python over its rows
for the patterns), never through `peernotes.insight`, over a world of known entries
(`tests.insight.world`) on top of the demo's own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from peernotes.audit.events import Action, Outcome
from peernotes.audit.labels import READS
from peernotes.audit.writer import By, record_event
from peernotes.auth.roles import Role
from peernotes.db import get_database
from tests.helpers import client_as, query, user_id
from tests.insight import world as w
from tests.insight.pages import SVG_NS, bar_titles, charts, listed_seqs, tables

READ_CODES = sorted(a.value for a in READS)
WORKERS = ("clinician", "consumer_peer_worker", "carer_peer_worker")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"timezone": "Australia/Melbourne"}


@pytest.fixture
def world(app: Flask) -> w.World:
    return w.build(app)


def _us(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=w.TZ)


def _count(app: Flask, where: str, **params: object) -> int:
    return int(query(app, f"SELECT count(*) FROM audit_log WHERE {where}", params)[0][0])  # type: ignore[call-overload]


class Seen:
    """One dashboard as the auditor saw it, and the log as it stood when it was drawn."""

    def __init__(self, app: Flask, client: FlaskClient, path: str = "/audit/insight") -> None:
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.html = response.get_data(as_text=True)
        self.tables = tables(self.html)
        #: The dashboard's own entry: the log before it is what the page counted.
        self.before = int(
            query(app, "SELECT max(seq) FROM audit_log WHERE action = 'audit:insight'")[0][0]  # type: ignore[call-overload]
        )
        last = re.search(r"to <strong>(\d+) (\w+) (\d{4})</strong> \(today\)", self.html)
        assert last, "the page says which days it counts"
        self.last_day = datetime.strptime(" ".join(last.groups()), "%d %B %Y").date()
        days = len(self.tables["table-days"].body)
        self.first_day = self.last_day - timedelta(days=days - 1)
        self.start, self.end = _midnight(self.first_day), _midnight(self.last_day + timedelta(1))
        self.rows: list[tuple[Any, ...]] = query(
            app,
            "SELECT seq, occurred_at_us, actor_id, actor_role, action, subject_id, outcome, basis"
            " FROM audit_log WHERE seq < :before AND occurred_at_us >= :start"
            " AND occurred_at_us < :end ORDER BY seq",
            {"before": self.before, "start": _us(self.start), "end": _us(self.end)},
        )


def _people(app: Flask) -> dict[int, str]:
    labels = {r.value: r.label for r in Role}
    return {
        int(i): f"{name} ({labels[role]})"
        for i, name, role in query(app, "SELECT id, display_name, role FROM users")
    }


# Every number ------------------------------------------------------------------------------------


def test_entries_per_day_match_a_direct_count(app: Flask, world: w.World) -> None:
    seen = Seen(app, client_as(app, "auditor"))
    table = seen.tables["table-days"]
    assert len(table.body) == 30
    totals = [0, 0]
    for i, row in enumerate(table.body):
        day = seen.first_day + timedelta(days=i)
        assert row[0].text == f"{day.day} {MONTHS[day.month - 1]}"
        window = {"a": _us(_midnight(day)), "b": _us(_midnight(day + timedelta(1)))}
        where = "seq < :s AND occurred_at_us >= :a AND occurred_at_us < :b AND outcome = :o"
        allowed = _count(app, where, s=seen.before, o="allowed", **window)
        refused = _count(app, where, s=seen.before, o="denied", **window)
        assert (row[1].text, row[2].text) == (str(allowed), str(refused)), day
        totals[0] += allowed
        totals[1] += refused
    assert [c.text for c in table.foot[0][1:]] == [str(totals[0]), str(totals[1])]
    # The world's days are there: three of Dr Walsh's emergency reads six days ago, Maya's
    # eight refusals and Dr Chen's one three days ago (with Jordan's four).
    six_ago = table.body[29 - 6]
    assert int(six_ago[1].text) >= 4
    assert int(table.body[29 - 3][2].text) >= 13
    # The read forty days ago is outside the 30 days: no day counts it.
    assert sum(totals) == len(seen.rows)


def test_emergency_uses_and_their_review_match_a_direct_count(app: Flask, world: w.World) -> None:
    seen = Seen(app, client_as(app, "auditor"))
    people = _people(app)
    uses = [
        (int(i), int(c), int(s), started, outcome)
        for i, c, s, started, outcome in query(
            app,
            "SELECT id, clinician_id, subject_id, starts_at, review_outcome"
            " FROM emergency_accesses ORDER BY id DESC",
        )
    ]
    in_window = [u for u in uses if seen.start <= _aware(u[3]) < seen.end]
    status = {
        None: "Waiting for review",
        "justified": "Justified",
        "not_justified": "Not justified",
    }
    expected_status = {words: 0 for words in status.values()}
    for use in in_window:
        expected_status[status[use[4]]] += 1
    shown = {row[0].text: int(row[1].text) for row in seen.tables["table-emergency"].body}
    assert shown == expected_status
    assert shown["Justified"] >= 1 and shown["Waiting for review"] >= 1

    rows = seen.tables["table-emergency-uses"].body
    assert [row[0].text for row in rows] == [f"#{u[0]}" for u in in_window]
    for row, use in zip(rows, in_window, strict=True):
        reads = _count(
            app,
            "seq < :s AND basis = :b AND outcome = 'allowed' AND action <> 'emergency:start'",
            s=seen.before,
            b=f"emergency:{use[0]}",
        )
        assert [c.text for c in row[1:3]] == [people[use[1]], people[use[2]]]
        assert row[4].text == str(reads)
        assert row[5].text == status[use[4]]
    by_id = {row[0].text: row for row in rows}
    assert by_id[f"#{world.emergency_reviewed}"][4].text == "3"
    assert by_id[f"#{world.emergency_reviewed}"][5].text == "Justified"
    assert by_id[f"#{world.emergency_waiting}"][4].text == "1"
    assert by_id[f"#{world.emergency_waiting}"][5].text == "Waiting for review"


def _aware(stored: object) -> datetime:
    if isinstance(stored, str):  # SQLite through a raw connection
        stored = datetime.fromisoformat(stored)
    assert isinstance(stored, datetime)
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored


def _reads(seen: Seen) -> dict[int, dict[int, int]]:
    """Allowed reads by others in the window: {subject: {reader: reads}}, from the rows."""
    found: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _seq, _us, actor, _role, action, subject, outcome, _basis in seen.rows:
        if outcome == "allowed" and action in READ_CODES and actor and subject and actor != subject:
            found[subject][actor] += 1
    return found


def test_top_readers_of_each_person_match_a_direct_count(app: Flask, world: w.World) -> None:
    seen = Seen(app, client_as(app, "auditor"), "/audit/insight?top=2")
    people = _people(app)
    reads = _reads(seen)
    # The same again, straight from SQL: the pairs and their counts.
    pairs = query(
        app,
        "SELECT subject_id, actor_id, count(*) FROM audit_log WHERE seq < :s AND"
        " occurred_at_us >= :a AND occurred_at_us < :b AND outcome = 'allowed' AND action IN ("
        + ", ".join(f"'{c}'" for c in READ_CODES)
        + ") AND actor_id <> subject_id GROUP BY subject_id, actor_id",
        {"s": seen.before, "a": _us(seen.start), "b": _us(seen.end)},
    )
    assert {(int(s), int(a)): int(n) for s, a, n in pairs} == {
        (s, a): n for s, readers in reads.items() for a, n in readers.items()
    }
    expected = sorted(reads.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    rows = seen.tables["table-subjects"].body
    assert len(rows) == len(expected) >= 3
    for row, (subject, readers) in zip(rows, expected, strict=True):
        top = sorted(readers.items(), key=lambda r: (-r[1], r[0]))[:2]
        assert row[0].text == people[subject]
        assert row[1].text == str(sum(readers.values()))
        assert row[2].text == str(len(readers))
        assert row[3].text == " | ".join(f"{people[a]}: {n}" for a, n in top)
    # The chart's person is the most read, and its table says the same.
    subject, readers = expected[0]
    top = sorted(readers.items(), key=lambda r: (-r[1], r[0]))[:2]
    assert seen.tables["table-readers"].texts() == [[people[a], str(n)] for a, n in top]
    # Another person, chosen: Alex's readers include Tui, four reads, three outside her caseload.
    alex = world.ids["alex"]
    chosen = Seen(app, client_as(app, "auditor"), f"/audit/insight?person={alex}&top=20")
    assert chosen.tables["table-readers"].texts() == [
        [people[a], str(n)]
        for a, n in sorted(_reads(chosen)[alex].items(), key=lambda r: (-r[1], r[0]))
    ]
    assert [people[world.ids["tui"]], "4"] in chosen.tables["table-readers"].texts()


# Flags ---------------------------------------------------------------------------------------------


def _assignments(app: Flask) -> list[tuple[int, int, date, date | None, datetime | None]]:
    found = []
    for worker, subject, starts, ends, ended in query(
        app, "SELECT worker_id, subject_id, starts_on, ends_on, ended_at FROM care_assignments"
    ):
        found.append(
            (
                int(worker),
                int(subject),
                date.fromisoformat(str(starts)),
                date.fromisoformat(str(ends)) if ends else None,
                _aware(ended) if ended else None,
            )
        )
    return found


def expected_flags(app: Flask, seen: Seen, night: tuple[int, int] = (22, 6)) -> dict[str, set[int]]:
    """Each pattern's entries, found from the log's rows by the definitions in words."""
    assignments = _assignments(app)

    def assigned(worker: int, subject: int, moment: datetime) -> bool:
        day = moment.astimezone(UTC).date()
        return any(
            a[0] == worker
            and a[1] == subject
            and a[2] <= day
            and (a[3] is None or day <= a[3])
            and (a[4] is None or moment < a[4])
            for a in assignments
        )

    outside, unusual = set(), set()
    refusals: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for seq, us, actor, role, action, subject, outcome, basis in seen.rows:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(us))
        if outcome == "denied" and actor is not None:
            refusals[int(actor)].append((int(seq), moment))
        worker_read = (
            outcome == "allowed"
            and action in READ_CODES
            and role in WORKERS
            and actor
            and subject
            and actor != subject
        )
        if not worker_read:
            continue
        exempt = basis in ("care_assignment", "supervisor", "duty_of_care", "facilitator")
        if not exempt and not assigned(int(actor), int(subject), moment):
            outside.add(int(seq))
        hour = moment.astimezone(w.TZ).hour
        if (
            (hour >= night[0] or hour < night[1])
            if night[0] > night[1]
            else night[0] <= hour < night[1]
        ):
            unusual.add(int(seq))
    burst = set()
    for entries in refusals.values():
        entries.sort()
        for i in range(len(entries) - 4):
            five = entries[i : i + 5]
            if max(m for _, m in five) - min(m for _, m in five) <= timedelta(minutes=10):
                burst.update(s for s, _ in five)
    return {"outside_caseload": outside, "unusual_hours": unusual, "denial_burst": burst}


def test_flags_count_what_the_log_holds(app: Flask, world: w.World) -> None:
    seen = Seen(app, client_as(app, "auditor"))
    expected = expected_flags(app, seen)
    # The world's patterns are there, and its controls are not.
    assert world.outside_caseload <= expected["outside_caseload"]
    assert not world.inside_caseload & expected["outside_caseload"]
    assert world.night_reads <= expected["unusual_hours"]
    assert not world.not_night & expected["unusual_hours"]
    assert world.burst <= expected["denial_burst"]
    assert not world.not_burst & expected["denial_burst"]
    summary = {row[0].text: row for row in seen.tables["table-flags"].body}
    words = {
        "outside_caseload": "Reading outside their caseload",
        "unusual_hours": "Reading at unusual hours",
        "denial_burst": "Bursts of refusals",
    }
    for kind, entries in expected.items():
        row = summary[words[kind]]
        assert row[2].text == str(len(entries)), kind
        listed = seen.tables[f"table-flags-{kind}"].body if entries else []
        assert row[1].text == str(len(listed)), kind


@pytest.mark.parametrize("kind", ["outside_caseload", "unusual_hours", "denial_burst"])
def test_each_flag_links_to_exactly_its_entries(app: Flask, world: w.World, kind: str) -> None:
    auditor = client_as(app, "auditor")
    seen = Seen(app, auditor)
    expected = expected_flags(app, seen)[kind]
    found: list[int] = []
    for row in seen.tables[f"table-flags-{kind}"].body:
        (link,) = row[3].links
        said = re.fullmatch(r"See (?:this entry|these (\d+) entries)", row[3].text)
        assert said, row[3].text
        listed = listed_seqs(auditor.get(link).get_data(as_text=True))
        assert len(listed) == int(said.group(1) or 1), (link, listed)
        found.extend(listed)
    assert len(found) == len(set(found)), "no entry is behind two flags"
    assert set(found) == expected
    mine = {
        "outside_caseload": world.outside_caseload,
        "unusual_hours": world.night_reads,
        "denial_burst": world.burst,
    }[kind]
    assert mine and mine <= set(found)


def test_a_flag_names_who_whom_and_why(app: Flask, world: w.World) -> None:
    seen = Seen(app, client_as(app, "auditor"))
    people = _people(app)
    rows = seen.tables["table-flags-outside_caseload"].texts()
    tui = [r for r in rows if r[0] == people[world.ids["tui"]]]
    # Newest first: the read after her assignment ended, then the two before it began.
    assert [(r[1], r[3], r[4]) for r in tui] == [
        (people[world.ids["alex"]], "See this entry", "Consent #99"),
        (people[world.ids["alex"]], "See these 2 entries", "Consent #99"),
    ]
    bursts = [r for r in seen.tables["table-flags-denial_burst"].texts()]
    maya = [r for r in bursts if r[0] == people[world.ids["maya"]]]
    assert [r[3] for r in maya] == ["See these 6 entries"]
    assert maya[0][4] == "Opened a page their role may not use"


def test_settings_change_the_days_and_the_patterns(app: Flask, world: w.World) -> None:
    auditor = client_as(app, "auditor")
    week = Seen(app, auditor, "/audit/insight?days=7")
    assert len(week.tables["table-days"].body) == 7
    assert sum(int(r[1].text) + int(r[2].text) for r in week.tables["table-days"].body) == len(
        week.rows
    )
    # From 21:00, Dr Chen's read at 21:30 is unusual too.
    late = Seen(app, auditor, "/audit/insight?night_from=21&night_to=6")
    flagged = set()
    for row in late.tables["table-flags-unusual_hours"].body:
        flagged.update(listed_seqs(auditor.get(row[3].links[0]).get_data(as_text=True)))
    assert flagged == expected_flags(app, late, night=(21, 6))["unusual_hours"]
    assert world.not_night & flagged
    # Seven refusals make a burst now: Maya's six do not.
    strict = Seen(app, auditor, "/audit/insight?burst_count=7")
    bursts = strict.tables.get("table-flags-denial_burst")
    assert _people(app)[world.ids["maya"]] not in {r[0] for r in (bursts.texts() if bursts else [])}


# Charts ---------------------------------------------------------------------------------------------


def test_charts_are_well_formed_svg_and_say_what_their_tables_say(
    app: Flask, world: w.World
) -> None:
    seen = Seen(app, client_as(app, "auditor"))
    drawn = charts(seen.html)  # parsed as XML: a malformed chart fails here
    assert set(drawn) == {"chart-days", "chart-emergency", "chart-readers", "chart-flags"}
    for chart_id, chart in drawn.items():
        assert chart.tag == f"{SVG_NS}svg"
        assert chart.attrib["role"] == "img"
        title = chart.find(f"{SVG_NS}title")
        assert title is not None and title.text and chart.attrib["aria-label"] == title.text
        assert chart.find(f"{SVG_NS}desc") is not None, chart_id
    assert "<script" not in seen.html

    days = seen.tables["table-days"].body
    expected = [
        f"{row[0].text}: {row[col].text} {series}"
        for row in days
        for col, series in ((1, "allowed"), (2, "refused"))
        if row[col].text != "0"
    ]
    assert bar_titles(drawn["chart-days"]) == expected
    assert bar_titles(drawn["chart-emergency"]) == [
        f"{r[0].text}: {r[1].text}" for r in seen.tables["table-emergency"].body if r[1].text != "0"
    ]
    assert bar_titles(drawn["chart-readers"]) == [
        f"{r[0].text}: {r[1].text}" for r in seen.tables["table-readers"].body
    ]
    assert bar_titles(drawn["chart-flags"]) == [
        f"{r[0].text}: {r[1].text}" for r in seen.tables["table-flags"].body if r[1].text != "0"
    ]
    # Every value is also written as text in the bar charts, zero included.
    values = [
        t.text for t in drawn["chart-emergency"].iter(f"{SVG_NS}text") if t.get("class") == "value"
    ]
    assert values == [r[1].text for r in seen.tables["table-emergency"].body]


# Who may see it, bad input, and its own entry -----------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR], ids=str)
def test_only_auditors_open_the_dashboard(app: Flask, role: Role) -> None:
    key = {
        Role.CONSUMER: "alex",
        Role.CARER: "linh",
        Role.CONSUMER_PEER_WORKER: "sam",
        Role.CARER_PEER_WORKER: "helen",
        Role.CLINICIAN: "dr.chen",
        Role.ADMIN: "admin",
    }[role]
    client = client_as(app, key)
    response = client.get("/audit/insight")
    assert response.status_code == 403
    assert "Insight" not in client.get("/").get_data(as_text=True)
    assert _count(app, "action = 'audit:insight'") == 0
    assert (
        _count(
            app,
            "action = 'access:denied' AND actor_id = :a AND target_id = 'insight.dashboard'",
            a=user_id(app, key),
        )
        == 1
    )


def test_auditors_find_it_in_their_navigation(app: Flask) -> None:
    home = client_as(app, "auditor").get("/").get_data(as_text=True)
    assert 'href="/audit/insight">Insight</a>' in home


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("days=0", "from 1 to 366"),
        ("days=367", "from 1 to 366"),
        ("days=a+week", "Not a valid integer"),
        ("top=0", "from 1 to 20"),
        ("night_from=24", "from 0 to 23"),
        ("night_from=22&night_to=22", "must end at another hour"),
        ("night_from=6", "must end at another hour"),
        ("burst_count=1", "from 2 to 1000"),
        ("burst_minutes=-5", "from 1 to 1440"),
        ("person=999999", "Not a valid choice"),
        ("person=%27%3B--", "Not a valid choice"),
    ],
)
def test_bad_settings_get_a_clear_error_and_no_numbers(
    app: Flask, query_string: str, message: str
) -> None:
    response = client_as(app, "auditor").get(f"/audit/insight?{query_string}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'role="alert"' in page and "<svg" not in page and "table-days" not in page
    assert _count(app, "action = 'audit:insight'") == 0


def test_each_view_is_logged_and_names_the_person_chosen(app: Flask) -> None:
    auditor = client_as(app, "auditor")
    me, alex = user_id(app, "auditor"), user_id(app, "alex")
    auditor.get("/audit/insight")
    auditor.get(f"/audit/insight?person={alex}&days=7")
    logged = query(
        app,
        "SELECT actor_id, subject_id, outcome, basis FROM audit_log"
        " WHERE action = 'audit:insight' ORDER BY seq",
    )
    assert logged == [(me, None, "allowed", "role:auditor"), (me, alex, "allowed", "role:auditor")]


# Cost --------------------------------------------------------------------------------------------


def _statements(app: Flask, client: FlaskClient, path: str) -> int:
    """How many SQL statements one GET of the dashboard sends (a count, never a timing)."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    engine = get_database(app).engine
    # The navigation's "Needs attention" count is reused for a minute: warm it, so the GET
    # measured is the dashboard alone.
    client.get(path)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def test_ten_times_the_entries_cost_no_more_queries(app: Flask, world: w.World) -> None:
    """Counts are aggregated in SQL: more reads, refusals and days of them add rows to count,
    not statements (the flags, which add a statement per hundred, stay the same here)."""
    auditor = client_as(app, "auditor")
    before = _statements(app, auditor, "/audit/insight")
    with app.app_context(), get_database(app).session() as db:
        chen = By(world.ids["dr.chen"], Role.CLINICIAN, "insight-more")
        alex = world.ids["alex"]
        for i in range(300):
            at = w.local(1 + i % 20, 9 + i % 8, i % 60)
            read, allowed = Action.RECORD_READ, Outcome.ALLOWED
            record_event(db, chen, read, alex, None, allowed, "care_assignment", now=at)
        db.commit()
    assert _statements(app, auditor, "/audit/insight") == before
