"""`/api/v1/people/<subject_id>/record`: a consumer's medical record, entry by entry.

Each endpoint makes the web page's own calls (`records.service`), so the same consent decision
gives the same answer and writes the same access-log entries. A withheld entry is a 404, as a
missing one; a list holds only what the caller may read and says nothing of the rest.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.api.paging import decode_cursor, encode_cursor
from peernotes.api.schemas.records import (
    AmendBody,
    EntryBody,
    EntryOut,
    EntryPageOut,
    EntrySummaryOut,
    EntryWrittenOut,
    RecordQuery,
    RecordStatementOut,
    StatementCountsOut,
)
from peernotes.api.spec import answers, spec
from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import TokenScope
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.records import service as records
from peernotes.records.models import RecordEntry
from peernotes.records.service import StatementCounts, StatementView

__all__ = ["bp"]

_TAGS = ["record"]


def _consumer(db: Session, subject_id: int) -> User:
    """Records are kept for consumers: anyone else's id answers as no one's (as the pages)."""
    subject = db.get(User, subject_id)
    if subject is None or subject.role is not Role.CONSUMER:
        raise ApiError(404)
    return subject


def _statement(said: StatementView) -> RecordStatementOut:
    return RecordStatementOut(
        id=said.id,
        kind=said.kind.value,
        author_id=said.author_id,
        created_at=said.created_at,
        text=said.text,
        answer=_statement(said.answer) if said.answer is not None else None,
    )


def _written(entry: RecordEntry) -> EntryWrittenOut:
    return EntryWrittenOut(
        id=entry.id,
        subject_id=entry.subject_id,
        category=entry.category.value,
        revision=entry.latest_revision,
        created_at=entry.created_at,
        entered_in_error=entry.entered_in_error,
    )


@bp.get("/people/<int:subject_id>/record")
@api_endpoint(Permission.RECORD_VIEW)
@spec.validate(query=RecordQuery, resp=answers(HTTP_200=EntryPageOut), tags=_TAGS)
def list_entries(actor: Actor, db: Session, subject_id: int, query: RecordQuery) -> EntryPageOut:
    """The entries of a record that you may read.

    Newest first, without their words (read an entry for them); pass `next` as `cursor` for
    older ones. Your own record is at your own id. A record with nothing for you to read or
    write answers 404, as a person who does not exist."""
    before = None
    if query.cursor is not None:
        (position,) = decode_cursor(query.cursor, "id")
        assert isinstance(position, int)
        before = position
    subject = _consumer(db, subject_id)
    shown = records.record_page(db, actor, subject.id, before=before, size=query.limit)
    if shown is None:
        raise ApiError(404)
    page = shown.entries
    none = StatementCounts()
    return EntryPageOut(
        items=[
            EntrySummaryOut(
                id=e.id,
                category=e.category.value,
                category_label=e.category.label,
                created_at=e.created_at,
                author_id=e.author_id,
                revision=e.revision,
                entered_in_error=e.entered_in_error,
                statements=StatementCountsOut(
                    own_words=counts.own_words,
                    corrections=counts.corrections,
                    answered=counts.answered,
                ),
            )
            for e in page.entries
            for counts in [shown.statements.get(e.id, none)]
        ],
        next=encode_cursor(page.older) if page.older is not None else None,
    )


@bp.get("/people/<int:subject_id>/record/<int:entry_id>")
@api_endpoint(Permission.RECORD_VIEW)
@spec.validate(resp=answers(HTTP_200=EntryOut), tags=_TAGS)
def get_entry(actor: Actor, db: Session, subject_id: int, entry_id: int) -> EntryOut:
    """One record entry.

    Its newest revision, with the person's own words and correction requests (each with its
    answer). Logged as a read. An entry you may not read answers 404, exactly as one that
    does not exist."""
    try:
        entry = records.read_entry(db, actor, subject_id, entry_id)
    except records.NotFound:
        raise ApiError(404) from None
    return EntryOut(
        id=entry.id,
        subject_id=entry.subject_id,
        category=entry.category.value,
        category_label=entry.category.label,
        title=entry.title,
        body=entry.body,
        author_id=entry.author_id,
        created_at=entry.created_at,
        revision=entry.revision,
        revised_at=entry.revised_at,
        revised_by_id=entry.revised_by_id,
        revision_kind=entry.kind.value,
        reason=entry.reason,
        entered_in_error=entry.entered_in_error,
        provenance=entry.provenance,
        statements=[_statement(s) for s in entry.statements],
    )


@bp.post("/people/<int:subject_id>/record")
@api_endpoint(Permission.RECORD_WRITE, TokenScope.WRITE)
@spec.validate(json=EntryBody, resp=answers(HTTP_201=EntryWrittenOut), tags=_TAGS)
def write_entry(
    actor: Actor, db: Session, subject_id: int, json: EntryBody
) -> tuple[EntryWrittenOut, int]:
    """Write a new entry in a record.

    For clinicians, in the record of a consumer in their care (or who consented). The author
    and the time are yours and now; a body naming them, or anything else, is refused."""
    subject = _consumer(db, subject_id)
    if not records.may_write_or_logged(db, actor, subject.id):
        raise ApiError(404)  # as the web form: no basis to write here
    entry = records.write_entry(db, actor, subject, json.category, json.title, json.body)
    return _written(entry), 201


@bp.post("/people/<int:subject_id>/record/<int:entry_id>/amend")
@api_endpoint(Permission.RECORD_WRITE, TokenScope.WRITE)
@spec.validate(json=AmendBody, resp=answers(HTTP_200=EntryWrittenOut), tags=_TAGS)
def amend_entry(
    actor: Actor, db: Session, subject_id: int, entry_id: int, json: AmendBody
) -> EntryWrittenOut:
    """Amend a record entry.

    For clinicians who may write in this record: a new revision, with your reason; the
    earlier one is kept. With `entered_in_error` the words stay and the entry is marked. An
    entry you may not amend answers 404."""
    try:
        entry = records.amend_entry(
            db,
            actor,
            subject_id,
            entry_id,
            json.title,
            json.body,
            json.reason,
            entered_in_error=json.entered_in_error,
        )
    except records.NotFound:
        raise ApiError(404) from None
    return _written(entry)
