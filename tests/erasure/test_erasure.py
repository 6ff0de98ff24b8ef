"""Retention and erasure: an erasure request shreds the person's peer-space notes at once (their
key leaves the key vault, so even a database backup taken earlier cannot open them), keeps what
entered the record until the end of retention, tells the person in plain words, and
`peernotes retention run` carries out the rest when it is due, once."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config import KEY_VAULT_DIR_NAME, MASTER_KEY_FILE_NAME
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.backup.service import create_backup, restore_backup
from peernotes.care.models import CareAssignment
from peernotes.consent.preview import Preview
from peernotes.crypto.keyring import Keyring
from peernotes.crypto.keys import unseal
from peernotes.crypto.models import DataKey, SpaceKey
from peernotes.crypto.sealing import KeyDestroyed, unseal_about
from peernotes.crypto.vault import KeyShredded, KeyVault
from peernotes.db import get_database, utcnow
from peernotes.erasure import service
from peernotes.erasure.models import ErasureRequest
from peernotes.notes import service as notes
from peernotes.notes.models import Note, NoteRevision
from peernotes.notes.service.sections import NotesError, Section
from peernotes.records.models import RecordEntry
from tests.conftest import PG_URL, TEST_KEYS, _pg_admin_engine
from tests.helpers import client_as, csrf_token, user_id

PRIVATE = "JUST-US-SHRED-CANARY-41c9"
SHARED = "CARE-TEAM-KEPT-CANARY-8d02"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """This test's own copy of the key vault: erasing must not touch the one the demo
    template's other tests share."""
    target = tmp_path / "vault"
    shutil.copytree(TEST_KEYS / KEY_VAULT_DIR_NAME, target)
    return target


@pytest.fixture
def config_overrides(vault: Path) -> dict[str, object]:
    return {"key_vault_dir": vault}


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


def _by(app: Flask, key: str, role: Role) -> By[Role]:
    return By(user_id(app, key), role, f"t-{key}")


def _write(app: Flask, bodies: list[str], *, approve: list[str] | None) -> int:
    """Sam writes a note with Alex; Alex approves it with these audiences (None: left as a
    proposal, still in the peer space)."""
    sam, alex = _by(app, "sam", Role.CONSUMER_PEER_WORKER), _by(app, "alex", Role.CONSUMER)
    with get_database(app).session() as db:
        note = notes.create(db, sam, alex.id, [Section(f"H{i}", b) for i, b in enumerate(bodies)])
        notes.propose(db, sam, note.id)
        if approve is not None:
            notes.approve(db, alex, note.id, approve, note.current_revision)
        db.commit()
        return note.id


def _plan(app: Flask, key: str = "alex") -> service.Plan:
    with get_database(app).session() as db:
        return service.plan(db, user_id(app, key), utcnow().date(), 7)


def _erase(app: Flask, key: str = "alex", role: Role = Role.CONSUMER) -> ErasureRequest:
    with get_database(app).session() as db:
        made = service.request_erasure(
            db, _by(app, key, role), user_id(app, key), today=date.today(), years=7
        )
        db.commit()
        return made


class Sealed:
    """What the database held of one note's first revision: the sealed words, the note's own
    key as wrapped, and the peer-space key that wrapped it (as any copy of the rows would)."""

    def __init__(self, app: Flask, note_id: int) -> None:
        with get_database(app).session() as db:
            note = db.get_one(Note, note_id)
            revision = db.scalar(select(NoteRevision).where(NoteRevision.note_id == note_id))
            assert revision is not None and note.wrapped_key is not None
            assert note.space_key_id is not None
            space = db.get_one(SpaceKey, note.space_key_id)
            self.note_id, self.subject_id, self.ref = note_id, note.subject_id, space.ref
            self.wrapped_key, self.ciphertext = note.wrapped_key, revision.ciphertext

    def open_raw(self, app: Flask, vault: Path) -> bytes:
        """Straight at the ciphertext, with no service and no database row in between: the
        peer-space key from the vault, the note's key from it, the words from that."""
        from peernotes.crypto.keyring import Keyring

        keyring = Keyring(TEST_KEYS / MASTER_KEY_FILE_NAME)
        space_key = KeyVault(vault).get(keyring, self.ref, self.subject_id)
        key_aad = f"notes:{self.note_id}:key:{self.subject_id}".encode()
        note_key = unseal(space_key, self.wrapped_key, key_aad)
        aad = f"note_revisions:{self.note_id}:1:{self.subject_id}".encode()
        return unseal(note_key, self.ciphertext, aad)


class Backup:
    """A real backup (`peernotes backup create`) taken at one moment, restored
    (`peernotes backup restore`) into a new, empty database: a SQLite file, or a PostgreSQL
    database created for it. What is checked is what any copy would give: `open_note_in`."""

    def __init__(self, app: Flask, tmp: Path) -> None:
        keyring = Keyring(app.config["PEERNOTES"].master_key_file)
        file = tmp / f"backup-{uuid.uuid4().hex[:8]}.pnbackup"
        create_backup(get_database(app), keyring, file, "test-erasure")
        self.name: str | None = None
        if not PG_URL:
            self.url = f"sqlite:///{tmp / f'restored-{uuid.uuid4().hex[:8]}.sqlite3'}"
        else:
            self.name = f"pn_restored_{uuid.uuid4().hex[:12]}"
            admin = _pg_admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            self.url = (
                make_url(PG_URL).set(database=self.name).render_as_string(hide_password=False)
            )
        restore_backup(file, self.url, keyring)

    def open(self, vault: Path, note_id: int) -> list[str]:
        return service.open_note_in(self.url, TEST_KEYS / MASTER_KEY_FILE_NAME, vault, note_id)

    def drop(self) -> None:
        if self.name is not None:
            admin = _pg_admin_engine()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def backup(app: Flask, tmp_path: Path) -> Iterator[list[Backup]]:
    taken: list[Backup] = []
    yield taken
    for copy in taken:
        copy.drop()


def test_shredded_notes_cannot_be_decrypted_even_from_a_backup_taken_earlier(
    app: Flask, vault: Path, tmp_path: Path, backup: list[Backup]
) -> None:
    proposed = _write(app, [PRIVATE + " proposed"], approve=None)
    just_us = _write(app, [PRIVATE + " approved, just us"], approve=["just_us"])
    shared = _write(app, [PRIVATE + " kept", SHARED], approve=["just_us", "care_team"])
    before = len(list(vault.iterdir()))
    sealed = {n: Sealed(app, n) for n in (proposed, just_us)}
    earlier = Backup(app, tmp_path)
    backup.append(earlier)
    assert earlier.open(vault, proposed) == [PRIVATE + " proposed"]
    expected = f'[{{"heading":"H0","body":"{PRIVATE} approved, just us"}}]'.encode()
    assert sealed[just_us].open_raw(app, vault) == expected

    waiting = _plan(app).shred_now  # these two, and the demo's own peer-space notes
    assert waiting >= 2
    made = _erase(app)
    assert made.notes_shredded == waiting and _plan(app).shred_now == 0

    # The raw ciphertext no longer opens: the key is gone from the vault (and the live
    # database no longer holds the note's wrapped key either).
    for note_id in (proposed, just_us):
        with pytest.raises(KeyShredded):
            sealed[note_id].open_raw(app, vault)
        with pytest.raises(KeyShredded):
            earlier.open(vault, note_id)
        with get_database(app).session() as db:
            assert db.get_one(Note, note_id).wrapped_key is None
    assert len(list(vault.iterdir())) < before
    with get_database(app).session() as db:
        assert (
            db.scalar(
                select(SpaceKey.id).where(
                    SpaceKey.destroyed_at.is_(None), SpaceKey.subject_id == user_id(app, "alex")
                )
            )
            is None
        )
    # What entered the record stays readable, live and in the earlier backup.
    assert earlier.open(vault, shared) == [PRIVATE + " kept", SHARED]
    alex = client_as(app, "alex")
    page = alex.get(f"/notes/{shared}").get_data(as_text=True)
    assert SHARED in page
    chen = client_as(app, "dr.chen")
    assert SHARED in chen.get(f"/notes/{shared}").get_data(as_text=True)
    # The erased notes stay as tombstones, in lists and on their pages.
    tomb = alex.get(f"/notes/{proposed}").get_data(as_text=True)
    assert (
        "Erased at the person&#39;s request on" in tomb
        or "Erased at the person's request on" in tomb
    )
    assert PRIVATE not in tomb
    assert PRIVATE + " proposed" not in alex.get("/notes").get_data(as_text=True)
    sam = client_as(app, "sam")
    assert PRIVATE not in sam.get(f"/notes/{just_us}").get_data(as_text=True)


def test_a_note_shared_with_the_care_team_leaves_the_peer_space_in_the_same_transaction(
    app: Flask,
) -> None:
    private = _write(app, [PRIVATE], approve=["just_us"])
    shared = _write(app, [PRIVATE, SHARED], approve=["just_us", "care_team"])
    with get_database(app).session() as db:
        assert db.get_one(Note, private).space_key_id is not None
        moved = db.get_one(Note, shared)
        assert moved.space_key_id is None and moved.wrapped_key is not None
        # Its own key now opens under the person's data key.
        aad = f"notes:{shared}:key:{moved.subject_id}".encode()
        assert len(unseal_about(db, moved.subject_id, moved.wrapped_key, aad)) == 32


def test_nothing_more_can_be_done_with_an_erased_note(app: Flask) -> None:
    note = _write(app, [PRIVATE], approve=None)
    _erase(app)
    alex = _by(app, "alex", Role.CONSUMER)
    with get_database(app).session() as db, pytest.raises(NotesError, match="erased"):
        notes.approve(db, alex, note, ["care_team"], 1)


def test_a_new_note_after_an_erasure_gets_a_new_key_and_can_be_erased_again(
    app: Flask, vault: Path
) -> None:
    _write(app, [PRIVATE], approve=None)
    _erase(app)
    later = _write(app, ["later words"], approve=["just_us"])
    alex = client_as(app, "alex")
    assert "later words" in alex.get(f"/notes/{later}").get_data(as_text=True)
    assert _erase(app).notes_shredded == 1  # only the new one: the rest went the first time
    assert "later words" not in alex.get(f"/notes/{later}").get_data(as_text=True)


# Retention dates ------------------------------------------------------------------------------


def test_the_retention_date_adds_the_years_to_the_last_contact() -> None:
    assert service.add_years(date(2026, 3, 4), 7) == date(2033, 3, 4)
    assert service.add_years(date(2024, 2, 29), 7) == date(2031, 2, 28)
    assert service.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def _end_care(app: Flask, key: str, on: date) -> None:
    with get_database(app).session() as db:
        db.execute(
            update(CareAssignment)
            .where(CareAssignment.subject_id == user_id(app, key))
            .values(ends_on=on)
        )
        db.commit()


def test_last_contact_is_today_while_in_care_and_the_end_of_care_after(app: Flask) -> None:
    alex = user_id(app, "alex")
    today = utcnow().date()
    with get_database(app).session() as db:
        assert service.last_contact(db, alex, today) == today
        assert service.retain_until(db, alex, today, 7) == service.add_years(today, 7)
    _end_care(app, "alex", today - timedelta(days=1))
    later = today + timedelta(days=400)
    with get_database(app).session() as db:
        assert not service.still_in_care(db, alex, later)
        # The demo wrote notes and entries about Alex today: that is the last contact.
        assert service.last_contact(db, alex, later) == today
        assert service.retain_until(db, alex, later, 7) == service.add_years(today, 7)


# The end of retention -------------------------------------------------------------------------


def _run(app: Flask, today: date) -> service.RunReport:
    with get_database(app).session() as db:
        report = service.run(db, By(None, None, "t-run"), today=today, years=7)
        db.commit()
        return report


def _audit_count(app: Flask, action: str) -> int:
    with get_database(app).session() as db:
        return db.scalar(text("SELECT count(*) FROM audit_log WHERE action = :a"), {"a": action})


def test_retention_run_waits_while_in_care_then_destroys_the_data_key_once(app: Flask) -> None:
    shared = _write(app, [PRIVATE, SHARED], approve=["just_us", "care_team"])
    alex_id = user_id(app, "alex")
    with get_database(app).session() as db:
        entry = db.scalar(select(RecordEntry.id).where(RecordEntry.subject_id == alex_id))
    alex = client_as(app, "alex")
    entry_page = f"/people/{alex_id}/record/{entry}"
    assert alex.get(entry_page).status_code == 200
    _erase(app)
    assert alex.get(entry_page).status_code == 200  # the record is kept until retention ends
    today = utcnow().date()
    report = _run(app, today)
    assert report.erased == [] and report.waiting == [
        (user_id(app, "alex"), service.add_years(today, 7))
    ]
    chen = client_as(app, "dr.chen")
    assert SHARED in chen.get(f"/notes/{shared}").get_data(as_text=True)

    _end_care(app, "alex", today)
    assert _run(app, service.add_years(today, 7) - timedelta(days=1)).erased == []
    due = service.add_years(today, 7)
    assert _run(app, due).erased == [user_id(app, "alex")]
    alex = user_id(app, "alex")
    chen, sam = _by(app, "dr.chen", Role.CLINICIAN), _by(app, "sam", Role.CONSUMER_PEER_WORKER)
    with get_database(app).session() as db:
        key = db.scalar(select(DataKey).where(DataKey.subject_id == alex))
        assert key is not None and key.destroyed_at is not None and key.wrapped_key == b""
        with pytest.raises(KeyDestroyed):
            unseal_about(db, alex, b"\0" * 40, b"x")
        tomb = db.get_one(Note, shared)
        assert tomb.erased_at is not None
        # Its author sees the tombstone; anyone else, nothing (never a half-open note).
        assert notes.readable(db, chen, tomb) == notes.Refused("erased")
        seen = notes.readable(db, sam, tomb)
        assert isinstance(seen, notes.Readable)
        assert seen.sections[0].body.startswith("Erased at the person's request on")
        assert db.scalars(select(ErasureRequest.completed_at)).all()[0] is not None
    assert _audit_count(app, "erasure:complete") == 1
    # The record entry can no longer be opened, even by the person (its words are gone).
    assert client_as(app, "alex").get(entry_page).status_code == 404
    # Idempotent: nothing more to do, nothing logged twice.
    again = _run(app, due + timedelta(days=1))
    assert again.erased == [] and again.waiting == [] and again.vault_entries_finished == 0
    assert _audit_count(app, "erasure:complete") == 1


def test_retention_run_finishes_a_removal_that_a_stopped_process_left(
    app: Flask, vault: Path
) -> None:
    note = _write(app, [PRIVATE], approve=None)
    with get_database(app).session() as db:
        row = db.get_one(SpaceKey, db.get_one(Note, note).space_key_id)
        ref = row.ref
        # The erasure's commit happened, the process died before the vault entry went.
        row.destroyed_at = utcnow()
        db.commit()
    assert (vault / f"{ref}.key").exists()
    assert _run(app, utcnow().date()).vault_entries_finished == 1
    assert not (vault / f"{ref}.key").exists()
    assert _run(app, utcnow().date()).vault_entries_finished == 0


def test_the_retention_command_says_what_it_did(app: Flask) -> None:
    _erase(app)
    from peernotes.erasure.cli import retention_group

    result = app.test_cli_runner().invoke(retention_group, ["run"])
    assert result.exit_code == 0, result.output
    assert "0 people erased at the end of retention; 1 requests still waiting" in result.output


# What the person reads, and who may do what ---------------------------------------------------


def test_the_person_is_told_what_will_happen_and_when_before_and_after(app: Flask) -> None:
    _write(app, [PRIVATE], approve=["just_us"])
    _write(app, [PRIVATE, SHARED], approve=["just_us", "care_team"])
    alex = client_as(app, "alex")
    until = service.add_years(utcnow().date(), 7)
    spelled = f"{until.day} {until:%B %Y}"
    count = _plan(app).shred_now
    page = alex.get("/my/erasure").get_data(as_text=True)
    assert (
        f"{count} notes that only you and your peer worker could read will be erased straight "
        "away. Nobody can read them again, not even from a backup."
    ) in page
    assert "not even from a backup" in page
    assert "kept by law for 7 years after your last contact" in page
    assert f"They will be kept until {spelled}, and erased then." in page
    assert "You are still in care with us, so this date moves later" in page
    # Not ticking the box changes nothing.
    token = csrf_token(page)
    refused = alex.post("/my/erasure", data={"csrf_token": token})
    assert refused.status_code == 200
    assert "Tick the box" in refused.get_data(as_text=True)
    with get_database(app).session() as db:
        assert db.scalar(select(ErasureRequest.id)) is None
    done = alex.post("/my/erasure", data={"csrf_token": token, "understood": "y"})
    assert done.status_code == 302
    after = alex.get(done.headers["Location"]).get_data(as_text=True)
    assert (
        f"{count} notes that only you and your peer worker could read were erased just now" in after
    )
    assert f"They are kept until {spelled}, and erased then." in after
    assert _audit_count(app, "erasure:request") == 1


def test_only_the_person_asks_and_staff_see_pending_requests_without_content(app: Flask) -> None:
    for key in ("sam", "dr.chen", "admin", "auditor", "helen"):
        assert client_as(app, key).get("/my/erasure").status_code == 403, key
    assert client_as(app, "linh").get("/my/erasure").status_code == 200  # a carer, for herself
    _write(app, [PRIVATE], approve=None)
    _erase(app)
    for key in ("alex", "sam", "dr.chen", "linh"):
        assert client_as(app, key).get("/erasure-requests").status_code == 403, key
    for key in ("admin", "auditor"):
        page = client_as(app, key).get("/erasure-requests").get_data(as_text=True)
        assert "Alex Nguyen" in page and PRIVATE not in page
    assert _audit_count(app, "erasure:list") == 2


def test_a_database_restored_from_before_an_erasure_shows_the_note_as_unreadable_not_an_error(
    app: Flask, vault: Path
) -> None:
    note = _write(app, [PRIVATE], approve=None)
    with get_database(app).session() as db:
        ref = db.get_one(SpaceKey, db.get_one(Note, note).space_key_id).ref
    # As after restoring a backup taken before the erasure: the rows name a key the vault no
    # longer holds.
    KeyVault(vault).destroy(ref)
    page = client_as(app, "alex").get(f"/notes/{note}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "its key is not in the key vault" in text and PRIVATE not in text


def _personal(app: Flask, key: str) -> tuple[int, int, int, int]:
    """This person's "about me" versions holding words, skills-item versions holding words,
    skills items in all, and items put aside."""
    person = user_id(app, key)
    with get_database(app).session() as db:
        row = db.execute(
            text(
                "SELECT (SELECT count(*) FROM about_me_versions"
                "        WHERE subject_id = :p AND body_sealed IS NOT NULL),"
                " (SELECT count(*) FROM skill_item_versions v JOIN skill_items i"
                "        ON i.id = v.item_id WHERE i.subject_id = :p AND v.body_sealed IS NOT NULL),"
                " (SELECT count(*) FROM skill_items WHERE subject_id = :p),"
                " (SELECT count(*) FROM skill_items WHERE subject_id = :p"
                "        AND retired_at IS NOT NULL)"
            ),
            {"p": person},
        ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def test_about_me_and_skills_are_emptied_at_once_and_nobody_reads_them_after(app: Flask) -> None:
    """Alex's "about me" (shared with Sam by consent) and the skills list he keeps with Sam are
    not clinical record: his request empties them at once, rows kept, items put aside. Sam's
    caseload no longer shows them; Alex's own page shows nothing written; the page says so
    before and after; Jordan's are untouched. A new "about me" can be written and emptied again."""
    from peernotes.aboutme import service as aboutme
    from peernotes.skills import service as skills

    about, item_versions, items, _ = _personal(app, "alex")
    assert about >= 1 and item_versions >= 1 and items >= 1, "the demo's Alex has both"
    jordan_before = _personal(app, "jordan")
    sam = _by(app, "sam", Role.CONSUMER_PEER_WORKER)
    alex = _by(app, "alex", Role.CONSUMER)
    alex_id = alex.id
    with get_database(app).session() as db:
        assert alex_id in aboutme.shared_with_me(db, sam, [alex_id])
        assert skills.read_list(db, sam, alex_id).items
        # His preview of what Sam sees says so.
        assert _previewed(db, alex, sam.id).of("about_me")
    planned = _plan(app)
    assert planned.personal_now == 1 + items
    page = client_as(app, "alex").get("/my/erasure").get_data(as_text=True)
    assert "your list of skills and resources will be emptied straight away" in page

    made = _erase(app)
    assert made.personal_emptied == planned.personal_now
    assert _personal(app, "alex") == (0, 0, items, items)
    assert _personal(app, "jordan") == jordan_before
    with get_database(app).session() as db:
        assert aboutme.shared_with_me(db, sam, [alex_id]) == {}
        assert skills.read_list(db, sam, alex_id).items == ()
        assert aboutme.own(db, alex) == (None, [])
        # Nor does his preview say Sam sees an "about me" any more.
        assert _previewed(db, alex, sam.id).of("about_me") == []
        item_id = db.scalar(
            text("SELECT min(id) FROM skill_items WHERE subject_id = :p"), {"p": alex_id}
        )
        with pytest.raises(skills.SkillsNotFound):
            skills.read_item(db, alex, item_id)
        db.commit()
    after = client_as(app, "alex").get("/my/erasure").get_data(as_text=True)
    assert "your list of skills and resources were emptied just now" in after
    assert _plan(app).personal_now == 0
    assert "emptied straight away" not in after.split("If you ask again now")[1]

    # Written again, it is his again, and a second request empties it again.
    with get_database(app).session() as db:
        aboutme.save(db, alex, {"helps": "A walk by the sea."})
        db.commit()
    assert _plan(app).personal_now == 1
    assert _erase(app).personal_emptied == 1
    assert _personal(app, "alex")[0] == 0


def _previewed(db: Session, subject: By[Role], person_id: int | None) -> Preview:
    """What the subject's sharing preview says `person_id` sees now."""
    from peernotes.consent.preview import preview

    _, shown = preview(db, subject, person_id)
    assert shown is not None
    return shown
