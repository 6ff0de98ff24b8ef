"""Co-authored notes: write, revise, propose, review, share; and read, by who may.

Every step goes through the lifecycle table (`lifecycle.transition`), writes one access-log
entry in the same transaction, and keeps what came before: revisions, audiences, events and
statements are only ever added. Someone other than the author and the subject sees a note only
once the subject approved it, only the sections they gave to the care team, only the exact
revision they approved (its hash is checked on every read), and only when `decide()` permits
them `peer_notes` of that subject.

The service is split along its parts (sections and refusals, sealing, parties, writing,
reading, lists and the first words they show, filing); this package is its one face, so
callers import `notes.service`.
"""

from __future__ import annotations

from peernotes.notes.service.excerpts import (
    first_words as first_words,
)
from peernotes.notes.service.excerpts import (
    words_for as words_for,
)
from peernotes.notes.service.filing import (
    file_section as file_section,
)
from peernotes.notes.service.filing import (
    read_subject_id as read_subject_id,
)
from peernotes.notes.service.filing import (
    reply_to_correction as reply_to_correction,
)
from peernotes.notes.service.history import (
    RevisionView as RevisionView,
)
from peernotes.notes.service.history import (
    revisions as revisions,
)
from peernotes.notes.service.lists import (
    LIST_PAGE as LIST_PAGE,
)
from peernotes.notes.service.lists import (
    RECENT_APPROVALS_DAYS as RECENT_APPROVALS_DAYS,
)
from peernotes.notes.service.lists import (
    SHARED_ON_NOTES_PAGE as SHARED_ON_NOTES_PAGE,
)
from peernotes.notes.service.lists import (
    ListCursor as ListCursor,
)
from peernotes.notes.service.lists import (
    Listing as Listing,
)
from peernotes.notes.service.lists import (
    NotesPage as NotesPage,
)
from peernotes.notes.service.lists import (
    NoteSummary as NoteSummary,
)
from peernotes.notes.service.lists import (
    carers_sharing_with as carers_sharing_with,
)
from peernotes.notes.service.lists import (
    inbox as inbox,
)
from peernotes.notes.service.lists import (
    inbox_count as inbox_count,
)
from peernotes.notes.service.lists import (
    mine as mine,
)
from peernotes.notes.service.lists import (
    notes_page as notes_page,
)
from peernotes.notes.service.lists import (
    recently_approved as recently_approved,
)
from peernotes.notes.service.lists import (
    shared_about as shared_about,
)
from peernotes.notes.service.lists import (
    shared_about_count as shared_about_count,
)
from peernotes.notes.service.parties import (
    party as party,
)
from peernotes.notes.service.parties import (
    put_to_subject as put_to_subject,
)
from peernotes.notes.service.reading import (
    EventView as EventView,
)
from peernotes.notes.service.reading import (
    NoteView as NoteView,
)
from peernotes.notes.service.reading import (
    Readable as Readable,
)
from peernotes.notes.service.reading import (
    Refused as Refused,
)
from peernotes.notes.service.reading import (
    ShownSection as ShownSection,
)
from peernotes.notes.service.reading import (
    Statement as Statement,
)
from peernotes.notes.service.reading import (
    others_may_read as others_may_read,
)
from peernotes.notes.service.reading import (
    peer_notes_decision as peer_notes_decision,
)
from peernotes.notes.service.reading import (
    read as read,
)
from peernotes.notes.service.reading import (
    readable as readable,
)
from peernotes.notes.service.reading import (
    shared_with_care_team as shared_with_care_team,
)
from peernotes.notes.service.sections import (
    DEFAULT_SECTIONS as DEFAULT_SECTIONS,
)
from peernotes.notes.service.sections import (
    MAX_COMMENT as MAX_COMMENT,
)
from peernotes.notes.service.sections import (
    MAX_HEADING as MAX_HEADING,
)
from peernotes.notes.service.sections import (
    MAX_SECTION as MAX_SECTION,
)
from peernotes.notes.service.sections import (
    MAX_SECTIONS as MAX_SECTIONS,
)
from peernotes.notes.service.sections import (
    WRITERS as WRITERS,
)
from peernotes.notes.service.sections import (
    Conflict as Conflict,
)
from peernotes.notes.service.sections import (
    NoteNotFound as NoteNotFound,
)
from peernotes.notes.service.sections import (
    NotesError as NotesError,
)
from peernotes.notes.service.sections import (
    Section as Section,
)
from peernotes.notes.service.sections import (
    validate_sections as validate_sections,
)
from peernotes.notes.service.writing import (
    add_statement as add_statement,
)
from peernotes.notes.service.writing import (
    approve as approve,
)
from peernotes.notes.service.writing import (
    approve_in_person as approve_in_person,
)
from peernotes.notes.service.writing import (
    can_write_for as can_write_for,
)
from peernotes.notes.service.writing import (
    create as create,
)
from peernotes.notes.service.writing import (
    decline as decline,
)
from peernotes.notes.service.writing import (
    log_refused_form as log_refused_form,
)
from peernotes.notes.service.writing import (
    propose as propose,
)
from peernotes.notes.service.writing import (
    request_changes as request_changes,
)
from peernotes.notes.service.writing import (
    review_in_person as review_in_person,
)
from peernotes.notes.service.writing import (
    save as save,
)
from peernotes.notes.service.writing import (
    withdraw as withdraw,
)
