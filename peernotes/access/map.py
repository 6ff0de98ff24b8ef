"""Who can see what about a person, now: one computed picture, built on `decide()` alone.

For a subject at a moment, `access_map` finds every person who might hold a basis (care
assignment, a person, role or team named by a provision of the subject's consent in force,
emergency access), asks `decide()` for each kind of information with the facts of that pair,
and keeps what it permits, with the basis. Nothing here is a rule of its own: a candidate whom
`decide()` refuses everything does not appear, and no one outside the candidates can hold a
basis (a property test holds both). Screens that tell a person who can see their information
render this map, never hand-written sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.decision import (
    PEER_WORKERS,
    Act,
    Category,
    Decision,
    Facts,
    GranteeKind,
    Provision,
    Reason,
    Request,
    decide,
)
from peernotes.access.objects import (
    WISHES_CARE_TEAM,
    WISHES_HELPER,
    AgreementFacts,
    ConcernFacts,
    NoteFacts,
    Relation,
    SkillsFacts,
    WishesFacts,
    decide_agreement,
    decide_concern,
    decide_handover,
    decide_note,
    decide_skills,
    decide_wishes,
)
from peernotes.access.queries import (
    current_provisions,
    facts_for,
    team_members,
    training_current,
)
from peernotes.access.relationships import handover_facts, supervisor_of
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, ROLE_PERMISSIONS, Permission, Role
from peernotes.care.models import CareAssignment, Team
from peernotes.crypto.texts import open_text
from peernotes.emergency.models import EmergencyAccess
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note
from peernotes.records.models import RecordEntry
from peernotes.risk.models import RiskConcern
from peernotes.wishes.models import Wish
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.choosing.models import HandoverSummary, WorkerRequest

#: The kinds of information the map has a column for, in the order a person reads them.
KINDS: tuple[Category, ...] = tuple(Category)


class ObjectKind(StrEnum):
    """Things about a person with rules of their own (`access.objects`), beside the record."""

    #: Notes and record entries someone wrote with or about the person: their author reads them
    #: (rule 2 of `decide()`, `decide_note`), whatever else is shared.
    WHAT_THEY_WROTE = "what_they_wrote"
    HANDOVERS = "handovers"
    RISK_CONCERNS = "risk_concerns"
    SUPPORT_AGREEMENTS = "support_agreements"
    #: The skills and resources the person keeps with the peer workers who support them now
    #: (`decide_skills`); others read them only by consent (the `skills` column).
    SKILLS_KEPT = "skills_kept"
    #: The person's wishes for an admission or a discharge (`decide_wishes`): the peer worker
    #: they wrote them with, and once sent, their care team. No consent opens them.
    WISHES = "wishes"

    @property
    def label(self) -> str:
        return {
            "what_they_wrote": "notes and entries they wrote",
            "handovers": "handovers between your peer workers",
            "risk_concerns": "concerns raised about you",
            "support_agreements": "support agreements",
            "skills_kept": "skills and resources you keep together",
            "wishes": "your wishes for an admission or a discharge",
        }[self.value]


def log_reader_roles() -> list[Role]:
    """Roles that read everyone's access-log entries, the subject's included: those holding
    the permission to review the log (auditors). They never read content (rule 3 of
    `decide()`), so theirs is a row of its own, for one column."""
    return [role for role, held in ROLE_PERMISSIONS.items() if Permission.AUDIT_REVIEW in held]


@dataclass(frozen=True)
class Row:
    """One person with some access, and on what basis, per kind of information."""

    person_id: int
    #: kind → the permit `decide()` gave (only kinds they may read appear).
    reads: dict[Category, Decision]
    #: object kind → each of the subject's objects they read, and the permit (the preview
    #: lists these, so it shows exactly what the map says).
    items: dict[ObjectKind, dict[Item, Decision]] = field(default_factory=dict)

    @property
    def objects(self) -> dict[ObjectKind, Decision]:
        """object kind → the first permit its decider gave for one of the subject's objects."""
        return {kind: next(iter(found.values())) for kind, found in self.items.items()}


#: One object: (its type as the access log names it, its id).
Item = tuple[str, int]


def _care_team(db: Session, subject_id: int, at: datetime) -> set[int]:
    """Everyone with an active care assignment to the subject at `at`."""
    return set(
        db.scalars(
            select(CareAssignment.worker_id).where(
                CareAssignment.subject_id == subject_id, CareAssignment.active_at(at)
            )
        )
    )


def _candidates(
    db: Session,
    subject_id: int,
    at: datetime,
    care_team: set[int],
    provisions: tuple[Provision, ...],
) -> set[int]:
    """Everyone who could hold a basis to read about `subject_id` at `at` (a superset)."""
    ids = set(care_team)
    ids |= {p.person_id for p in provisions if p.kind is GranteeKind.PERSON and p.person_id}
    ids |= team_members(db, {p.team_id for p in provisions if p.team_id is not None}, at)
    # A role grant names someone only within the care team: assigned people, above.
    ids.update(
        db.scalars(
            select(EmergencyAccess.clinician_id).where(
                EmergencyAccess.subject_id == subject_id,
                EmergencyAccess.starts_at <= at,
                EmergencyAccess.ends_at > at,
            )
        )
    )
    ids.discard(subject_id)
    return ids


def access_map(db: Session, subject_id: int, at: datetime) -> list[Row]:
    """Each person (other than the subject) who may read anything about them at `at`."""
    care_team = _care_team(db, subject_id, at)
    objects = _object_access(db, subject_id, at, care_team)
    # The subject's consent is the same for every person weighed: read once, not per person.
    provisions = current_provisions(db, subject_id, at)
    rows: list[Row] = []
    for person in db.scalars(
        select(User)
        .where(User.id.in_(_candidates(db, subject_id, at, care_team, provisions) | set(objects)))
        .order_by(User.id)
    ):
        facts = facts_for(db, person.id, subject_id, at, provisions)
        reads = {
            kind: decision
            for kind in KINDS
            if (
                decision := decide(
                    Request(person.id, person.role, subject_id, Act.READ, kind, at), facts
                )
            ).permitted
        }
        items = objects.get(person.id, {})
        if reads or items:
            rows.append(Row(person.id, reads, items))
    return rows


def _object_access(
    db: Session, subject_id: int, at: datetime, care_team: set[int]
) -> dict[int, dict[ObjectKind, dict[Item, Decision]]]:
    """Who reads which of the subject's concerns, agreements, wishes, handovers and what they
    wrote, by those objects' own deciders, with the facts each needs (care, supervision,
    training) as of `at`."""
    found: dict[int, dict[ObjectKind, dict[Item, Decision]]] = {}

    def keep(person_id: int, kind: ObjectKind, item: Item, decision: Decision) -> None:
        if decision.permitted and person_id != subject_id:
            found.setdefault(person_id, {}).setdefault(kind, {}).setdefault(item, decision)

    # The map is the subject's picture: a concern whose telling a clinician has delayed does
    # not exist for them yet, so it is not in it (not even as "someone reads concerns").
    concerns = [
        c
        for c in db.scalars(
            select(RiskConcern).where(RiskConcern.subject_id == subject_id).order_by(RiskConcern.id)
        )
        if not c.delayed_at(at)
    ]
    agreements = db.scalars(
        select(SupportAgreement)
        .where(SupportAgreement.subject_id == subject_id)
        .order_by(SupportAgreement.id)
    ).all()
    supervisors = {a.worker_id: supervisor_of(db, a.worker_id) for a in agreements}
    # Each statement as it stood at `at`: written by then, and sent by then or not.
    wishes = db.scalars(
        select(Wish).where(Wish.subject_id == subject_id, Wish.created_at <= at).order_by(Wish.id)
    ).all()
    candidates = (
        care_team
        | {w.helper_id for w in wishes if w.helper_id is not None}
        | {c.raised_by_id for c in concerns}
        | {c.cosigner_id for c in concerns if c.cosigner_id is not None}
        | {a.worker_id for a in agreements}
        | {s for s in supervisors.values() if s is not None}
    ) - {subject_id}
    for person in db.scalars(select(User).where(User.id.in_(candidates)).order_by(User.id)):
        in_care = person.id in care_team
        for concern in concerns:
            decision = decide_concern(
                ConcernFacts(
                    person.id,
                    person.role,
                    subject_id,
                    concern.raised_by_id,
                    concern.cosigner_id,
                    concern.delayed_at(at),
                    person.role is Role.CLINICIAN and in_care,
                )
            )
            keep(person.id, ObjectKind.RISK_CONCERNS, ("risk_concern", concern.id), decision)
        for agreement in agreements:
            supervises = supervisors[agreement.worker_id] == person.id
            decision = decide_agreement(
                AgreementFacts(
                    person.id,
                    person.role,
                    agreement.worker_id,
                    subject_id,
                    person.id == agreement.worker_id and in_care,
                    person.role is Role.CLINICIAN and supervises,
                )
            )
            item = ("support_agreement", agreement.id)
            keep(person.id, ObjectKind.SUPPORT_AGREEMENTS, item, decision)
        # The list the subject keeps with a peer worker who supports them now: theirs to keep
        # together, consent or not (what consent adds is in the `skills` column).
        # Training as the handovers here read it: a peer worker whose training has lapsed
        # keeps no list with them and reads no wishes (`decide_skills`, `decide_wishes`).
        no_share = Decision.deny(Reason.NO_CONSENT)
        worker_in_care = in_care and person.role in PEER_WORKERS
        trained = training_current(db, person.id, at) if worker_in_care or wishes else True
        decision = decide_skills(
            SkillsFacts(person.id, subject_id, worker_in_care, no_share, training_current=trained)
        )
        keep(person.id, ObjectKind.SKILLS_KEPT, ("skills", subject_id), decision)
        # Their wishes, by the very decision the wishes pages ask (`decide_wishes`).
        for wish in wishes:
            decision = decide_wishes(
                WishesFacts(
                    actor_id=person.id,
                    actor_role=person.role,
                    subject_id=subject_id,
                    helper_id=wish.helper_id,
                    sent=wish.sent_at is not None and wish.sent_at <= at,
                    in_care=in_care,
                    training_current=trained,
                )
            )
            keep(person.id, ObjectKind.WISHES, ("wish", wish.id), decision)
    for person_id, item, decision in _handovers(db, subject_id, at):
        keep(person_id, ObjectKind.HANDOVERS, item, decision)
    for person_id, item, decision in _authors(db, subject_id, at):
        keep(person_id, ObjectKind.WHAT_THEY_WROTE, item, decision)
    return found


def _handovers(db: Session, subject_id: int, at: datetime) -> Iterator[tuple[int, Item, Decision]]:
    """Who reads each handover summary about the subject, by `decide_handover`: its author,
    and the new worker while the subject consents, supports them and is trained. The item is
    the worker request it hands over (its page's id)."""
    for summary, request in db.execute(
        select(HandoverSummary, WorkerRequest)
        .join(WorkerRequest, WorkerRequest.id == HandoverSummary.request_id)
        .where(HandoverSummary.subject_id == subject_id)
        .order_by(WorkerRequest.id)
    ):
        for person_id in {summary.author_id, request.worker_id} - {subject_id}:
            trained = training_current(db, person_id, at)
            facts = handover_facts(db, person_id, request, summary.author_id, at, trained)
            decision = decide_handover(facts)
            yield person_id, ("worker_request", request.id), decision


def _authors(db: Session, subject_id: int, at: datetime) -> Iterator[tuple[int, Item, Decision]]:
    """Each note and record entry about the subject, with the permit that authorship gives its
    author (`decide_note` for notes, `decide()` for entries). A draft is its author's alone."""
    for note_id, author_id, draft in db.execute(
        select(Note.id, Note.author_id, Note.state == State.DRAFT)
        .where(Note.subject_id == subject_id)
        .order_by(Note.id)
    ):
        decision = decide_note(NoteFacts(author_id, author_id, subject_id, bool(draft)))
        yield author_id, ("note", note_id), decision
    for entry_id, author_id, role, category in db.execute(
        select(RecordEntry.id, RecordEntry.author_id, User.role, RecordEntry.category)
        .join(User, User.id == RecordEntry.author_id)
        .where(RecordEntry.subject_id == subject_id)
        .order_by(RecordEntry.id)
    ):
        request = Request(author_id, role, subject_id, Act.READ, category, at, author_id)
        decision = decide(request, Facts())
        # The same permit, saying who they are to it (decide() names no relation).
        permit = (
            Decision.permit(decision.basis, Relation.AUTHOR) if decision.permitted else decision
        )
        yield author_id, ("record_entry", entry_id), permit


@dataclass(frozen=True)
class Cell:
    """One kind of information one person reads, with the basis in plain words."""

    words: str
    #: `care_assignment`, `consent` or `emergency`: what kind of basis (for styling, never the
    #: only signal: the words say it too).
    kind: str
    #: When the basis ends, if it does (a consent's end, an emergency access's end).
    until: datetime | None = None
    #: The subject's own provision this rests on, when it is their consent (to change it).
    provision_id: int | None = None
    #: Why, in the words of whoever opened it (an emergency access's reason).
    reason: str = ""


def basis_words(db: Session, subject_id: int, at: datetime) -> Callable[[Decision], Cell]:
    """How the subject reads the basis of a permit: their shares (with whom, until when) and
    the emergency accesses to them (until when, and why) are read once here, for every cell of
    a map."""
    shares = {p.id: p for p in current_provisions(db, subject_id, at)}
    teams = dict(
        db.execute(
            select(Team.id, Team.name).where(
                Team.id.in_({p.team_id for p in shares.values() if p.team_id})
            )
        ).all()
    )
    # Each reason is sealed under the subject's data key (opened here: the map is shown only
    # to the subject, after its page's permit).
    emergencies = {
        grant_id: (
            ends,
            open_text(db, subject_id, EmergencyAccess.__tablename__, "reason", grant_id, sealed)
            or "",
        )
        for grant_id, ends, sealed in db.execute(
            select(
                EmergencyAccess.id, EmergencyAccess.ends_at, EmergencyAccess.reason_sealed
            ).where(EmergencyAccess.subject_id == subject_id)
        )
    }

    def shared_with(provision: Provision) -> str:
        if provision.kind is GranteeKind.TEAM and provision.team_id in teams:
            return f"you shared with everyone in {teams[provision.team_id]}"
        if provision.kind is GranteeKind.ROLE and provision.role is not None:
            return f"you shared with any {ROLE_LABELS[provision.role]} in your care team"
        return "you shared with them"

    def words(decision: Decision) -> Cell:
        basis = decision.basis
        if basis == "care_assignment":
            return Cell("in your care team", "care_assignment")
        if basis.startswith("consent:"):
            provision_id = int(basis.split(":", 1)[1])
            share = shares.get(provision_id)
            if share is None:
                return Cell("you shared this", "consent", None, provision_id)
            return Cell(shared_with(share), "consent", share.valid_until, provision_id)
        if basis.startswith("emergency:"):
            ends, reason = emergencies.get(int(basis.split(":")[1]), (None, ""))
            return Cell("emergency access", "emergency", ends, reason=reason)
        return Cell(basis, "other")

    return words


def reads_of(rows: list[Row]) -> dict[int, dict[Category, Decision]]:
    """person id → what they read, from a map."""
    return {row.person_id: row.reads for row in rows}


def gained(before: list[Row], after: list[Row]) -> dict[int, set[Category]]:
    """Who reads which kinds after a change that they did not read before."""
    old, new = reads_of(before), reads_of(after)
    found = {p: set(kinds) - set(old.get(p, {})) for p, kinds in new.items()}
    return {p: kinds for p, kinds in found.items() if kinds}


_OBJECT_WORDS: dict[str, str] = {
    Relation.AUTHOR: "they wrote them",
    Relation.NEW_WORKER: "your new peer worker: you agreed they read it",
    Relation.RAISER: "they raised it",
    Relation.CARE_TEAM: "duty of care: in your care team",
    Relation.COSIGNER: "duty of care: asked to co-sign",
    Relation.WORKER: "your peer worker",
    Relation.SUPERVISOR: "supervises your peer worker",
}


#: Wishes say why in their own words: the person chose the worker, or sent them to the team.
_WISHES_WORDS: dict[tuple[str, str], str] = {
    (Relation.WORKER, WISHES_HELPER): "your peer worker: you chose to write them together",
    (Relation.CARE_TEAM, WISHES_CARE_TEAM): "in your care team: you sent them",
}


def object_words(decision: Decision, *, one: bool = False) -> Cell:
    """The basis of a permit on a concern, an agreement or wishes, as the subject reads it (of
    `one` object rather than of a column of them)."""
    relation = decision.relation or ""
    if (relation, decision.basis) in _WISHES_WORDS:
        return Cell(_WISHES_WORDS[(relation, decision.basis)], relation)
    if one and relation == Relation.AUTHOR:
        return Cell("they wrote it", relation)
    return Cell(_OBJECT_WORDS.get(relation, decision.basis), relation)
