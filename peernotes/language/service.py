"""Recovery-oriented language for every writer: one check, the packaged list plus the
service's own terms. Flushes, never commits.

`check` (and `suggestions`, its words for a page) is what notes, clinicians' record entries
(written or amended) and peer workers' risk concerns all call, so a coordinator's term reaches
every one of them at once. It is advisory only: nothing here can stop a save (SPEC,
"Co-authored notes"); a writer quoting a person's own words keeps what they wrote.

The service's terms live in the database so a coordinator can add one without a release.
They are checked with exactly the packaged list's rules (`peernotes.notes.language`), and a
form the packaged list or an active service term already has is refused, so one piece of text
never gets two suggestions. A term is never deleted, only retired; adding and retiring are
logged (the log keeps who changed the list, the table keeps what it said).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.authorize import holds_or_logged
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.language.models import ServiceTerm
from peernotes.notes import language
from peernotes.notes.language import Checker, Finding, Term

#: Limits, in characters (the columns' sizes).
MAX_TERM = 80
MAX_SUGGESTION = 300
MAX_WHY = 300

TARGET = "language_term"


class LanguageError(Refused):
    """A term could not be added or retired; nothing was changed."""


# The check ------------------------------------------------------------------------------------


def active_terms(db: Session) -> tuple[Term, ...]:
    """The service's terms in force, oldest first, as the checker's entries."""
    rows = db.scalars(
        select(ServiceTerm).where(ServiceTerm.retired_at.is_(None)).order_by(ServiceTerm.id)
    )
    return tuple(Term(term=r.term, suggestion=r.suggestion, why=r.why) for r in rows)


@lru_cache(maxsize=8)
def _checker_with(extra: tuple[Term, ...]) -> Checker:
    # Compiled once per distinct service list: the list changes rarely and compiling the
    # combined pattern costs far more than the query that tells us which list is in force.
    if not extra:
        return language.default_checker()
    return Checker((*language.default_checker().terms, *extra))


def checker(db: Session) -> Checker:
    """The packaged list with the service's active terms on top."""
    return _checker_with(active_terms(db))


def check(db: Session, text: str) -> list[Finding]:
    """Every term in `text` (packaged or the service's), in text order. Never blocks a save."""
    return checker(db).check(text)


def suggestions(db: Session, parts: Iterable[tuple[str, str]]) -> list[str]:
    """Each finding in `(label, text)` parts as one line for the page, the same words notes,
    record entries and risk concerns show: where, the words around it, and the suggestion."""
    found = checker(db)
    lines = []
    for label, text in parts:
        for finding in found.check(text):
            snippet = finding.context
            lines.append(
                f"In “{label}”: “…{snippet.before}[{snippet.marked}]{snippet.after}…”"
                f" — {finding.suggestion}"
            )
    return lines


# Managing the service's terms ------------------------------------------------------------------


def service_terms(db: Session) -> list[ServiceTerm]:
    """Every term the service added, active ones first, newest first within each."""
    rows = db.scalars(select(ServiceTerm).order_by(ServiceTerm.id.desc()))
    return sorted(rows, key=lambda r: r.retired_at is not None)


def packaged_terms() -> tuple[Term, ...]:
    return language.default_checker().terms


def _one_line(text: str) -> str:
    return " ".join(text.split())


@step
def add_term(db: Session, by: Acting, term: str, suggestion: str, why: str = "") -> ServiceTerm:
    """A coordinator adds a term and its suggestion for their service.

    Raises:
        LanguageError: not a coordinator (logged), an empty or malformed term, a term the
            packaged list or the service's list already has, or text that does not fit.
            Nothing is stored then.
    """
    if not holds_or_logged(db, by, Permission.ADMIN_LANGUAGE, Action.LANGUAGE_TERM_ADD):
        raise LanguageError("Only a coordinator can change the service's language list.")
    cleaned = _one_line(term)
    if not cleaned:
        raise LanguageError("Write the word or phrase to look for.", "term")
    if len(cleaned) > MAX_TERM:
        raise LanguageError(f"Keep the term to {MAX_TERM} characters or fewer.", "term")
    if not language.valid_form(cleaned):
        raise LanguageError(
            "Write the term as words of letters or digits, joined by single spaces, hyphens"
            " or apostrophes (no other punctuation).",
            "term",
        )
    said = _one_line(suggestion)
    if not said:
        raise LanguageError("Say what to write instead.", "suggestion")
    if len(said) > MAX_SUGGESTION:
        raise LanguageError(
            f"Keep the suggestion to {MAX_SUGGESTION} characters or fewer.", "suggestion"
        )
    reason = _one_line(why)
    if len(reason) > MAX_WHY:
        raise LanguageError(f"Keep the reason to {MAX_WHY} characters or fewer.", "why")
    key = language.form_key(cleaned)
    for known in (*packaged_terms(), *active_terms(db)):
        if any(language.form_key(form) == key for form in known.forms):
            raise LanguageError(
                f"“{cleaned}” is already checked (as “{known.term}”).",
                "term",
            )
    assert by.id is not None  # holds_or_logged
    row = ServiceTerm(term=cleaned, suggestion=said, why=reason, added_by_id=by.id)
    db.add(row)
    db.flush()
    record_event(
        db,
        by,
        Action.LANGUAGE_TERM_ADD,
        None,
        Target(TARGET, row.id),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return row


@step
def retire_term(db: Session, by: Acting, term_id: int) -> ServiceTerm:
    """A coordinator retires one of the service's terms: it is kept, and no longer checked.

    Raises:
        LanguageError: not a coordinator (logged), no such term, or retired already.
    """
    target = Target(TARGET, term_id)
    if not holds_or_logged(db, by, Permission.ADMIN_LANGUAGE, Action.LANGUAGE_TERM_RETIRE, target):
        raise LanguageError("Only a coordinator can change the service's language list.")
    row = db.get(ServiceTerm, term_id)
    if row is None:
        raise LanguageError("That term is not on the service's list.")
    if row.retired_at is not None:
        raise LanguageError(f"“{row.term}” is retired already.")
    row.retired_at = utcnow()
    row.retired_by_id = by.id
    db.flush()
    record_event(
        db, by, Action.LANGUAGE_TERM_RETIRE, None, target, Outcome.ALLOWED, acting_basis(by)
    )
    return row
