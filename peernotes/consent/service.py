"""Changing consent: every change is a new directive version; nothing is overwritten.

The consumer makes the change, or a worker records it with the consumer present ("witnessed
by"). After each change the consumer gets a receipt in plain words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.decision import PERSONAL, Act, Category, Decision, GranteeKind, Provision
from peernotes.access.map import Row, gained, reads_of
from peernotes.access.queries import (
    current_provisions,
    provisions_of_versions,
    team_ids_query,
)
from peernotes.access.relationships import relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, Role
from peernotes.care.models import Team
from peernotes.consent.models import (
    ConsentDirective,
    ConsentProvision,
    ConsentProvisionCategory,
    ConsentProvisionPurpose,
)
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused


class ConsentBasis(StrEnum):
    """Bases and reasons of consent changes, in the access log."""

    NOT_THE_SUBJECT = "not_the_subject"
    NOT_THEIRS_TO_SHARE = "not_theirs_to_share"
    WITNESSED = "witnessed"


MAX_DAYS = 366 * 2

#: What each kind of person shares through their consent: a consumer, every kind of their
#: information; a carer, their own carer-support notes (the peer notes written with them), their
#: "about me" and their skills and resources. What is about the person a carer cares for is
#: that person's to share, never the carer's.
SHAREABLE: dict[Role, frozenset[Category]] = {
    Role.CONSUMER: frozenset(Category),
    Role.CARER: frozenset({Category.PEER_NOTES, *PERSONAL}),
}
#: Whom a carer may share with, beyond their carer peer worker (who wrote the notes with them):
#: a consumer peer worker, a clinician, another carer peer worker, or their teams.
CARER_GRANTEES = frozenset({Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, Role.CARER_PEER_WORKER})


def kind_label(category: Category, subject_role: Role) -> str:
    """A kind of information as its subject calls it: a carer's peer notes are their
    carer-support notes."""
    if subject_role is Role.CARER and category is Category.PEER_NOTES:
        return "carer-support notes"
    return category.label


def kinds_words(categories: Collection[Category], subject_role: Role) -> str:
    return _listing([kind_label(c, subject_role) for c in sorted(categories)])


class ConsentError(Refused):
    """A consent change was refused; the message is safe to show."""


@dataclass(frozen=True)
class Grant:
    """What someone asked for, before it becomes a provision."""

    kind: GranteeKind
    person_id: int | None
    role: Role | None
    team_id: int | None
    act: Act
    categories: frozenset[Category]
    purpose: str
    valid_from: datetime
    valid_until: datetime


def _check_change(db: Session, by: Acting, subject: User, witness: User | None) -> None:
    if subject.role not in SHAREABLE:
        raise ConsentError("Consent is set by consumers and carers for their own information.")
    if by.id == subject.id:
        return
    # Someone else may only record a change with the consumer present, and says so; and only
    # someone in the consumer's care.
    in_care = by.id is not None and relationships(db, by).in_care(subject.id)
    if witness is None or witness.id != by.id or not in_care:
        _refused(db, by, subject, ConsentBasis.NOT_THE_SUBJECT)
        raise ConsentError("You can only change your own consent.")


def _refused(db: Session, by: Acting, subject: User, reason: ConsentBasis) -> None:
    """An attempt to change consent that is refused, on record (on the subject's page)."""
    record_event(db, by, Action.CONSENT_GRANT, subject.id, None, Outcome.DENIED, reason)


def _validate(db: Session, by: Acting, grant: Grant, subject: User) -> None:
    if not grant.categories:
        raise ConsentError("Choose at least one kind of information.", "categories")
    for category in grant.categories:
        if not isinstance(category, Category):
            raise ConsentError("Unknown kind of information.", "categories")
    if not grant.categories <= SHAREABLE[subject.role]:
        # A carer naming a kind of the consumer's record: not theirs to share. On record.
        _refused(db, by, subject, ConsentBasis.NOT_THEIRS_TO_SHARE)
        raise ConsentError(
            "You can share your own carer-support notes, your “about me” and your skills and"
            " resources. What is about the person you care for is theirs to share.",
            "categories",
        )
    if not isinstance(grant.act, Act):
        raise ConsentError("Unknown action.", "act")
    if grant.act is Act.CONTRIBUTE and grant.categories & PERSONAL:
        # Only you write your "about me" and keep your skills list: others may only read them.
        raise ConsentError(
            "Your “about me” and your skills and resources can be shared to read only.",
            "categories",
        )
    if subject.role is Role.CARER:
        _validate_carer_grant(db, grant)
    if grant.valid_until <= grant.valid_from:
        raise ConsentError("The end date must be after the start date.", "valid_until")
    if grant.valid_until - grant.valid_from > timedelta(days=MAX_DAYS):
        raise ConsentError("Consent can last two years at most; you can renew it.", "valid_until")
    if not grant.purpose.strip() or len(grant.purpose) > 200:
        raise ConsentError("Say what it is for (up to 200 characters).", "purpose")
    if grant.kind is GranteeKind.PERSON:
        person = db.get(User, grant.person_id) if grant.person_id else None
        if person is None or not person.active or person.id == subject.id:
            raise ConsentError("Choose someone to share with.", "grantee")
        if person.role in (Role.ADMIN, Role.AUDITOR):
            raise ConsentError("Coordinators and auditors never see notes or records.", "grantee")
    elif grant.kind is GranteeKind.ROLE:
        if grant.role not in (Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, Role.CARER_PEER_WORKER):
            raise ConsentError("Choose a role in your care team.", "grantee")
    elif grant.kind is GranteeKind.TEAM:
        if grant.team_id is None or db.get(Team, grant.team_id) is None:
            raise ConsentError("Choose a team.", "grantee")
    else:
        raise ConsentError("Unknown kind of grantee.", "grantee")


def _validate_carer_grant(db: Session, grant: Grant) -> None:
    """A carer's share: read only, with a worker or a team (never a role, a carer or a
    consumer)."""
    if grant.act is not Act.READ:
        raise ConsentError("Carer-support notes can be shared to read only.", "act")
    if grant.kind is GranteeKind.ROLE:
        raise ConsentError("Choose a person or a team.", "grantee")
    if grant.kind is GranteeKind.PERSON:
        person = db.get(User, grant.person_id) if grant.person_id else None
        if person is None or person.role not in CARER_GRANTEES:
            raise ConsentError("Choose a peer worker, a clinician or a team.", "grantee")


def _names(db: Session, grant: Grant, person: User) -> bool:
    """Would this grant reach `person` (by name, by their role, or through one of their teams)?"""
    if grant.kind is GranteeKind.PERSON:
        return grant.person_id == person.id
    if grant.kind is GranteeKind.ROLE:
        return grant.role == person.role
    return grant.team_id in set(db.scalars(team_ids_query(person.id, utcnow())))


def _new_version(db: Session, by: Acting, subject: User, witness: User | None) -> ConsentDirective:
    version = (
        db.scalar(
            select(func.max(ConsentDirective.version)).where(
                ConsentDirective.subject_id == subject.id
            )
        )
        or 0
    ) + 1
    assert by.id is not None
    directive = ConsentDirective(
        subject_id=subject.id,
        version=version,
        created_by_id=by.id,
        witnessed_by_id=witness.id if witness else None,
    )
    db.add(directive)
    db.flush()
    return directive


def _add_provision(
    db: Session,
    directive: ConsentDirective,
    p: Provision | Grant,
    purpose: str,
    carried_from: int | None,
) -> ConsentProvision:
    kind = p.kind
    row = ConsentProvision(
        directive_id=directive.id,
        grantee_kind=kind,
        person_id=p.person_id,
        role=p.role,
        team_id=p.team_id,
        act=p.act,
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        carried_from_id=carried_from,
    )
    db.add(row)
    db.flush()
    # Sealed once the provision has its id, which it is bound to (a carried purpose is sealed
    # anew for its new provision).
    sealed = seal_text(db, directive.subject_id, PROVISIONS, "purpose", row.id, purpose)
    if sealed is not None:
        db.add(ConsentProvisionPurpose(provision_id=row.id, purpose_sealed=sealed))
    for category in sorted(p.categories):
        db.add(ConsentProvisionCategory(provision_id=row.id, category=category))
    db.flush()
    return row


PROVISIONS = "consent_provisions"


def _purposes(db: Session, subject_id: int, ids: list[int]) -> dict[int, str]:
    """The purposes of `subject_id`'s provisions `ids`, opened to carry them forward into a
    new version (a change the consumer, or a witness with them, is making)."""
    return {
        pid: open_text(db, subject_id, PROVISIONS, "purpose", pid, sealed) or ""
        for pid, sealed in db.execute(
            select(
                ConsentProvisionPurpose.provision_id, ConsentProvisionPurpose.purpose_sealed
            ).where(ConsentProvisionPurpose.provision_id.in_(ids))
        )
    }


@step
def grant(
    db: Session, by: Acting, subject: User, request: Grant, *, witness: User | None = None
) -> ConsentProvision:
    """Add a provision: a new directive version carrying every current one forward.

    Raises:
        ConsentError: not the consumer's own consent, or bad input. Nothing is stored.
    """
    _check_change(db, by, subject, witness)
    _validate(db, by, request, subject)
    if witness is not None and _names(db, request, witness):
        # A worker recording a change must not be the one it benefits: the consumer makes
        # that grant themselves.
        raise ConsentError(
            "You cannot record a permission for yourself; the consumer can give it on their"
            " own consent page.",
            "grantee",
        )
    now = utcnow()
    current = [p for p in current_provisions(db, subject.id, now) if p.valid_until > now]
    purposes = _purposes(db, subject.id, [p.id for p in current])
    directive = _new_version(db, by, subject, witness)
    for provision in current:
        _add_provision(db, directive, provision, purposes.get(provision.id, ""), provision.id)
    new = _add_provision(db, directive, request, request.purpose.strip(), None)
    record_event(
        db,
        by,
        Action.CONSENT_GRANT,
        subject.id,
        Target("consent_provision", new.id),
        Outcome.ALLOWED,
        Basis.SELF if by.id == subject.id else ConsentBasis.WITNESSED,
    )
    return new


def in_force_or_logged(
    db: Session, by: Acting, subject_id: int, provision_id: int
) -> Provision | None:
    """`subject_id`'s provision `provision_id`, while it is in force; otherwise None, and the
    attempt is on record (the caller answers as for a missing one). Someone else's provision,
    one already ended or replaced, and none at all answer alike; the refusal is about the
    provision's real owner, so it shows on their own page, never the asker's."""
    now = utcnow()
    for provision in current_provisions(db, subject_id, now):
        if provision.id == provision_id and provision.valid_until > now:
            return provision
    owner = db.scalar(
        select(ConsentDirective.subject_id)
        .join(ConsentProvision, ConsentProvision.directive_id == ConsentDirective.id)
        .where(ConsentProvision.id == provision_id)
    )
    logged = Target("consent_provision", provision_id)
    record_event(db, by, Action.CONSENT_REVOKE, owner, logged, Outcome.DENIED, Basis.NOT_FOUND)
    return None


@step
def revoke(
    db: Session, by: Acting, subject: User, provision_id: int, *, witness: User | None = None
) -> None:
    """Stop a provision from now on: a new version without it. Takes effect on the next request.

    Raises:
        ConsentError: not theirs to change, or no such current provision.
    """
    revoke_all(db, by, subject, [provision_id], witness=witness)


def revoke_all(
    db: Session,
    by: Acting,
    subject: User,
    provision_ids: Collection[int],
    *,
    witness: User | None = None,
) -> None:
    """Stop several provisions at once: one new version without any of them, and one log
    entry each. (One at a time would not do: each new version gives the provisions it carries
    over new ids, so the second id asked for would no longer be in force.)

    Raises:
        ConsentError: not theirs to change, or one of them is not a current provision; nothing
            changes then.
    """
    _check_change(db, by, subject, witness)
    now = utcnow()
    current = [p for p in current_provisions(db, subject.id, now) if p.valid_until > now]
    stopping = set(provision_ids)
    if not stopping or not stopping <= {p.id for p in current}:
        raise ConsentError("That permission is not in force.")
    purposes = _purposes(db, subject.id, [p.id for p in current])
    directive = _new_version(db, by, subject, witness)
    for provision in current:
        if provision.id not in stopping:
            _add_provision(db, directive, provision, purposes.get(provision.id, ""), provision.id)
    for provision_id in sorted(stopping):
        record_event(
            db,
            by,
            Action.CONSENT_REVOKE,
            subject.id,
            Target("consent_provision", provision_id),
            Outcome.ALLOWED,
            Basis.SELF if by.id == subject.id else ConsentBasis.WITNESSED,
        )


# Receipts --------------------------------------------------------------------------------------


def grantee_words(db: Session, provision: Provision) -> str:
    if provision.kind is GranteeKind.PERSON and provision.person_id is not None:
        person = db.get(User, provision.person_id)
        if person is not None:
            return f"{person.display_name} ({ROLE_LABELS[person.role]})"
    if provision.kind is GranteeKind.ROLE and provision.role is not None:
        return f"any {ROLE_LABELS[provision.role]} in your care team"
    if provision.kind is GranteeKind.TEAM and provision.team_id is not None:
        team = db.get(Team, provision.team_id)
        if team is not None:
            return f"everyone in {team.name}"
    return "someone"


def load_grantees(db: Session, provisions: Iterable[Provision]) -> list[object]:
    """Load every person and team these provisions name, in one query each, and return them:
    while the caller holds the list, `grantee_words` finds each in the session (whose identity
    map holds only what someone still refers to) instead of loading it again, once per
    provision."""
    listed = list(provisions)
    people = {p.person_id for p in listed if p.person_id is not None}
    teams = {p.team_id for p in listed if p.team_id is not None}
    held: list[object] = []
    if people:
        held.extend(db.scalars(select(User).where(User.id.in_(people))))
    if teams:
        held.extend(db.scalars(select(Team).where(Team.id.in_(teams))))
    return held


def _listing(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def receipt(db: Session, provision: Provision, subject_role: Role = Role.CONSUMER) -> str:
    """ "From now on, Sam Rivera (peer worker) can read your medication and care plan until
    1 March. You can change this at any time." """
    what = kinds_words(provision.categories, subject_role)
    verb = "read your" if provision.act is Act.READ else "add to your record under"
    until = provision.valid_until
    return (
        f"From now on, {grantee_words(db, provision)} can {verb} {what} "
        f"until {until.day} {until:%B %Y}. You can change this at any time."
    )


def _why(decision: Decision) -> str:
    if decision.basis == "care_assignment":
        return "they are in your care team"
    if decision.basis.startswith("emergency:"):
        return "they have emergency access"
    return "you already share it with them"


def grant_receipt(
    db: Session,
    provision: Provision,
    before: list[Row],
    after: list[Row],
    subject_role: Role = Role.CONSUMER,
) -> str:
    """The receipt of a grant, from the access map before and after it (not from the form):
    when it lets no one read anything they could not read already, it says so plainly."""
    if provision.act is not Act.READ or gained(before, after):
        return receipt(db, provision, subject_role)
    already = reads_of(before)
    names = {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(already)))}
    covered = [
        f"{names[person]} can already read your "
        f"{kinds_words(provision.categories & set(reads), subject_role)}, because "
        f"{_why(reads[min(provision.categories & set(reads))])}"
        for person, reads in sorted(already.items())
        if provision.categories & set(reads)
    ]
    why = (" " + "; ".join(covered) + ".") if covered else ""
    return (
        f"This changes nothing today: no one can read anything more than before.{why} "
        f"The share is kept, so it still counts if that changes. "
        f"{receipt(db, provision, subject_role)}"
    )


def revoke_receipt(
    db: Session,
    provision: Provision,
    words: str,
    after: list[Row],
    subject_role: Role = Role.CONSUMER,
) -> str:
    """The receipt of a revocation: what stopped, and who still reads those kinds, and why
    (from the access map after the change)."""
    what = kinds_words(provision.categories, subject_role)
    text = f"From now on, {words} can no longer see {what} through this share."
    still = reads_of(after)
    named: set[int] = (
        {provision.person_id}
        if provision.kind is GranteeKind.PERSON and provision.person_id is not None
        else set(still)
    )
    names = {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(still)))}
    for person in sorted(named & set(still)):
        kinds = provision.categories & set(still[person])
        if kinds:
            text += (
                f" {names[person]} can still read your "
                f"{kinds_words(kinds, subject_role)}, because "
                f"{_why(still[person][min(kinds)])}."
            )
    return text + " This can be changed at any time."


# History ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One version of a consumer's consent, in words: what it added and what it ended."""

    version: int
    at: datetime
    by_id: int
    witnessed_by_id: int | None
    added: list[str]
    ended: list[str]


def _ended_words(db: Session, provision: Provision, at: datetime, subject_role: Role) -> str:
    what = kinds_words(provision.categories, subject_role)
    verb = "expired" if provision.valid_until <= at else "was stopped"
    return f"Sharing your {what} with {grantee_words(db, provision)} {verb}."


def expired(db: Session, subject: User, at: datetime) -> list[str]:
    """Shares of the subject's consent in force whose end has come: each ended by itself, and
    the person reads that it did (the next change of their consent leaves them out)."""
    return [
        _ended_words(db, p, at, subject.role)
        for p in current_provisions(db, subject.id, at)
        if p.valid_until <= at
    ]


def history(db: Session, subject_id: int, subject_role: Role = Role.CONSUMER) -> list[Change]:
    """Every version of the consumer's consent, newest first, each with its receipt: the
    receipt they saw at the time stays in their history."""
    directives = db.scalars(
        select(ConsentDirective)
        .where(ConsentDirective.subject_id == subject_id)
        .order_by(ConsentDirective.version)
    ).all()
    # Every version's provisions at once (two queries), not two queries per version.
    versions = provisions_of_versions(db, [d.id for d in directives])
    held = load_grantees(db, (p for rows in versions.values() for p, _carried in rows))
    changes: list[Change] = []
    previous: tuple[Provision, ...] = ()
    for directive in directives:
        rows = versions[directive.id]
        provisions = tuple(p for p, _carried in rows)
        kept = {origin for _p, origin in rows if origin is not None}
        changes.append(
            Change(
                version=directive.version,
                at=directive.created_at,
                by_id=directive.created_by_id,
                witnessed_by_id=directive.witnessed_by_id,
                added=[receipt(db, p, subject_role) for p, carried in rows if carried is None],
                ended=[
                    _ended_words(db, p, directive.created_at, subject_role)
                    for p in previous
                    if p.id not in kept
                ],
            )
        )
        previous = provisions
    del held
    return list(reversed(changes))
