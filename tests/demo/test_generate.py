"""`peernotes demo generate`: reproducible, complete, sealed for real, chained, and refused
where it must be. Small sizes (20 consumers, 200 notes), on whichever engine the run uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME
from peernotes.access.decision import Category, GranteeKind
from peernotes.audit.models import AuditEntry
from peernotes.audit.verify import verify_database
from peernotes.audit.writer import By
from peernotes.auth.accounts import create_user
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.crypto.keyring import Keyring, read_chain_key
from peernotes.db import get_database, utcnow
from peernotes.demo import generate as generate_module
from peernotes.demo.generate import GenerateRefused, Summary, generate
from peernotes.demo.loader import demo_totp_secret
from peernotes.mfa import service as mfa
from peernotes.notes.lifecycle import State
from peernotes.notes.models import InPersonReview, Note, NoteEvent, NoteRevision, NoteStatement
from peernotes.notes.service.sealing import open_revision_strictly
from peernotes.records.models import RecordEntry
from peernotes.training.models import TrainingRecord
from peernotes.workforce.contacts.models import Contact
from tests.conftest import TEST_KEYS
from tests.helpers import sign_in

CONSUMERS, NOTES, SEED = 20, 200, 7


@dataclass
class Generated:
    app: Flask
    url: str
    summary: Summary


def _generate(make: Any, seed: int = SEED, chunk: int | None = None) -> Generated:
    """Generate into a fresh database; `chunk` notes per batch (several batches exercise the
    chain across batches and the writer thread)."""
    app, url = make()
    with pytest.MonkeyPatch.context() as patch:
        if chunk is not None:
            patch.setattr(generate_module, "CHUNK", chunk)
        return Generated(app, url, generate(get_database(app), CONSUMERS, NOTES, seed))


@pytest.fixture
def generated(fresh: Any) -> Generated:
    return _generate(fresh, chunk=64)


def _session(app: Flask) -> Session:
    return get_database(app).session()


def _snapshot(app: Flask) -> dict[str, Any]:
    """Everything the seed decides, with ids replaced by sign-in names where they are people:
    accounts, caseloads, consent, every note's header and the words of each revision (opened
    with the app's own code), record entries, contacts and what the log says happened."""
    with _session(app) as db:
        email = {i: e for i, e in db.execute(select(User.id, User.email))}
        notes = db.scalars(select(Note).order_by(Note.id)).all()
        words = {}
        for number, note_id in db.execute(
            select(NoteRevision.number, NoteRevision.note_id).order_by(NoteRevision.id)
        ):
            note = db.get_one(Note, note_id)
            sections, _ = open_revision_strictly(db, note, number)
            words[(note_id, number)] = [(s.heading, s.body) for s in sections]
        snapshot = {
            "users": db.execute(
                select(User.email, User.display_name, User.role).order_by(User.id)
            ).all(),
            "assignments": [
                (email[w], email[s], ends)
                for w, s, ends in db.execute(
                    select(
                        CareAssignment.worker_id, CareAssignment.subject_id, CareAssignment.ends_on
                    ).order_by(CareAssignment.id)
                )
            ],
            "provisions": db.execute(
                select(
                    ConsentProvision.directive_id,
                    ConsentProvision.grantee_kind,
                    ConsentProvision.person_id,
                    ConsentProvision.role,
                    ConsentProvision.act,
                ).order_by(ConsentProvision.id)
            ).all(),
            "notes": [
                (
                    email[n.subject_id],
                    email[n.author_id],
                    n.kind,
                    n.state,
                    n.current_revision,
                    n.approved_revision,
                    n.approved_sha256,
                    n.in_person,
                    n.space_key_id is None,
                )
                for n in notes
            ],  # fmt: skip
            "words": words,
            "statements": db.execute(
                select(NoteStatement.note_id, NoteStatement.kind).order_by(NoteStatement.id)
            ).all(),
            "records": db.execute(
                select(RecordEntry.subject_id, RecordEntry.category).order_by(RecordEntry.id)
            ).all(),
            "contacts": db.execute(
                select(Contact.subject_id, Contact.channel, Contact.minutes).order_by(Contact.id)
            ).all(),
            "log": db.execute(
                select(
                    AuditEntry.actor_id,
                    AuditEntry.action,
                    AuditEntry.subject_id,
                    AuditEntry.target_id,
                    AuditEntry.outcome,
                    AuditEntry.basis,
                ).order_by(AuditEntry.seq)
            ).all(),
        }
    return snapshot


def test_the_same_seed_gives_the_same_service_and_another_seed_another(fresh: Any) -> None:
    first = _snapshot(_generate(fresh).app)
    again = _snapshot(_generate(fresh, chunk=64).app)  # in batches: the same all the same
    other = _snapshot(_generate(fresh, seed=SEED + 1).app)
    assert first == again
    assert len(first["notes"]) == NOTES
    for part in ("users", "notes", "words", "log"):
        assert first[part] != other[part], part


def test_every_state_and_every_kind_of_row_is_there(generated: Generated) -> None:
    done = generated.summary
    assert set(done.states) == {s.value for s in State}
    assert sum(done.states.values()) == NOTES
    with _session(generated.app) as db:
        assert set(db.scalars(select(Note.state).distinct())) == set(State)
        assert set(db.scalars(select(Note.in_person).distinct())) == {None, *InPersonReview}
        assert db.scalar(select(NoteEvent.id).where(NoteEvent.ciphertext.is_not(None)).limit(1))
        assert {k.value for k in db.scalars(select(NoteStatement.kind).distinct())} == {
            "own_words",
            "correction",
            "correction_reply",
        }
        # Amended after approval: back with the subject, the approval still standing.
        assert db.scalar(
            select(Note.id).where(Note.state == State.PROPOSED, Note.approved_revision == 1)
        )
        # In the peer space (under a peer-space key) and in the record (under the data key).
        assert {n is None for n in db.scalars(select(Note.space_key_id))} == {True, False}
        roles = {r for r in db.scalars(select(User.role).distinct())}
        assert roles == set(Role)
        assert db.scalar(select(RecordEntry.id).where(RecordEntry.entered_in_error).limit(1))
        assert db.scalar(select(Contact.id).limit(1))
        assert db.scalar(select(CareAssignment.id).where(CareAssignment.ends_on.is_not(None)))
        assert db.scalar(select(TrainingRecord.id).limit(1))
        # Consent varied: second versions, expired grants, grants to clinicians and carers.
        assert db.scalar(select(ConsentDirective.id).where(ConsentDirective.version == 2))
        assert db.scalar(select(ConsentProvision.id).where(ConsentProvision.valid_until < utcnow()))
        assert db.scalar(select(ConsentProvision.id).where(ConsentProvision.role == Role.CLINICIAN))


def _user(db: Session, email: str) -> User:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def test_the_consumer_reads_their_notes_in_the_app(generated: Generated) -> None:
    app = generated.app
    with _session(app) as db:
        consumer = _user(db, generated.summary.consumer_email)
        mine = db.scalars(
            select(Note).where(Note.subject_id == consumer.id, Note.state != State.DRAFT)
        ).all()
        assert len(mine) >= NOTES // (CONSUMERS * 2)
        expected = {}
        for note in mine:
            sections, _ = open_revision_strictly(db, note, note.current_revision)
            expected[note.id] = next(s.body for s in sections if s.body)
    client = app.test_client()
    assert sign_in(client, generated.summary.consumer_email).status_code == 302
    for note_id, body in expected.items():
        page = client.get(f"/notes/{note_id}")
        assert page.status_code == 200, note_id
        assert str(escape(body)) in page.get_data(as_text=True)
    # Their notes, their timeline and their record open too.
    for path in ("/notes", f"/people/{consumer.id}/timeline", f"/people/{consumer.id}/record"):
        assert client.get(path).status_code == 200, path


def test_the_peer_worker_sees_the_consumer_in_their_caseload(generated: Generated) -> None:
    app = generated.app
    with _session(app) as db:
        consumer = _user(db, generated.summary.consumer_email)
        worker = _user(db, generated.summary.worker_email)
        caseload = db.scalars(
            select(CareAssignment.subject_id).where(
                CareAssignment.worker_id == worker.id, CareAssignment.ends_on.is_(None)
            )
        ).all()
        draft = db.scalar(
            select(Note.id).where(Note.author_id == worker.id, Note.state == State.DRAFT)
        )
    assert worker.role is Role.CONSUMER_PEER_WORKER
    assert consumer.id in caseload and len(caseload) == CONSUMERS  # 20 < a full caseload of 25
    client = app.test_client()
    assert sign_in(client, generated.summary.worker_email).status_code == 302
    assert str(escape(consumer.display_name)) in client.get("/").get_data(as_text=True)
    # c00001 consents: w0001 reads what they shared with the care team, and their own drafts.
    assert client.get(f"/people/{consumer.id}/notes").status_code == 200
    assert client.get(f"/people/{consumer.id}/timeline").status_code == 200
    assert draft is not None and client.get(f"/notes/{draft}").status_code == 200


def test_staff_sign_in_with_the_demo_authenticator_secrets(generated: Generated) -> None:
    """Clinicians, the coordinator and the auditor are enrolled with `demo_totp_secret` (sealed
    under their data key), so `peernotes demo code EMAIL` gives a code the app accepts."""
    app = generated.app
    with _session(app) as db:
        staff = db.scalars(
            select(User).where(User.role.in_([Role.CLINICIAN, Role.ADMIN, Role.AUDITOR]))
        ).all()
        assert {u.role for u in staff} == {Role.CLINICIAN, Role.ADMIN, Role.AUDITOR}
        for user in staff:
            enrolment = mfa.current(db, user.id)
            assert enrolment is not None, user.email
            assert mfa.secret_of(db, enrolment) == demo_totp_secret(user.email)
        clinician = next(u for u in staff if u.role is Role.CLINICIAN)
    client = app.test_client()
    response = sign_in(client, clinician.email)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert client.get("/").status_code == 200


def test_a_worker_without_consent_is_refused(generated: Generated) -> None:
    """A consumer who gave their peer worker no grant to read peer notes: that worker, though
    assigned, may not open the notes others may read (and the refusal is logged)."""
    app = generated.app
    with _session(app) as db:
        granted = {
            (s, p)
            for s, p in db.execute(
                select(ConsentDirective.subject_id, ConsentProvision.person_id)
                .join(ConsentProvision, ConsentProvision.directive_id == ConsentDirective.id)
                .join(
                    ConsentProvisionCategory,
                    ConsentProvisionCategory.provision_id == ConsentProvision.id,
                )
                .where(
                    ConsentProvision.grantee_kind == GranteeKind.PERSON,
                    ConsentProvisionCategory.category == Category.PEER_NOTES,
                )
            )
        }
        pairs = db.execute(
            select(CareAssignment.subject_id, CareAssignment.worker_id, User.email)
            .join(User, User.id == CareAssignment.worker_id)
            .where(User.role == Role.CONSUMER_PEER_WORKER, CareAssignment.ends_on.is_(None))
            .order_by(CareAssignment.id)
        ).all()
    refused = [(s, w, e) for s, w, e in pairs if (s, w) not in granted]
    assert refused, "the generator always leaves some consumers without such a grant"
    subject, worker, email = refused[0]
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert client.get(f"/people/{subject}/notes").status_code == 404
    with _session(app) as db:
        last = db.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == worker).order_by(AuditEntry.seq.desc())
        ).first()
    assert last is not None and last.action == "note:list" and last.outcome == "denied"
    assert last.subject_id == subject and last.basis in ("no_consent", "training_lapsed")


def test_the_generated_log_verifies(generated: Generated) -> None:
    key = read_chain_key(generated.url, Keyring(TEST_KEYS / MASTER_KEY_FILE_NAME))
    timed = verify_database(generated.url, key, [])
    assert timed.verdict.ok, timed.verdict.problem
    assert timed.verdict.count == generated.summary.rows["audit_log"] > NOTES


def test_it_refuses_a_database_with_accounts(fresh: Any) -> None:
    app, _url = fresh()
    with _session(app) as db:
        create_user(
            db,
            email="kai@service.example",
            display_name="Kai",
            role=Role.ADMIN,
            password="a long enough password",
            by=By(None, None, "test"),
        )
        db.commit()
        before = db.scalar(select(Note.id).order_by(Note.id.desc()).limit(1))
    with pytest.raises(GenerateRefused, match="already has accounts"):
        generate(get_database(app), CONSUMERS, NOTES, SEED)
    with _session(app) as db:
        assert db.scalar(select(Note.id).order_by(Note.id.desc()).limit(1)) == before
        assert not db.scalar(select(User.id).where(User.email.like("%@gen.peernotes.example")))


def test_from_a_url_with_the_environment_s_keys(
    fresh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmarks' way in: a URL, keys from the environment's configuration."""
    app, url = fresh()
    monkeypatch.setenv("PEERNOTES_ENV", "development")
    monkeypatch.setenv("PEERNOTES_INSTANCE_PATH", str(TEST_KEYS))
    done = generate(url, 5, 20, SEED)
    assert done.rows["notes"] == 20 and done.rows["users"] > 5
    key = read_chain_key(url, Keyring(TEST_KEYS / MASTER_KEY_FILE_NAME))
    assert verify_database(url, key, []).verdict.ok
    with _session(app) as db:
        consumer = _user(db, done.consumer_email)
        note = db.scalars(select(Note).where(Note.subject_id == consumer.id)).first()
        assert note is not None
        assert open_revision_strictly(db, note, 1)[0][0].body


def test_from_a_url_never_in_production(fresh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app, url = fresh()
    monkeypatch.setenv("PEERNOTES_ENV", "production")
    monkeypatch.setenv("PEERNOTES_DATABASE_URL", url)
    monkeypatch.setenv("PEERNOTES_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("PEERNOTES_MASTER_KEY_FILE", str(TEST_KEYS / MASTER_KEY_FILE_NAME))
    monkeypatch.setenv("PEERNOTES_AUDIT_SIGNING_KEY_FILE", str(TEST_KEYS / SIGNING_KEY_FILE_NAME))
    with pytest.raises(GenerateRefused, match="production"):
        generate(url, 5, 20, SEED)
    with _session(app) as db:
        assert db.scalar(select(User.id).limit(1)) is None
