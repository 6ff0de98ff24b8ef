"""Who someone is to one governed object, decided from plain values. Pure: no Flask, no
SQLAlchemy, no clock.

`decision.decide()` answers for the consent-governed categories of a person's information
(the record and peer notes). The objects here have rules of their own, each one a sibling of
`decide()` with the same shape: facts in, a `Decision` out (a permit with its basis and the
person's relation to the object, or a deny with its reason). The facts come from the object
itself (who wrote it, who it is about) and from `relationships` (care, supervision,
facilitation), loaded once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peernotes.access.decision import PEER_WORKERS, Decision, Reason
from peernotes.auth.roles import Role


class Relation(StrEnum):
    """What someone is to an object, when a permit needs to say."""

    AUTHOR = "author"
    SUBJECT = "subject"
    RAISER = "raiser"
    CARE_TEAM = "care_team"
    COSIGNER = "cosigner"
    WORKER = "worker"
    SUPERVISOR = "supervisor"
    FACILITATOR = "facilitator"
    COORDINATOR = "coordinator"
    OWNER = "owner"
    NEW_WORKER = "new_worker"


class ObjectBasis(StrEnum):
    """Bases and reasons of these decisions, as the access log spells them."""

    SELF = "self"
    AUTHOR = "author"
    SUBJECT = "subject"
    PARTY = "party"
    SUPERVISOR = "supervisor"
    FACILITATOR = "facilitator"
    DUTY_OF_CARE = "duty_of_care"
    HANDOVER_CONSENT = "handover_consent"
    NOT_FOUND = "not_found"
    NOT_PARTY = "not_party"
    NOT_AUTHOR_OR_SUBJECT = "not_author_or_subject"
    DRAFT = "draft"
    DELAYED = "delayed"
    NO_DUTY_OF_CARE = "no_duty_of_care"
    NOT_SUPERVISION_PARTY = "not_supervision_party"
    NOT_SUPERVISOR = "not_supervisor"
    NOT_FACILITATOR = "not_facilitator"
    NO_ASSIGNMENT = "no_assignment"
    NOT_IN_CARE = "not_in_care"
    NO_CARE_ASSIGNMENT = "no_care_assignment"


B = ObjectBasis


# Notes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteFacts:
    actor_id: int | None
    author_id: int
    subject_id: int
    draft: bool


def note_relation(actor_id: int | None, author_id: int, subject_id: int) -> Relation | None:
    """Authorship: the note's author, its subject, or neither (None)."""
    if actor_id is not None and actor_id == author_id:
        return Relation.AUTHOR
    if actor_id is not None and actor_id == subject_id:
        return Relation.SUBJECT
    return None


def decide_note(facts: NoteFacts) -> Decision:
    """A note's author and its subject act on it; a draft is the author's alone (to the
    subject it does not exist yet). Others read shared sections through `decide()`."""
    relation = note_relation(facts.actor_id, facts.author_id, facts.subject_id)
    if relation is Relation.AUTHOR:
        return Decision.permit(B.AUTHOR, relation)
    if relation is Relation.SUBJECT:
        if facts.draft:
            return Decision.deny(B.DRAFT)
        return Decision.permit(B.SUBJECT, relation)
    return Decision.deny(B.NOT_AUTHOR_OR_SUBJECT)


def note_revisions_from(relation: Relation | None, first_proposed: int | None) -> int | None:
    """The first of a note's earlier revisions a person may read (a copy of their information
    holds them): its author wrote every one; its subject was shown each from the one first
    proposed to them (the writer's drafts before it are the writer's alone); anyone else reads
    only the approved revision a read gives them, and no earlier one (None)."""
    if relation is Relation.AUTHOR:
        return 1
    if relation is Relation.SUBJECT:
        return first_proposed
    return None


def record_versions_open_to(actor_id: int | None, subject_id: int) -> bool:
    """Every version of a record entry, amendments and all, is the person's own to see (their
    right of access, APP 12); anyone else reads the current version only."""
    return actor_id is not None and actor_id == subject_id


# Risk concerns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernFacts:
    actor_id: int | None
    actor_role: Role | None
    subject_id: int
    raised_by_id: int
    cosigner_id: int | None
    #: A clinician's delay in telling the subject is in force.
    delayed: bool
    #: The actor has an active care assignment to the subject.
    in_care: bool


def decide_concern(facts: ConcernFacts) -> Decision:
    """The worker who raised it; the subject unless telling them is delayed; a clinician in the
    subject's care, and the co-signer (duty of care); nobody else."""
    actor = facts.actor_id
    if actor is not None and actor == facts.raised_by_id:
        return Decision.permit(B.AUTHOR, Relation.RAISER)
    if actor is not None and actor == facts.subject_id:
        if facts.delayed:
            return Decision.deny(B.DELAYED)
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if facts.actor_role is Role.CLINICIAN:
        if facts.in_care:
            return Decision.permit(B.DUTY_OF_CARE, Relation.CARE_TEAM)
        if actor is not None and actor == facts.cosigner_id:
            return Decision.permit(B.DUTY_OF_CARE, Relation.COSIGNER)
    return Decision.deny(B.NO_DUTY_OF_CARE)


# Support agreements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementFacts:
    actor_id: int | None
    actor_role: Role | None
    worker_id: int
    subject_id: int
    #: The actor has an active care assignment to the agreement's subject.
    in_care: bool
    #: The actor is the worker's current supervising clinician.
    supervises_worker: bool


def decide_agreement(facts: AgreementFacts) -> Decision:
    """The worker while they still support the person (after a change of worker the previous
    one's access ends at once), the person, and the worker's current supervisor."""
    actor = facts.actor_id
    if actor is None:
        return Decision.deny(B.NOT_PARTY)
    if actor == facts.worker_id:
        if facts.in_care:
            return Decision.permit(B.PARTY, Relation.WORKER)
        return Decision.deny(B.NOT_PARTY)
    if actor == facts.subject_id:
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if facts.actor_role is Role.CLINICIAN and facts.supervises_worker:
        return Decision.permit(B.SUPERVISOR, Relation.SUPERVISOR)
    return Decision.deny(B.NOT_PARTY)


# Handover summaries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverFacts:
    """Everything the decision needs, as plain values."""

    actor_id: int
    subject_id: int
    author_id: int
    new_worker_id: int
    consent: bool
    new_assignment_active: bool
    #: The reader's training, as the consent gate reads it: the new worker's access is by
    #: consent, and a peer worker's consent-based access needs current training.
    training_current: bool


def decide_handover(facts: HandoverFacts) -> Decision:
    """Who reads a handover summary. The subject always; its author (what they wrote); the new
    worker with the subject's consent while supporting them and while their training is
    current (as for anything shared by consent); nobody else."""
    if facts.actor_id == facts.subject_id:
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if facts.actor_id == facts.author_id:
        return Decision.permit(B.AUTHOR, Relation.AUTHOR)
    if facts.actor_id == facts.new_worker_id:
        if not facts.consent:
            return Decision.deny(Reason.NO_CONSENT)
        if not facts.new_assignment_active:
            return Decision.deny(B.NO_ASSIGNMENT)
        if not facts.training_current:
            return Decision.deny(Reason.TRAINING_LAPSED)
        return Decision.permit(B.HANDOVER_CONSENT, Relation.NEW_WORKER)
    return Decision.deny(Reason.NO_CONSENT)


# Supervision sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionFacts:
    actor_id: int | None
    actor_role: Role | None
    worker_id: int
    #: Who logged the session (its supervisor then).
    supervisor_id: int
    #: The actor is the worker's current supervising clinician.
    supervises_worker: bool


def decide_supervision_session(facts: SupervisionFacts) -> Decision:
    """The worker, the clinician who logged it, and the worker's current supervisor."""
    if facts.actor_id is not None and facts.actor_id == facts.worker_id:
        return Decision.permit(B.SELF, Relation.WORKER)
    if facts.actor_role is Role.CLINICIAN and (
        facts.actor_id == facts.supervisor_id or facts.supervises_worker
    ):
        return Decision.permit(B.SUPERVISOR, Relation.SUPERVISOR)
    return Decision.deny(B.NOT_SUPERVISION_PARTY)


# Group sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSessionFacts:
    actor_role: Role | None
    #: The actor facilitates this session.
    facilitates: bool


def decide_group_session(facts: GroupSessionFacts) -> Decision:
    """A session's attendance: its facilitators and the coordinator (by their role)."""
    if facts.actor_role is Role.ADMIN:
        return Decision.permit(f"role:{facts.actor_role.value}", Relation.COORDINATOR)
    if facts.facilitates:
        return Decision.permit(B.FACILITATOR, Relation.FACILITATOR)
    return Decision.deny(B.NOT_FACILITATOR)


# Requests for a peer worker --------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFacts:
    actor_id: int | None
    subject_id: int


def decide_own_request(facts: RequestFacts) -> Decision:
    """A request for a peer worker is its person's alone; to anyone else it does not exist."""
    if facts.actor_id is not None and facts.actor_id == facts.subject_id:
        return Decision.permit(B.SELF, Relation.OWNER)
    return Decision.deny(B.NOT_FOUND)


# "My wishes" at a transition -------------------------------------------------------------------

#: The basis on which the care team reads a wishes statement: the person wrote it to them. Not a
#: consent provision (the person addresses the statement to their care team by sending it).
WISHES_CARE_TEAM = "care_team"
#: The peer worker the person chose to write it with.
WISHES_HELPER = "wishes_helper"
#: Why a care-team member is refused: the person has not sent it yet.
WISHES_NOT_SENT = "not_sent"
#: Who reads a statement sent to the care team: clinicians and peer workers in the person's care.
WISHES_READERS = frozenset({Role.CLINICIAN, Role.CONSUMER_PEER_WORKER})


@dataclass(frozen=True)
class WishesFacts:
    actor_id: int | None
    actor_role: Role | None
    subject_id: int
    #: The peer worker the person chose to write it with, if any.
    helper_id: int | None
    #: The person has sent a version to their care team.
    sent: bool
    #: The actor has an active care assignment to the person.
    in_care: bool
    #: The actor's training, as the consent gate reads it (`Relationships.training_current`):
    #: a peer worker whose training has lapsed reads none of it. Asked of peer workers only.
    training_current: bool = True


def decide_wishes(facts: WishesFacts) -> Decision:
    """The person, always; the peer worker they chose to write it with, while that worker
    supports them (drafts included); once sent, the care team: clinicians and peer workers
    with an active care assignment to the person. Nobody else: not carers, other clinicians,
    coordinators or auditors, and no consent provision opens it.

    Emergency access does not open it either: break the glass is for the clinical record in a
    crisis, which stays open to it; these are the person's words to the people who care for
    them, and a clinician who needs them is assigned to the person's care first.
    """
    actor = facts.actor_id
    if actor is None:
        return Decision.deny(B.NOT_IN_CARE)
    if actor == facts.subject_id:
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if facts.actor_role not in WISHES_READERS or not facts.in_care:
        return Decision.deny(B.NOT_IN_CARE)
    if facts.actor_role in PEER_WORKERS and not facts.training_current:
        return Decision.deny(Reason.TRAINING_LAPSED)
    if actor == facts.helper_id and facts.actor_role is Role.CONSUMER_PEER_WORKER:
        return Decision.permit(WISHES_HELPER, Relation.WORKER)
    if not facts.sent:
        return Decision.deny(WISHES_NOT_SENT)
    return Decision.permit(WISHES_CARE_TEAM, Relation.CARE_TEAM)


# Carer peer workers on call (issue 17) ---------------------------------------------------------


@dataclass(frozen=True)
class OnCallFacts:
    actor_role: Role | None


#: Who is told which carer peer worker is on call and how to reach them: carers, for whom the
#: roster exists; carer peer workers, whose roster it is; and coordinators, who set it. No one
#: else: a worker's work phone is not for every account in the service.
ON_CALL_READERS = frozenset({Role.CARER, Role.CARER_PEER_WORKER, Role.ADMIN})


def decide_on_call(facts: OnCallFacts) -> Decision:
    """The on-call roster (who, when, how to reach them) by role. It holds nothing about any
    carer or consumer, so no relationship is needed."""
    if facts.actor_role is not None and facts.actor_role in ON_CALL_READERS:
        return Decision.permit(f"role:{facts.actor_role.value}")
    return Decision.deny(B.NOT_PARTY)


# Workplace concerns ----------------------------------------------------------------------------

#: The basis of the reader's permit: the worker chose them.
CHOSEN_READER = "chosen_reader"
#: The reason for everyone else.
NOT_CHOSEN_READER = "not_chosen_reader"


@dataclass(frozen=True)
class WorkplaceConcernFacts:
    actor_id: int | None
    worker_id: int
    #: The one reader the worker chose when they raised it.
    reader_id: int
    #: "supervisor" or "coordinator": what the reader was to the worker when chosen.
    reader_kind: str


def decide_workplace_concern(facts: WorkplaceConcernFacts) -> Decision:
    """The worker who raised it, and the one reader they chose; nobody else. Not a later
    supervisor, not another coordinator, not an auditor, and no role gives it: the worker may
    be raising it about exactly those people. It is the one object a coordinator reads
    content of, and only when chosen. The reader stays the one chosen after supervision
    changes: what the worker told them was told to them."""
    actor = facts.actor_id
    if actor is not None and actor == facts.worker_id:
        return Decision.permit(B.SELF, Relation.RAISER)
    if actor is not None and actor == facts.reader_id:
        relation = (
            Relation.COORDINATOR if facts.reader_kind == "coordinator" else Relation.SUPERVISOR
        )
        return Decision.permit(CHOSEN_READER, relation)
    return Decision.deny(NOT_CHOSEN_READER)


# Skills and resources kept together ------------------------------------------------------------


@dataclass(frozen=True)
class SkillsFacts:
    """A person's skills and resources (the list, or one item of it) and who asks."""

    actor_id: int | None
    subject_id: int
    #: The actor is a peer worker with an active care assignment to the subject: the person
    #: keeps the list with the peer workers who support them now.
    worker_in_care: bool
    #: What `decide()` says of the actor reading the subject's `skills` by consent.
    shared: Decision
    #: The actor's training, as the consent gate reads it (`Relationships.training_current`):
    #: a peer worker in care whose training has lapsed neither reads nor changes the list.
    training_current: bool = True


def decide_skills(facts: SkillsFacts) -> Decision:
    """The person and the peer workers who support them now keep it together, and both may
    change it (relation subject or worker). Anyone else reads it only when the person shares
    their skills and resources (`shared`, the consent decision: read only, no relation); a
    clinician's care assignment or a former worker's past work opens nothing."""
    actor = facts.actor_id
    if actor is not None and actor == facts.subject_id:
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if actor is not None and facts.worker_in_care:
        if not facts.training_current:
            return Decision.deny(Reason.TRAINING_LAPSED)
        return Decision.permit(B.PARTY, Relation.WORKER)
    return facts.shared


# What a permit on the new objects lets its holder do (issue 17 review) -------------------------

#: Who writes a wishes statement, and so sees its drafts and unsent changes: the person and the
#: peer worker they chose (`decide_wishes` relations). The care team reads what was sent only.
WISHES_WRITERS = frozenset({Relation.SUBJECT, Relation.WORKER})


def writes_wishes(decision: Decision) -> bool:
    """Does this permit of `decide_wishes` make its holder a writer of the statement?"""
    return decision.permitted and decision.relation in WISHES_WRITERS


@dataclass(frozen=True)
class WishesListFacts:
    actor_id: int | None
    subject_id: int
    #: The actor has an active care assignment to the person.
    in_care: bool
    #: As `WishesFacts.training_current`: a peer worker whose training has lapsed reads none
    #: of the statements, so the list is not theirs either. Asked of peer workers only.
    training_current: bool = True


#: The basis of the list page for someone in the person's care (as the access log spells it).
WISHES_LIST_IN_CARE = "care_assignment"


def decide_wishes_list(facts: WishesListFacts) -> Decision:
    """The list page of a person's wishes statements: the person, and whoever is in their care
    now (the list then shows only the statements `decide_wishes` lets them read)."""
    if facts.actor_id is not None and facts.actor_id == facts.subject_id:
        return Decision.permit(B.SELF, Relation.SUBJECT)
    if facts.actor_id is not None and facts.in_care:
        if not facts.training_current:
            return Decision.deny(Reason.TRAINING_LAPSED)
        return Decision.permit(WISHES_LIST_IN_CARE, Relation.CARE_TEAM)
    return Decision.deny(B.NOT_IN_CARE)


def acknowledges_concern(decision: Decision) -> bool:
    """Does this permit of `decide_workplace_concern` let its holder acknowledge the concern?
    Only the reader the worker chose does; the worker who raised it replies or closes."""
    return decision.permitted and decision.relation in (Relation.COORDINATOR, Relation.SUPERVISOR)
