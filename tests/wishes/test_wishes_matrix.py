"""The audience matrix of "my wishes" against a real database: every role x every way of
standing to the person x sent or not, read through `wishes.service`.

The ways: an active care assignment; one that has ended; a consent provision naming them for
every kind of information (with current training); a clinician's emergency access running now;
nothing. Only the care team reads a statement, and only once it is sent: consent, emergency
access and an ended assignment open nothing. Rows the services would refuse to create (an
assignment for a role that cannot have one, emergency access for a non-clinician) are built on
purpose: the decision must not lean on those input checks.

Each case reads two statements of Alex's (one sent, one a draft) and checks: a permit returns
the statement with the version the reader may see; a refusal raises `WishNotFound`; exactly one
access-log entry is written per read, with the expected basis or reason; and the record page's
list (`on_record`) shows exactly the statements the reads permit.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.emergency.models import EmergencyAccess
from peernotes.errors import Refused
from peernotes.training.models import TrainingModule, TrainingRecord
from peernotes.wishes import service as wishes
from tests.helpers import user_id

WAYS = ("in_care", "assignment_ended", "consent", "emergency", "nothing")
READERS = (Role.CLINICIAN, Role.CONSUMER_PEER_WORKER)


def expected(role: Role, way: str, sent: bool) -> str | None:
    """The basis of the permit the SPEC asks for, or None for a refusal."""
    if way == "in_care" and role in READERS and sent:
        return "care_team"
    return None


def test_every_role_and_every_way_of_standing_to_the_person(app: Flask) -> None:
    alex_id, admin_id = user_id(app, "alex"), user_id(app, "admin")
    tag = uuid.uuid4().hex[:8]
    failures: list[str] = []
    with app.app_context(), get_database(app).session() as db:
        alex = db.get_one(User, alex_id)
        by_alex = By(alex_id, Role.CONSUMER, "matrix")
        texts = wishes.check_texts("Matrix words to know.", "", "")
        sent = wishes.start(db, by_alex, "admission", None, texts, send=True).id
        draft = wishes.start(db, by_alex, "discharge", None, texts).id
        now = utcnow()
        today = now.date()
        actors: dict[tuple[Role, str], int] = {}
        for role, way in itertools.product(Role, WAYS):
            user = User(
                email=f"{role.value}-{way}-{tag}@matrix.example",
                display_name=f"{role.value} {way}",
                role=role,
                password_hash="x",
            )
            db.add(user)
            db.flush()
            actors[role, way] = user.id
            for module in TrainingModule:
                db.add(
                    TrainingRecord(
                        user_id=user.id,
                        module=module,
                        completed_on=today - timedelta(days=10),
                        expires_on=today + timedelta(days=300),
                        recorded_by_id=admin_id,
                    )
                )
            if way in ("in_care", "assignment_ended"):
                ended = way == "assignment_ended"
                db.add(
                    CareAssignment(
                        worker_id=user.id,
                        subject_id=alex_id,
                        starts_on=today - timedelta(days=30),
                        ends_on=today - timedelta(days=1) if ended else None,
                        ended_at=now - timedelta(days=1) if ended else None,
                        created_by_id=admin_id,
                    )
                )
            elif way == "emergency":
                db.add(
                    EmergencyAccess(
                        clinician_id=user.id,
                        subject_id=alex_id,
                        starts_at=now - timedelta(hours=1),
                        ends_at=now + timedelta(hours=3),
                    )
                )
            elif way == "consent":
                grant = consent.Grant(
                    GranteeKind.PERSON,
                    user.id,
                    None,
                    None,
                    Act.READ,
                    frozenset(Category),
                    "so they know me",
                    now - timedelta(minutes=1),
                    now + timedelta(days=30),
                )
                try:
                    consent.grant(db, by_alex, alex, grant)
                except Refused:
                    pass  # not a grantee the service accepts (coordinators, auditors): no grant
            db.flush()

        def log_count() -> int:
            return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)

        for (role, way), actor_id in actors.items():
            actor = By(actor_id, role, "matrix")
            for wish_id, is_sent in ((sent, True), (draft, False)):
                want = expected(role, way, is_sent)
                before = log_count()
                try:
                    view = wishes.read(db, actor, wish_id)
                    got: str | None = view.relation
                    assert [v.version for v in view.versions] == [1]
                    assert view.versions[0].know == "Matrix words to know."
                except wishes.WishNotFound:
                    got = None
                entry = db.scalars(
                    select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
                ).one()
                case = f"{role.value} {way} {'sent' if is_sent else 'draft'}"
                if got != want:
                    failures.append(f"{case}: read gave {got}, expected {want}")
                if log_count() != before + 1:
                    failures.append(f"{case}: {log_count() - before} log entries, expected 1")
                elif (entry.action, entry.actor_id, entry.subject_id, entry.target_id) != (
                    "wishes:read",
                    actor_id,
                    alex_id,
                    str(wish_id),
                ) or entry.outcome != ("allowed" if want else "denied"):
                    failures.append(f"{case}: logged {entry.action} {entry.outcome}")
                elif want and entry.basis != want:
                    failures.append(f"{case}: basis {entry.basis}, expected {want}")
                elif not want and entry.basis not in ("not_in_care", "not_sent"):
                    failures.append(f"{case}: reason {entry.basis}")
            listed = {w.id for w in wishes.on_record(db, actor, alex_id)}
            readable = {w for w, s in ((sent, True), (draft, False)) if expected(role, way, s)}
            if listed != readable:
                failures.append(f"{role.value} {way}: the record lists {listed}, not {readable}")
        db.rollback()
    assert failures == []
