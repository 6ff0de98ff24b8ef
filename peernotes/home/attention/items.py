"""One "needs attention" item, and the one question several sources ask of the access log:
when did this person last open each of these things?"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import held_entries


class Kind(StrEnum):
    """What an item is about: tests and the page's markup name items by it."""

    NOTES_TO_REVIEW = "notes-to-review"
    RISK_ABOUT_YOU = "risk-about-you"
    EMERGENCY_ON_YOUR_RECORD = "emergency-on-your-record"
    AGREEMENT_TO_CONFIRM = "agreement-to-confirm"
    ANSWER_TO_YOUR_REQUEST = "answer-to-your-request"
    CHANGES_REQUESTED = "changes-requested"
    DISPUTE = "dispute"
    HANDOVER_TO_WRITE = "handover-to-write"
    TRAINING_LAPSING = "training-lapsing"
    CONTACT_OVERDUE = "contact-overdue"
    RISK_IN_CARE = "risk-in-care"
    COSIGN_ASKED = "cosign-asked"
    EMERGENCY_HELD = "emergency-held"
    SUPERVISION_DUE = "supervision-due"
    WORKER_REQUESTS_WAITING = "worker-requests-waiting"
    ACCOUNT_LOCKED = "account-locked"
    EMERGENCY_TO_REVIEW = "emergency-to-review"
    UNUSUAL_PATTERN = "unusual-pattern"
    WORKPLACE_CONCERN_WAITING = "workplace-concern-waiting"
    WISHES_TO_ANSWER = "wishes-to-answer"


@dataclass(frozen=True)
class Item:
    kind: Kind
    #: What waits, in words: the link's text, unique on the page.
    words: str
    href: str
    #: How many waiting things the item stands for (two notes to review: one item, count 2).
    count: int = 1
    #: A second line: time left, why it matters.
    detail: str = ""
    #: The person the item is about, when it is about one (for `log_shown`).
    subject_id: int | None = None
    #: Drawn as pressing (emergency access, a concern about someone): words say so too.
    urgent: bool = False


def last_opened(
    db: Session, person_id: int, action: Action, target_type: str, ids: Collection[int]
) -> dict[int, int]:
    """When `person_id` last did `action` (allowed) on each of `ids`, in the log's
    microseconds; an id they never opened is absent. One grouped query on the actor index."""
    if not ids:
        return {}
    rows = db.execute(
        select(AuditEntry.target_id, func.max(AuditEntry.occurred_at_us))
        .where(
            AuditEntry.actor_id == person_id,
            AuditEntry.action == action.value,
            AuditEntry.outcome == Outcome.ALLOWED.value,
            AuditEntry.target_type == target_type,
            AuditEntry.target_id.in_([str(i) for i in ids]),
        )
        .group_by(AuditEntry.target_id)
    )
    found = {int(target): int(at) for target, at in rows if target is not None}
    wanted = {str(i) for i in ids}
    for entry in held_entries(db):  # this request's own, appended only at its commit
        if (
            entry.actor_id == person_id
            and entry.action == action.value
            and entry.outcome == Outcome.ALLOWED.value
            and entry.target_type == target_type
            and entry.target_id in wanted
        ):
            key = int(entry.target_id)
            found[key] = max(found.get(key, 0), entry.occurred_at_us)
    return found


def last_did(db: Session, person_id: int, action: Action) -> int | None:
    """When `person_id` last did `action` at all (allowed), in the log's microseconds."""
    at = db.scalar(
        select(func.max(AuditEntry.occurred_at_us)).where(
            AuditEntry.actor_id == person_id,
            AuditEntry.action == action.value,
            AuditEntry.outcome == Outcome.ALLOWED.value,
        )
    )
    times = [int(at)] if at is not None else []
    times += [
        entry.occurred_at_us
        for entry in held_entries(db)  # this request's own, appended only at its commit
        if entry.actor_id == person_id
        and entry.action == action.value
        and entry.outcome == Outcome.ALLOWED.value
    ]
    return max(times) if times else None


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
