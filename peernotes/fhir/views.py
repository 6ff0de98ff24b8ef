"""FHIR R4 read endpoints under `/fhir`, answering `application/fhir+json`.

Read only, for apps holding a personal access token (`guard.fhir_read`: the API's own guard).
Each read and search calls the service the web page calls, so the consent decision and the
access-log entry are the page's own; a withheld item answers as a missing one (404), and a
search's entries and `total` hold only what the caller may read.
"""

from __future__ import annotations

import re
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

from flask import Blueprint
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.access.queries import provisions_of_versions
from peernotes.accesslog import own_log, plain
from peernotes.audit import log
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.consent.models import ConsentDirective
from peernotes.db import utcnow
from peernotes.fhir import audit_events, bundle, document_search, documents
from peernotes.fhir.capability import capability_statement
from peernotes.fhir.consents import consent, fhir_time
from peernotes.fhir.guard import answer, fhir_read
from peernotes.fhir.outcome import FhirError
from peernotes.fhir.people import patient
from peernotes.fhir.provenance import note_provenance
from peernotes.notes import service as notes
from peernotes.records import service as records
from peernotes.records.models import RecordEntry
from peernotes.web.routes import public

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

_PATIENT = re.compile(r"(?:Patient/)?([0-9]{1,9})")
_DATE = re.compile(r"(ge|le|eq)?([0-9]{4}-[0-9]{2}-[0-9]{2})")


def _patient_param(found: bundle.Search, name: str) -> int | None:
    raw = found.params.get(name)
    if raw is None:
        return None
    match = _PATIENT.fullmatch(raw)
    if match is None:
        raise FhirError(400, "Name a patient as Patient/<id>.", name)
    return int(match.group(1))


@bp.get("/metadata")
@public
def metadata(_db: Session) -> Response:
    """Public, as FHIR asks: it describes what is served, and opens nothing."""
    try:
        release = version("peernotes")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was not installed
        release = "0"
    statement = capability_statement(release, fhir_time(utcnow())[:10])
    return answer(statement)


# Patient ----------------------------------------------------------------------------------


@bp.get("/Patient/<int:subject_id>")
@fhir_read(Permission.RECORD_VIEW)
def read_patient(actor: Actor, db: Session, subject_id: int) -> Response:
    """A consumer exactly when their record page would open for this person (the page's own
    decision, logged as the page logs it, for oneself too); anyone else only oneself; else as
    if there were no such person."""
    person = db.get(User, subject_id)
    if person is None:
        raise FhirError(404)
    if person.role is Role.CONSUMER:
        # Oneself included: the record page's decision, logged as the page logs it.
        if records.record_page(db, actor, person.id) is None:
            raise FhirError(404)
    elif person.id != actor.id:
        raise FhirError(404)
    return answer(patient(person))


# Consent ----------------------------------------------------------------------------------


def _own_directives(db: Session, actor: Actor) -> list[ConsentDirective]:
    """Every version of the person's own consent, newest first: what their consent page's
    history shows them (nobody else reads a person's consent history)."""
    return list(
        db.scalars(
            select(ConsentDirective)
            .where(ConsentDirective.subject_id == actor.id)
            .order_by(ConsentDirective.version.desc())
        )
    )


@bp.get("/Consent")
@fhir_read(Permission.CONSENT_MANAGE_OWN)
def search_consent(actor: Actor, db: Session) -> Response:
    found = bundle.search({"patient"})
    key = found.after("seq")
    asked = _patient_param(found, "patient")
    versions = _own_directives(db, actor) if asked in (None, actor.id) else []
    newest = versions[0].id if versions else None
    after = [d for d in versions if key is None or d.version < key]
    page = after[: found.count]
    held = provisions_of_versions(db, [d.id for d in page])
    resources = [consent(d, tuple(p for p, _carried in held[d.id]), d.id == newest) for d in page]
    more = (page[-1].version,) if len(after) > found.count else None
    return answer(bundle.searchset(found, resources, len(versions), more))


@bp.get("/Consent/<int:directive_id>")
@fhir_read(Permission.CONSENT_MANAGE_OWN)
def read_consent(actor: Actor, db: Session, directive_id: int) -> Response:
    versions = _own_directives(db, actor)
    directive = next((d for d in versions if d.id == directive_id), None)
    if directive is None:
        raise FhirError(404)  # someone else's, or none: the same answer
    held = provisions_of_versions(db, [directive.id])[directive.id]
    return answer(consent(directive, tuple(p for p, _c in held), directive.id == versions[0].id))


# DocumentReference ------------------------------------------------------------------------


@bp.get("/DocumentReference/record-<int:entry_id>")
@fhir_read(Permission.RECORD_VIEW)
def read_entry_document(actor: Actor, db: Session, entry_id: int) -> Response:
    # The id names the entry alone; the read is scoped to the entry's own subject (0, nobody,
    # for an id that names no entry: logged as the web logs a missing entry).
    subject_id = db.scalar(select(RecordEntry.subject_id).where(RecordEntry.id == entry_id))
    try:
        entry = records.read_entry(db, actor, subject_id or 0, entry_id)
    except records.NotFound:
        raise FhirError(404) from None
    return answer(documents.entry_document(entry))


@bp.get("/DocumentReference/note-<int:note_id>")
@fhir_read(Permission.NOTES_READ)
def read_note_document(actor: Actor, db: Session, note_id: int) -> Response:
    try:
        note = notes.read(db, actor, note_id)
    except notes.NoteNotFound:
        raise FhirError(404) from None
    return answer(documents.note_document(note))


@bp.get("/DocumentReference")
@fhir_read(Permission.RECORD_VIEW)
def search_documents(actor: Actor, db: Session) -> Response:
    """The person's record entries, then their shared notes, that this caller may read."""
    found = bundle.search({"subject"})
    subject_id = _patient_param(found, "subject")
    if subject_id is None:
        raise FhirError(400, "Search one person's record: subject=Patient/<id>.", "subject")
    page = document_search.search(db, actor, subject_id, found)
    return answer(bundle.searchset(found, page.resources, page.total, page.next_key))


# Provenance -------------------------------------------------------------------------------


@bp.get("/Provenance/note-<int:note_id>")
@fhir_read(Permission.NOTES_READ)
def read_note_provenance(actor: Actor, db: Session, note_id: int) -> Response:
    """Read as the note itself is read (the same decision, logged as a read of the note)."""
    try:
        note = notes.read(db, actor, note_id)
    except notes.NoteNotFound:
        raise FhirError(404) from None
    return answer(note_provenance(note))


# AuditEvent -------------------------------------------------------------------------------

_UTC = ZoneInfo("UTC")


def _dates(found: bundle.Search) -> tuple[date | None, date | None]:
    """`date=geYYYY-MM-DD` and/or `date=leYYYY-MM-DD` (or one day, `date=YYYY-MM-DD`), in UTC.
    (A comma joins two: `date=ge2026-12-01,le2026-12-05`.)"""
    raw = found.params.get("date")
    if raw is None:
        return None, None
    since: date | None = None
    until: date | None = None
    for part in raw.split(",")[:2]:
        match = _DATE.fullmatch(part)
        try:
            day = date.fromisoformat(match.group(2)) if match else None
        except ValueError:
            day = None
        # The years the log's own filter form accepts: a day after 9999-12-31 does not exist.
        if day is not None and not 1900 <= day.year <= 2999:
            day = None
        if match is None or day is None:
            raise FhirError(400, "Give a date as geYYYY-MM-DD, leYYYY-MM-DD or YYYY-MM-DD.", "date")
        prefix = match.group(1) or "eq"
        if prefix in ("ge", "eq"):
            since = day
        if prefix in ("le", "eq"):
            until = day
    return since, until


@bp.get("/AuditEvent")
@fhir_read(Permission.SESSION_USE)
def search_audit_events(actor: Actor, db: Session) -> Response:
    """Auditors: the whole log, by patient and date (the log page's filters, logged as that
    page is). A consumer or carer: the entries about them that their own access-log page shows
    (logged as that page is). Anyone else: refused, on record."""
    found = bundle.search({"patient", "date"})
    key = found.after("seq")
    asked = _patient_param(found, "patient")
    since, until = _dates(found)
    seen: own_log.Visible | None = None
    if actor.can(Permission.AUDIT_REVIEW):
        filters = log.Filters(subject_id=asked, date_from=since, date_to=until)
        query = filters.apply(select(AuditEntry), _UTC)
        record_event(
            db,
            actor,
            Action.AUDIT_LIST,
            filters.subject_id,
            None,
            Outcome.ALLOWED,
            acting_basis(actor),
        )
    elif actor.can(Permission.ACCESS_LOG_VIEW_OWN):
        seen = own_log.visible(db, actor.id)
        query = seen.query
        if asked not in (None, actor.id):
            query = query.where(false())  # their own entries are all they may read
        query = log.Filters(date_from=since, date_to=until).apply(query, _UTC)
        record_event(db, actor, Action.AUDIT_VIEW_OWN, actor.id, None, Outcome.ALLOWED, Basis.SELF)
    else:
        route = Target("route", "fhir.search_audit_events")
        record_event(db, actor, Action.ACCESS_DENIED, None, route, Outcome.DENIED, "no_permission")
        raise FhirError(403)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = log.page(db, query, before=key, size=found.count)
    names = display_names(db, {e.actor_id for e in page.entries if e.actor_id is not None})
    said: dict[int, str] = {}
    if seen is not None:  # a person's own history: in its words, keeping what it keeps
        context = own_log.context(db, actor.id, page.entries, seen, _UTC)
        said = {e.seq: plain.describe(e, context).sentence for e in page.entries}
    resources = [audit_events.audit_event(e, names, said.get(e.seq)) for e in page.entries]
    more = (page.older,) if page.older is not None else None
    return answer(bundle.searchset(found, resources, int(total), more))


@bp.get("/AuditEvent/<int:seq>")
@fhir_read(Permission.AUDIT_REVIEW)
def read_audit_event(actor: Actor, db: Session, seq: int) -> Response:
    """One entry, for auditors: logged as the log's entry page logs it."""
    entry = db.get(AuditEntry, seq)
    if entry is None:
        raise FhirError(404)
    record_event(
        db,
        actor,
        Action.AUDIT_VIEW,
        entry.subject_id,
        Target("audit_entry", seq),
        Outcome.ALLOWED,
        acting_basis(actor),
    )
    names = display_names(db, [entry.actor_id] if entry.actor_id is not None else [])
    return answer(audit_events.audit_event(entry, names))
