"""Every main page of every role, as the demo's people see them, and how many SQL statements
each one costs.

One list serves two readers: the query-count tests (tests/perf), which count on the demo
service and again after growing it for the same people and require the same numbers, and the
benchmark, which prints the counts (`queries_per_page`). A page is named by its role, the demo
person who opens it and a path whose `{placeholders}` are demo people's ids (`{alex}`) or the
first row of a kind the demo has (`{alex_note}`, see `locate`), so the same page is opened
however much data has been added after it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.common import count_queries
from peernotes.audit.models import AuditEntry
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import Team
from peernotes.db import get_database
from peernotes.demo.loader import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, demo_totp_secret
from peernotes.emergency.models import EmergencyAccess
from peernotes.mfa import service as mfa
from peernotes.notes.models import Note
from peernotes.records.models import RecordEntry
from peernotes.risk.models import RiskConcern
from peernotes.workforce.agreements.models import SupportAgreement

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class MainPage:
    """One page someone in a role opens in the course of their work."""

    role: Role
    #: The demo person (their key, as in `alex@…`) who opens it.
    person: str
    #: What the page is, in a few words ("note page").
    name: str
    #: The path, `{placeholders}` filled by `locate`.
    path: str
    #: Text the page shows when it works: its heading, or something only it says.
    shows: str

    def url(self, places: Mapping[str, int]) -> str:
        return self.path.format_map(places)


def _pages(role: Role, person: str, *pages: tuple[str, str, str]) -> list[MainPage]:
    return [MainPage(role, person, name, path, shows) for name, path, shows in pages]


#: Consumers (Alex), carers (Linh), peer workers of both kinds (Sam, Helen), clinicians
#: (Dr Chen), the coordinator (the admin role) and the auditor: their home, what the
#: navigation offers them, and the pages they reach from there most (a note, a record entry,
#: a person's timeline and consent).
MAIN_PAGES: tuple[MainPage, ...] = (
    *_pages(
        Role.CONSUMER,
        "alex",
        ("home", "/", "Alex"),
        ("notes", "/notes", "Notes"),
        ("note page", "/notes/{alex_note}", "going back to study"),
        ("timeline", "/people/{alex}/timeline", "Alex Nguyen"),
        ("record", "/people/{alex}/record", "Care plan"),
        ("record entry", "/people/{alex}/record/{alex_entry}", "Care plan, spring"),
        ("notifications", "/notifications", "Notifications"),
        ("privacy and sharing", "/my/sharing", "Sam Rivera"),
        ("consent", "/my/consent", "Sam Rivera"),
        ("own access log", "/my/access-log", "Dr Fiona Walsh"),
        ("concerns about me", "/my/concerns", "Concerns"),
        ("peer worker", "/my/peer-worker", "peer worker"),
        ("agreements", "/my/agreements", "greement"),
    ),
    *_pages(
        Role.CARER,
        "linh",
        ("home", "/", "Linh"),
        ("notes", "/notes", "Notes"),
        ("note page", "/notes/{linh_note}", "the carers"),
        ("timeline", "/people/{linh}/timeline", "Linh Nguyen"),
        ("shared record", "/people/{alex}/record", "Alex Nguyen"),
        ("privacy and sharing", "/my/sharing", "Helen Costa"),
        ("consent", "/my/consent", "consent"),
        ("own access log", "/my/access-log", "Helen Costa"),
        ("notifications", "/notifications", "Notifications"),
    ),
    *_pages(
        Role.CONSUMER_PEER_WORKER,
        "sam",
        ("home", "/", "Alex Nguyen"),
        ("notes", "/notes", "Alex Nguyen"),
        ("note page", "/notes/{alex_note}", "going back to study"),
        ("timeline", "/people/{alex}/timeline", "Alex Nguyen"),
        ("record", "/people/{alex}/record", "Alex Nguyen"),
        ("consent", "/people/{alex}/consent", "Alex Nguyen"),
        ("contacts", "/contacts", "Contacts"),
        ("agreements", "/my/agreements", "Alex Nguyen"),
        ("notifications", "/notifications", "Notifications"),
    ),
    *_pages(
        Role.CARER_PEER_WORKER,
        "helen",
        ("home", "/", "Linh Nguyen"),
        ("notes", "/notes", "Linh Nguyen"),
        ("note page", "/notes/{linh_note}", "the carers"),
        ("timeline", "/people/{linh}/timeline", "Linh Nguyen"),
        ("contacts", "/contacts", "Contacts"),
        ("groups", "/groups", "roup"),
    ),
    *_pages(
        Role.CLINICIAN,
        "dr.chen",
        ("home", "/", "Alex Nguyen"),
        ("notes", "/notes", "Alex Nguyen"),
        ("note page", "/notes/{alex_note}", "DBT skills group"),
        ("timeline", "/people/{alex}/timeline", "Alex Nguyen"),
        ("person's notes", "/people/{alex}/notes", "Alex Nguyen"),
        ("record", "/people/{alex}/record", "Care plan"),
        ("record entry", "/people/{alex}/record/{alex_entry}", "Care plan, spring"),
        ("consent", "/people/{alex}/consent", "Alex Nguyen"),
        ("risk concerns", "/risk", "Alex Nguyen"),
        ("risk concern", "/risk/{concern}", "giving his things away"),
        ("supervision", "/supervision", "Sam Rivera"),
    ),
    *_pages(
        Role.ADMIN,
        "admin",
        ("home", "/", "Priya"),
        ("accounts", "/admin/accounts", "Alex Nguyen"),
        ("teams", "/admin/teams", "Borderline Support Team"),
        ("team", "/admin/teams/{team}", "Dr Mei Chen"),
        ("care assignments", "/admin/assignments", "Sam Rivera"),
        ("peer worker requests", "/admin/worker-requests", "equest"),
        ("erasure requests", "/erasure-requests", "rasure"),
        ("training", "/admin/training", "Sam Rivera"),
        ("supervision", "/admin/supervision", "Dr Mei Chen"),
        ("groups", "/admin/groups", "roup"),
    ),
    *_pages(
        Role.AUDITOR,
        "auditor",
        ("home", "/", "Graham"),
        ("access log", "/audit", "Access log"),
        ("log entry", "/audit/entries/{alex_log_entry}", "Alex Nguyen"),
        ("insight", "/audit/insight", "nsight"),
        ("emergency access reviews", "/audit/emergency", "Dr Fiona Walsh"),
        ("emergency access review", "/audit/emergency/{emergency}", "Dr Fiona Walsh"),
    ),
)


def roles_covered() -> frozenset[Role]:
    return frozenset(page.role for page in MAIN_PAGES)


def _first(db: Session, column: object, *where: object) -> int:
    found = db.scalar(select(func.min(column)).where(*where))  # type: ignore[call-overload]
    if found is None:
        raise LookupError(f"the demo has no row for {column}")
    return int(found)


def locate(db: Session) -> dict[str, int]:
    """The ids the paths name: each demo person's, and the first (oldest) row of each kind
    the demo service has. The oldest stays the same however many rows are added later."""
    people = {
        row.email.split("@", 1)[0]: row.id
        for row in db.execute(
            select(User.id, User.email).where(User.email.like(f"%@{DEMO_DOMAIN}"))
        )
    }
    places = dict(people)
    places["alex_note"] = _first(db, Note.id, Note.subject_id == people["alex"])
    places["linh_note"] = _first(db, Note.id, Note.subject_id == people["linh"])
    places["alex_entry"] = _first(db, RecordEntry.id, RecordEntry.subject_id == people["alex"])
    places["alex_log_entry"] = _first(db, AuditEntry.seq, AuditEntry.subject_id == people["alex"])
    places["team"] = _first(db, Team.id)
    places["concern"] = _first(db, RiskConcern.id)
    places["emergency"] = _first(db, EmergencyAccess.id)
    places["agreement"] = _first(db, SupportAgreement.id)
    return places


def _email(person: str) -> str:
    return f"{person}@{DEMO_DOMAIN}"


def _unused_code(app: Flask, email: str) -> str:
    """A code the demo person's authenticator shows, of a time step they have not used (a
    code is accepted once; the drift window also accepts the next step)."""
    with get_database(app).session() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None, email
        enrolment = mfa.current(db, user.id)
        assert enrolment is not None, f"{email} has no authenticator"
        last = enrolment.last_step
    now = int(time.time()) // mfa.INTERVAL
    step = next((s for s in (now, now + 1) if last is None or s > last), None)
    if step is None:  # both used: wait for the next step rather than guess
        time.sleep(mfa.INTERVAL - time.time() % mfa.INTERVAL + 0.1)
        step = now + 2
    return pyotp.TOTP(demo_totp_secret(email), interval=mfa.INTERVAL).generate_otp(step)


def sign_in(app: Flask, person: str) -> FlaskClient:
    """A test client signed in as a demo person through the real forms: password, CSRF token
    and, for staff, a code from their (demo) authenticator."""
    client = app.test_client()
    email = _email(person)
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    assert token, "the sign-in page has no CSRF token"
    response = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302, (person, response.status_code)
    if response.headers["Location"].endswith("/login/code"):
        page = client.get("/login/code").get_data(as_text=True)
        token = _CSRF.search(page)
        assert token, "the code page has no CSRF token"
        response = client.post(
            "/login/code",
            data={"code": _unused_code(app, email), "csrf_token": token.group(1)},
        )
        assert response.status_code == 302, (person, response.status_code)
    return client


@dataclass(frozen=True)
class Counted:
    page: MainPage
    url: str
    queries: int
    status: int
    body: str

    @property
    def shows_expected(self) -> bool:
        return self.status == 200 and self.page.shows in self.body


def count_pages(app: Flask, pages: Iterable[MainPage] = MAIN_PAGES) -> Iterator[Counted]:
    """Each page, opened by its person: the statements the app's engine ran for one GET (the
    session check, the page, its access-log entries and the commit), counted on a second
    opening, after a first has warmed what the app keeps between requests (the "Needs
    attention" count, kept a minute)."""
    engine: Engine = get_database(app).engine
    with get_database(app).session() as db:
        places = locate(db)
    clients: dict[str, FlaskClient] = {}
    for page in pages:
        client = clients.get(page.person) or clients.setdefault(
            page.person, sign_in(app, page.person)
        )
        url = page.url(places)
        client.get(url)
        seen: list[tuple[int, str]] = []
        queries = count_queries(
            engine,
            lambda: seen.append(_status_and_text(client, url)),  # noqa: B023 (called at once)
        )
        status, body = seen[0]
        yield Counted(page, url, queries, status, body)


def _status_and_text(client: FlaskClient, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def queries_per_page(app: Flask) -> list[tuple[Role, str, int]]:
    """(role, page, statements per request) for every main page, for the benchmark's table."""
    return [(c.page.role, c.page.name, c.queries) for c in count_pages(app)]


#: Every demo person whose pages are counted is a real demo person.
assert {p.person for p in MAIN_PAGES} <= {p.key for p in PEOPLE}
