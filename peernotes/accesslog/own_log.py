"""What a person's own history holds: which entries, whom they may filter by, and the words
for the bases their own choices explain. The page itself is `views.show_own_log`.

Which entries: everything about them (`audit.log.about_subject`), less what features decided
the person must not be told yet (an untold safety flag, a delayed risk concern), and less a
clinician's refused emergency form, which never opened their record.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Decision
from peernotes.access.map import basis_words
from peernotes.accesslog import plain
from peernotes.accesslog.own_forms import SERVICE, OwnLogFilterForm
from peernotes.audit import log, words
from peernotes.audit.events import Outcome
from peernotes.audit.models import AuditEntry
from peernotes.auth.accounts import display_names
from peernotes.auth.models import User
from peernotes.care import service as care
from peernotes.db import utcnow
from peernotes.emergency import service as emergency
from peernotes.flags import service as flags
from peernotes.risk import service as risk


@dataclass(frozen=True)
class Visible:
    #: Every entry the person's own page may show, before the filters they chose.
    query: log.EntryQuery
    #: A clinician decided not to tell the person of a safety flag (in force or lifted): a
    #: refusal that the flag caused must not say so either.
    flags_untold: bool


def visible(db: Session, subject_id: int) -> Visible:
    """What the person's own page may show, before the filters they chose."""
    query = log.about_subject(subject_id)
    hidden = flags.untold_flag_ids(db, subject_id)
    if hidden:
        # A clinician decided this person must not be told of these flags (see flags.service).
        # Spelled out NULL-safely: entries with no target must stay (NOT (NULL AND ...) is
        # NULL, which would drop them).
        query = query.where(
            or_(
                AuditEntry.target_type.is_(None),
                AuditEntry.target_type != "safety_flag",
                AuditEntry.target_id.not_in([str(i) for i in hidden]),
            )
        )
    delayed = risk.own_log_condition(db, subject_id)
    if delayed is not None:
        # A clinician decided telling this person about a concern must wait (risk.service).
        query = query.where(delayed)
    # A clinician's refused emergency form opened nothing: the auditor sees it, the person is
    # not told of an attempt on their record that never was one (emergency.service).
    return Visible(query.where(emergency.own_log_condition()), bool(hidden))


def people_in(db: Session, query: log.EntryQuery, viewer_id: int) -> list[tuple[str, str]]:
    """Whom the person may filter by: everyone who appears in their own history."""
    ids = set(db.scalars(query.with_only_columns(AuditEntry.actor_id).distinct().order_by(None)))
    others = db.execute(
        select(User.id, User.display_name, User.role)
        .where(User.id.in_(ids - {viewer_id}))
        .order_by(User.display_name, User.id)
    ).all()
    people = [(str(uid), f"{name} ({role.label})") for uid, name, role in others]
    if viewer_id in ids:
        people.append((str(viewer_id), "You"))
    if None in ids:
        people.append((SERVICE, plain.SERVICE))
    return people


def filtered(query: log.EntryQuery, form: OwnLogFilterForm, viewer_id: int) -> log.EntryQuery:
    if form.others_only.data:
        # NULL-safe: the service's own entries (no actor) are not the person's.
        query = query.where(or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id != viewer_id))
    if form.refused_only.data:
        query = query.where(AuditEntry.outcome == Outcome.DENIED.value)
    if form.service_only:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif form.person_id is not None:
        query = query.where(AuditEntry.actor_id == form.person_id)
    return query


def shares(db: Session, subject_id: int, entries: list[AuditEntry]) -> dict[int, str]:
    """With whom the person shared, for the `consent:<id>` bases on the page, in the access
    layer's own words (the same as "Privacy and sharing" uses)."""
    bases = {e.basis for e in entries if e.basis.startswith("consent:")}
    if not bases:
        return {}
    explain = basis_words(db, subject_id, utcnow())
    return {
        int(b.split(":", 1)[1]): explain(Decision.permit(b)).words
        for b in bases
        if b.split(":", 1)[1].isdigit()
    }


def context(
    db: Session,
    viewer_id: int,
    entries: list[AuditEntry],
    seen: Visible,
    tz: ZoneInfo,
    *,
    names: dict[int, str] | None = None,
    uses: list[emergency.EmergencyUse] | None = None,
) -> plain.Context:
    """What `plain.describe` needs to put `entries` of a person's own history in words: one
    place for every door that shows it (the page, the API, FHIR, the download), so that what
    one door keeps from the person (a safety flag they were not told of) no other door says."""
    found = emergency.uses(db, subject_id=viewer_id) if uses is None else uses
    return plain.Context(
        viewer_id=viewer_id,
        tz=tz,
        names=display_names(db) if names is None else names,
        # What entries' targets name, as the features that own them tell it (`audit.words`).
        targets=words.describe(db, entries),
        care_team=frozenset(a.worker_id for a in care.care_team(db, viewer_id, utcnow())),
        shares=shares(db, viewer_id, entries),
        emergencies={
            u.access.id: plain.Emergency(u.access.id, u.access.starts_at, u.reason) for u in found
        },
        flags_untold=seen.flags_untold,
    )
