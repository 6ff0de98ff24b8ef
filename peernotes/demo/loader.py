"""A small, realistic demo service: one team, its staff, the people they support.

Development only: the demo logins share one password that is printed on the screen, and the
staff who must use two-step sign-in have fixed authenticator secrets, printed too.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.accounts import create_user
from peernotes.auth.models import User
from peernotes.auth.roles import MFA_REQUIRED_ROLES, Role
from peernotes.care import service as care
from peernotes.consent import service as consent
from peernotes.db import utcnow
from peernotes.demo import about_me as about_me_demo
from peernotes.demo import carers_support as carers_support_demo
from peernotes.demo import language_oncall as language_oncall_demo
from peernotes.demo import wellbeing as wellbeing_demo
from peernotes.demo import wishes as wishes_demo
from peernotes.demo import workforce as workforce_demo
from peernotes.emergency import service as emergency
from peernotes.mfa import service as mfa
from peernotes.notes import service as notes
from peernotes.records.service import add_statement, read_entry, write_entry
from peernotes.risk import service as risk
from peernotes.supervision import service as supervision
from peernotes.training.models import TrainingModule, TrainingRecord

DEMO_PASSWORD = "peernotes-demo-2026"
DEMO_DOMAIN = "peernotes.example"


def demo_totp_secret(email: str) -> str:
    """The demo's authenticator secret for `email`: fixed and public (derived from the email),
    so `peernotes demo load` can print it and the tests can compute codes. Demo only."""
    digest = hashlib.sha256(b"peernotes-demo-totp:" + email.lower().encode("utf-8")).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def demo_totp_code(email: str) -> str:
    """The code a demo person's authenticator shows now."""
    return pyotp.TOTP(demo_totp_secret(email)).now()


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    role: Role

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("admin", "Priya Raman", Role.ADMIN),
    DemoPerson("auditor", "Graham Okafor", Role.AUDITOR),
    DemoPerson("dr.chen", "Dr Mei Chen", Role.CLINICIAN),
    DemoPerson("dr.walsh", "Dr Fiona Walsh", Role.CLINICIAN),
    DemoPerson("sam", "Sam Rivera", Role.CONSUMER_PEER_WORKER),
    DemoPerson("tui", "Tui Henare", Role.CONSUMER_PEER_WORKER),
    DemoPerson("helen", "Helen Costa", Role.CARER_PEER_WORKER),
    DemoPerson("alex", "Alex Nguyen", Role.CONSUMER),
    DemoPerson("jordan", "Jordan Lee", Role.CONSUMER),
    DemoPerson("maya", "Maya Thompson", Role.CONSUMER),
    DemoPerson("linh", "Linh Nguyen", Role.CARER),
    DemoPerson("robert", "Robert Thompson", Role.CARER),
)

# (worker, subject): who supports whom.
ASSIGNMENTS: tuple[tuple[str, str], ...] = (
    ("dr.chen", "alex"),
    ("dr.chen", "jordan"),
    ("dr.walsh", "maya"),
    ("sam", "alex"),
    ("sam", "jordan"),
    ("tui", "maya"),
    ("helen", "linh"),
    ("helen", "robert"),
)

# (consumer, carer, relationship)
NOMINATIONS: tuple[tuple[str, str, str], ...] = (
    ("alex", "linh", "mum"),
    ("maya", "robert", "dad"),
)


# (consumer, category, title, body): a few entries Dr Chen wrote.
RECORD_ENTRIES: tuple[tuple[str, str, str, str], ...] = (
    (
        "alex",
        "care_plan",
        "Care plan, spring",
        "Alex wants to return to part-time study. Weekly DBT skills group; fortnightly "
        "sessions with Sam (peer worker). When distressed, Alex prefers a phone call before "
        "a visit. Crisis plan agreed and copied to Alex.",
    ),
    (
        "alex",
        "medication",
        "Medication review",
        "No changes. Alex reports sleeping better. Review again in three months.",
    ),
    (
        "jordan",
        "clinical_note",
        "First appointment",
        "Jordan came with their mum. Talked about what has helped before and what has not. "
        "Jordan would like a peer worker who is also from a migrant family.",
    ),
)


class DemoNotEmpty(RuntimeError):
    """The database already has accounts; the demo only goes into an empty one."""


def is_empty(db: Session) -> bool:
    return not db.scalar(select(func.count()).select_from(User))


def load_demo(db: Session, request_id: str = "demo-load") -> list[DemoPerson]:
    """Create the demo service. Flushes; the caller commits.

    Raises:
        DemoNotEmpty: there are accounts already.
    """
    if not is_empty(db):
        raise DemoNotEmpty("the database already has accounts; the demo was not loaded")
    loader: By[Role] = By(None, None, request_id)
    users = {
        p.key: create_user(
            db, email=p.email, display_name=p.name, role=p.role, password=DEMO_PASSWORD, by=loader
        )
        for p in PEOPLE
    }
    # Staff whose role needs two-step sign-in use the demo's printed secrets, so the demo
    # signs in straight away (anyone else can turn it on in their account settings).
    for p in PEOPLE:
        if p.role in MFA_REQUIRED_ROLES:
            mfa.enrol_with_secret(db, loader, users[p.key], demo_totp_secret(p.email))
    # From here on the demo acts as its coordinator would, so the log reads naturally.
    coordinator = By(users["admin"].id, Role.ADMIN, request_id)
    team = care.create_team(
        db,
        "Borderline Support Team",
        "Community team for people living with BPD and the people who care for them.",
        by=coordinator,
    )
    for person in PEOPLE:
        if person.role in (Role.CLINICIAN, Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER):
            care.add_member(db, team, users[person.key], by=coordinator)
    start = (utcnow() - timedelta(days=60)).date()
    for worker, subject in ASSIGNMENTS:
        care.create_assignment(
            db,
            worker=users[worker],
            subject=users[subject],
            starts_on=start,
            ends_on=None,
            team=team,
            by=coordinator,
        )
    for consumer, carer, relationship in NOMINATIONS:
        care.nominate_carer(
            db,
            consumer=users[consumer],
            carer=users[carer],
            relationship_label=relationship,
            by=By(users[consumer].id, Role.CONSUMER, request_id),
        )
    today = utcnow().date()
    for key in ("sam", "tui", "helen"):
        for module in TrainingModule:
            db.add(
                TrainingRecord(
                    user_id=users[key].id,
                    module=module,
                    completed_on=today - timedelta(days=100),
                    expires_on=today + timedelta(days=265),
                    recorded_by_id=users["admin"].id,
                )
            )
    clinician = By(users["dr.chen"].id, Role.CLINICIAN, request_id)
    entries = [
        write_entry(db, clinician, users[subject], category, title, body)
        for subject, category, title, body in RECORD_ENTRIES
    ]
    # Dr Walsh, not in Alex's care, used emergency access and read his care plan: an auditor
    # has it waiting for review, and Alex sees it with her reason.
    walsh = By(users["dr.walsh"].id, Role.CLINICIAN, request_id)
    emergency.start(
        db,
        walsh,
        users["alex"].id,
        "Alex came to the emergency department out of hours; I need his crisis plan.",
        DEMO_PASSWORD,
        code=demo_totp_code(users["dr.walsh"].email),
        minutes=240,
    )
    read_entry(db, walsh, users["alex"].id, entries[0].id)
    # Alex asks for a correction to his medication review, which Dr Chen has yet to answer.
    add_statement(
        db,
        By(users["alex"].id, Role.CONSUMER, request_id),
        users["alex"].id,
        entries[1].id,
        "correction",
        "I said I sleep a bit better on some nights, not that I am sleeping better.",
    )
    _demo_share(db, users, request_id)
    _demo_notes(db, users, request_id)
    _demo_risk(db, users, request_id)
    workforce_demo.seed(db, users, request_id)
    wishes_demo.seed(db, users, request_id)
    language_oncall_demo.seed(db, users, request_id)
    carers_support_demo.seed(db, users, request_id)
    wellbeing_demo.seed(db, users, request_id)
    about_me_demo.seed(db, users, request_id)
    return list(PEOPLE)


def _demo_share(db: Session, users: dict[str, User], request_id: str) -> None:
    """Alex shares his letters with Sam, who helps him keep track of appointments: a share of
    his own that "Privacy and sharing" shows (there are no letters yet, so Sam reads nothing
    more today; the map says what he could)."""
    alex = users["alex"]
    now = utcnow()
    consent.grant(
        db,
        By(alex.id, Role.CONSUMER, request_id),
        alex,
        consent.Grant(
            GranteeKind.PERSON,
            users["sam"].id,
            None,
            None,
            Act.READ,
            frozenset({Category.CORRESPONDENCE}),
            "so Sam can help me keep track of appointment letters",
            now,
            now + timedelta(days=90),
        ),
    )


def _sections(*bodies: str) -> list[notes.Section]:
    return [notes.Section(h, b) for h, b in zip(notes.DEFAULT_SECTIONS, bodies, strict=True)]


def _demo_notes(db: Session, users: dict[str, User], request_id: str) -> None:
    """Notes in every state, so that `make run` shows the whole flow."""
    sam = By(users["sam"].id, Role.CONSUMER_PEER_WORKER, request_id)
    tui = By(users["tui"].id, Role.CONSUMER_PEER_WORKER, request_id)
    helen = By(users["helen"].id, Role.CARER_PEER_WORKER, request_id)
    alex = By(users["alex"].id, Role.CONSUMER, request_id)
    maya = By(users["maya"].id, Role.CONSUMER, request_id)
    linh = By(users["linh"].id, Role.CARER, request_id)

    # Shared: Alex approved it, keeping one part between himself and Sam.
    shared = notes.create(
        db,
        sam,
        users["alex"].id,
        _sections(
            "We talked about going back to study part time, and what worried Alex about it.",
            "The DBT skills group on Tuesdays, and walking to the session instead of the bus.",
            "Alex will phone the enrolment office; we meet again in two weeks.",
            "Alex would like the team to know the study plan is his idea and he feels ready.",
        ),
    )
    notes.propose(db, sam, shared.id)
    notes.approve(db, alex, shared.id, ["just_us", "care_team", "care_team", "care_team"], 1)
    notes.add_statement(
        db, alex, shared.id, "own_words", "I want to do this slowly. Please don't push me."
    )
    # Waiting for Alex's review.
    waiting = notes.create(
        db,
        sam,
        users["alex"].id,
        _sections(
            "A hard week: an argument at home.",
            "Texting Sam before things got worse.",
            "Try the crisis plan's first step next time.",
            "",
        ),
    )
    notes.propose(db, sam, waiting.id)
    # Sam's draft, which only Sam can see.
    notes.create(db, sam, users["alex"].id, _sections("Notes from today's call.", "", "", ""))
    # Maya asked for a change.
    changes = notes.create(
        db,
        tui,
        users["maya"].id,
        _sections(
            "First meeting. We talked about what Maya wants from peer support.",
            "",
            "Meet fortnightly at the library.",
            "",
        ),
    )
    notes.propose(db, tui, changes.id)
    notes.request_changes(db, maya, changes.id, "Please say the library café, not the library.")
    # Maya declined one; Tui withdrew another. Both are kept.
    declined = notes.create(
        db, tui, users["maya"].id, _sections("We talked about Maya's family.", "", "", "")
    )
    notes.propose(db, tui, declined.id)
    notes.decline(db, maya, declined.id, "I don't want this written down.")
    withdrawn = notes.create(
        db, tui, users["maya"].id, _sections("Wrong person's note, started by mistake.", "", "", "")
    )
    notes.withdraw(db, tui, withdrawn.id)
    # Reviewed together in person: Tui records it; Maya can confirm or dispute it.
    in_person = notes.create(
        db,
        tui,
        users["maya"].id,
        _sections(
            "Read through together at the library café.",
            "The breathing app Maya found.",
            "Maya will bring her questions for the GP next time.",
            "Maya is happy for the team to see the plan for her GP visit.",
        ),
    )
    notes.propose(db, tui, in_person.id)
    notes.approve_in_person(
        db, tui, in_person.id, ["just_us", "just_us", "care_team", "care_team"], 1
    )
    # Carer support: Helen and Linh.
    carer = notes.create(
        db,
        helen,
        users["linh"].id,
        _sections(
            "Looking after herself while Alex is unwell.",
            "Her sister visiting on Sundays.",
            "Linh will try the carers' group.",
            "",
        ),
    )
    notes.propose(db, helen, carer.id)
    notes.approve(db, linh, carer.id, ["just_us", "just_us", "care_team", "just_us"], 1)


# (peer worker, supervising clinician)
SUPERVISORS: tuple[tuple[str, str], ...] = (
    ("sam", "dr.chen"),
    ("tui", "dr.chen"),
    ("helen", "dr.walsh"),
)


def _demo_risk(db: Session, users: dict[str, User], request_id: str) -> None:
    """Supervisors, and one risk concern: raised by Sam about Alex, co-signed by Dr Chen."""
    coordinator = By(users["admin"].id, Role.ADMIN, request_id)
    for worker, supervisor in SUPERVISORS:
        row = supervision.set_supervisor(db, coordinator, users[worker].id, users[supervisor].id)
        # Supervised since the team began, not since the demo was loaded.
        row.started_at = utcnow() - timedelta(days=60)
    sam = By(users["sam"].id, Role.CONSUMER_PEER_WORKER, request_id)
    concern = risk.raise_concern(
        db,
        sam,
        users["alex"].id,
        observed="On our call Alex said he has not slept for three nights and has been giving"
        " his things away to friends.",
        why_now="Giving things away is one of the early warning signs in Alex's crisis plan,"
        " and he sounded flat and far away, which is not like him.",
        what_done="I stayed on the call, and we went through the first steps of his crisis plan"
        " together. Alex agreed I would tell Dr Chen today, and that she would phone him"
        " tomorrow morning.",
    )
    risk.cosign(db, By(users["dr.chen"].id, Role.CLINICIAN, request_id), concern.id)
