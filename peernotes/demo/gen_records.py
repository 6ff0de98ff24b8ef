"""Generated medical-record entries (sealed as `peernotes.records.service` seals them) and the
contacts peer workers record, with their access-log entries."""

from __future__ import annotations

import random
from datetime import time, timedelta

from peernotes.access.decision import RECORD_CATEGORIES
from peernotes.audit.events import Action
from peernotes.audit.models import micros_since_epoch
from peernotes.auth.roles import Role
from peernotes.crypto.keys import seal
from peernotes.demo import gen_words as words
from peernotes.demo.bulk import Bulk
from peernotes.demo.gen_log import Pending, pending
from peernotes.demo.gen_notes import SPAN, START_BEFORE
from peernotes.demo.gen_people import World
from peernotes.records.models import RecordEntry, RecordRevision, RevisionKind
from peernotes.records.service import _aad, _payload
from peernotes.workforce.contacts.models import Contact
from peernotes.workforce.contacts.service import CHANNELS

_CHANNELS = tuple(CHANNELS)


def build_records(
    bulk: Bulk, rng: random.Random, world: World, count: int, log: list[Pending]
) -> None:
    """`count` entries by each consumer's clinician, spread over time and consumers; some
    amended, a few entered in error; some read by the consumer."""
    if not world.consumers or count <= 0:
        return
    first_id = bulk.next_id(RecordEntry.__table__)  # type: ignore[arg-type]
    start = world.now - START_BEFORE
    clinician_role = Role.CLINICIAN.value
    consumer_role = Role.CONSUMER.value
    entries: list[tuple[object, ...]] = []
    revisions: list[tuple[object, ...]] = []
    for k in range(count):
        entry_id = first_id + k
        subject = world.consumers[k % len(world.consumers)]
        author = world.clinician_of[subject]
        first = world.first_name[subject]
        category = rng.choice(RECORD_CATEGORIES)
        at = start + SPAN * k / count
        title = rng.choice(words.RECORD_TITLES)
        body = rng.choice(words.RECORD_BODIES).format(name=first)
        key = world.data_keys[subject]
        revisions.append(
            (entry_id, 1, RevisionKind.ORIGINAL.value, author, at,
             seal(key, _payload(title, body, ""), _aad(entry_id, 1, subject)))
        )  # fmt: skip
        request = f"gen-record-{entry_id}"
        target = ("record_entry", entry_id)
        log.append(pending(micros_since_epoch(at), author, clinician_role, Action.RECORD_WRITE,
                           subject, target, "care_assignment", request))  # fmt: skip
        latest, in_error = 1, False
        roll = rng.random()
        if roll < 0.18:
            in_error = roll < 0.03
            later = at + timedelta(days=rng.randrange(1, 30))
            kind = RevisionKind.ENTERED_IN_ERROR if in_error else RevisionKind.AMENDMENT
            reason = "Wrong person's record." if in_error else "Corrected the date."
            new_body = body if in_error else body + " (Amended.)"
            revisions.append(
                (entry_id, 2, kind.value, author, later,
                 seal(key, _payload(title, new_body, reason), _aad(entry_id, 2, subject)))
            )  # fmt: skip
            log.append(pending(micros_since_epoch(later), author, clinician_role,
                               Action.RECORD_AMEND, subject, target, "care_assignment",
                               request))  # fmt: skip
            latest = 2
        if rng.random() < 0.3:
            read_at = micros_since_epoch(at + timedelta(days=rng.randrange(1, 20)))
            log.append(pending(read_at, subject, consumer_role, Action.RECORD_READ, subject,
                               target, "self", request))  # fmt: skip
        entries.append((entry_id, subject, category.value, author, at, latest, in_error))
    bulk.insert(
        RecordEntry.__table__,  # type: ignore[arg-type]
        ("id", "subject_id", "category", "author_id", "created_at", "latest_revision",
         "entered_in_error"),
        entries,
    )  # fmt: skip
    bulk.insert(
        RecordRevision.__table__,  # type: ignore[arg-type]
        ("entry_id", "number", "kind", "author_id", "created_at", "ciphertext"),
        revisions,
    )


def build_contacts(
    bulk: Bulk, rng: random.Random, world: World, count: int, log: list[Pending]
) -> None:
    """`count` contacts by each person's peer worker (consumers and carers alike)."""
    subjects = world.consumers + world.carers
    if not subjects or count <= 0:
        return
    first_id = bulk.next_id(Contact.__table__)  # type: ignore[arg-type]
    start = world.now - START_BEFORE
    rows: list[tuple[object, ...]] = []
    for k in range(count):
        subject = subjects[k % len(subjects)]
        worker = world.worker_of[subject]
        at = start + SPAN * k / count
        rows.append(
            (first_id + k, worker, subject, at.date(), time(9 + rng.randrange(9), 0),
             rng.choice((15, 30, 45, 60, 90)), rng.choice(_CHANNELS), rng.choice(words.PLACES),
             False, [], at)
        )  # fmt: skip
        log.append(pending(micros_since_epoch(at), worker, world.role_of[worker].value,
                           Action.CONTACT_LOG, subject, ("contact", first_id + k),
                           "care_assignment", f"gen-contact-{first_id + k}"))  # fmt: skip
    bulk.insert(
        Contact.__table__,  # type: ignore[arg-type]
        ("id", "worker_id", "subject_id", "occurred_on", "at_time", "minutes", "channel",
         "place", "group", "outside_agreement", "created_at"),
        rows,
    )  # fmt: skip
