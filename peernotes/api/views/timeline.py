"""`/api/v1/people/<subject_id>/timeline`: a person's timeline, as the web page shows it.

The page of items and its access-log entries come from `notes.timeline` (the web page's own
call), and whether it shows at all from its `may_show`: an empty timeline the caller has no
reason to see answers 404, as for a person who does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.api.paging import decode_cursor, encode_cursor
from peernotes.api.schemas.timeline import TimelineItemOut, TimelinePageOut, TimelineQuery
from peernotes.api.spec import answers, spec
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.notes import timeline as timelines

__all__ = ["bp"]

#: A cursor names its item's kind by number: the cursor's parts are times and numbers only.
_KINDS = ("record", "note")


def _cursor(token: str | None) -> timelines.Cursor | None:
    if token is None:
        return None
    at, kind, ident = decode_cursor(token, "time", "id", "id")
    assert isinstance(at, datetime) and isinstance(kind, int) and isinstance(ident, int)
    if kind >= len(_KINDS):
        raise ApiError(400, "bad_cursor", "That cursor isn't one we gave out.", "cursor")
    try:
        # The web page's own check of a position: an aware time, an id in range.
        return timelines.Cursor.parse(f"{at.isoformat()}|{_KINDS[kind]}|{ident}")
    except ValueError:
        raise ApiError(400, "bad_cursor", "That cursor isn't one we gave out.", "cursor") from None


def _token(cursor: timelines.Cursor | None) -> str | None:
    if cursor is None:
        return None
    return encode_cursor(cursor.at, _KINDS.index(cursor.kind), cursor.id)


@bp.get("/people/<int:subject_id>/timeline")
@api_endpoint(Permission.NOTES_READ)
@spec.validate(query=TimelineQuery, resp=answers(HTTP_200=TimelinePageOut), tags=["timeline"])
def get_timeline(
    actor: Actor, db: Session, subject_id: int, query: TimelineQuery
) -> TimelinePageOut:
    """A person's timeline.

    The notes and record entries about them that you may see, newest first; pass `next` as
    `cursor` for older ones. Your own timeline is at your own id. A person with nothing here
    for you answers 404, as one who does not exist."""
    cursor = _cursor(query.cursor)
    subject = db.get(User, subject_id)
    found = timelines.page(
        db, actor, subject_id, cursor=cursor, size=query.limit, exists=subject is not None
    )
    if subject is None or not timelines.may_show(db, actor, subject.id, found):
        raise ApiError(404)
    return TimelinePageOut(
        items=[
            TimelineItemOut(
                kind="record" if item.kind == "record" else "note",
                id=item.id,
                at=item.at,
                author_id=item.author_id,
                label=item.label,
                first_words=found.words.get(item.id) if item.kind == "note" else None,
            )
            for item in found.items
        ],
        next=_token(found.older),
    )
