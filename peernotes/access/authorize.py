"""Load, decide, log: one step for every governed object a person asks for by its id.

`load_and_authorize(db, by, Model, id, action)` (in the spirit of the Flask tutorial's
`get_post(id, check_author)` and Indico's `_check_access`) loads the row, asks the decider its
feature registered for that model, writes the access-log entry of a refusal, and answers a
refusal exactly as it answers a missing id: with the feature's own "not found" exception. So
a withheld object leaks nothing, not even that it exists, and no feature decides for itself.

Features register each governed model once, at import (`@governs(...)`): how to decide (from
the object and the request's `Relationships`), which access-log target names it, whose it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from peernotes.access.decision import Decision
from peernotes.access.objects import ObjectBasis
from peernotes.access.relationships import Relationships, relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role, has_permission

T = TypeVar("T")


@dataclass(frozen=True)
class Governed(Generic[T]):
    """How one model's rows are decided, logged and refused."""

    target_type: str
    #: Who the row is about: the subject of its access-log entries.
    subject_of: Callable[[T], int | None]
    decide: Callable[[Relationships, Acting, T], Decision]
    #: Raised, with the id asked for, for a missing row and for a withheld one alike.
    not_found: Callable[[int], Exception]


_GOVERNED: dict[type[Any], Governed[Any]] = {}


Decide = Callable[[Relationships, Acting, T], Decision]


def _subject_id(row: Any) -> int | None:
    subject: int | None = row.subject_id
    return subject


def governs(
    model: type[T],
    *,
    target_type: str,
    not_found: Callable[[int], Exception],
    subject_of: Callable[[T], int | None] = _subject_id,
) -> Callable[[Decide[T]], Decide[T]]:
    """Register the decorated function as how `model`'s rows are decided (once, when its
    feature's service is imported); `subject_of` names whose row it is (its `subject_id`)."""

    def register(decide: Decide[T]) -> Decide[T]:
        _GOVERNED[model] = Governed(target_type, subject_of, decide, not_found)
        return decide

    return register


def governed_models() -> dict[type[Any], Governed[Any]]:
    return dict(_GOVERNED)


def load_and_authorize(
    db: Session, by: Acting, model: type[T], object_id: int, action: Action
) -> tuple[T, Decision]:
    """The row and the permit for `by` to do `action` on it.

    A refusal is written to the access log (with the row's real subject, never a person
    named only in a URL); a permit is not, because the step that follows writes its own
    entry, allowed, with the permit's basis.

    Raises:
        The model's `not_found` exception: no such row, or this person may not have it.
        KeyError: `model` was never registered (a programming error, never a quiet allow).
    """
    rules: Governed[T] = _GOVERNED[model]
    row = db.get(model, object_id)
    if row is None:
        relationships(db, by).as_for_a_refusal()
        target = Target(rules.target_type, object_id)
        record_event(db, by, action, None, target, Outcome.DENIED, ObjectBasis.NOT_FOUND)
        raise rules.not_found(object_id)
    decision = rules.decide(relationships(db, by), by, row)
    if not decision.permitted:
        logged = Target(rules.target_type, object_id)
        record_event(db, by, action, rules.subject_of(row), logged, Outcome.DENIED, decision.basis)
        raise rules.not_found(object_id)
    return row, decision


class NotInCare(LookupError):
    """The person asked for is not someone this person cares for now (or does not exist)."""


def person_in_care(db: Session, by: Acting, person_id: int, action: Action, kind: Role) -> User:
    """The person, of role `kind`, when `by` has an active care assignment to them.

    A page about someone outside one's care does not exist for one: a real person of that
    kind is refused on the record (`not_in_care`, about them); an id that names no such person
    is not logged (it is about no one).

    Raises:
        NotInCare: either way; views answer it with the same 404 as a missing page.
    """
    person = db.get(User, person_id)
    if person is None or person.role is not kind:
        raise NotInCare(person_id)
    if not relationships(db, by).in_care(person.id):
        record_event(db, by, action, person.id, None, Outcome.DENIED, ObjectBasis.NOT_IN_CARE)
        raise NotInCare(person_id)
    return person


def holds_or_logged(
    db: Session, by: Acting, permission: Permission, action: Action, target: Target | None = None
) -> bool:
    """Whether `by` holds `permission` for a change that is about no person (the service's
    language list, its on-call roster, its settings). When they do not, the refusal goes on the
    access log (`no_permission`) here, so the service only has to raise its own error: the
    route already checked, and this keeps a direct call from a script or a test honest too."""
    if by.id is not None and by.role is not None and has_permission(by.role, permission):
        return True
    record_event(db, by, action, None, target, Outcome.DENIED, Basis.NO_PERMISSION)
    return False
