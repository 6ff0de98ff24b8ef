"""`/api/v1/audit/entries` and `/api/v1/my/access-log`: the access log, as its two pages show it.

The auditor's review takes the /audit page's filters, checked by that page's own form, and
writes the same `audit:list` entry; a person's own history is the entries their own page may
show (`accesslog.own_log`), in the same plain words, and writes the same `audit:view_own`.
Both page by entry number, newest first.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields.choices import SelectChoice

from config import Config
from peernotes.accesslog import own_log, plain
from peernotes.accesslog.forms import LogFilterForm
from peernotes.accesslog.own_forms import OwnLogFilterForm
from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.api.paging import decode_cursor, encode_cursor
from peernotes.api.schemas.accesslog import (
    AuditEntryOut,
    AuditPageOut,
    AuditQuery,
    OwnLineOut,
    OwnLogOut,
    OwnLogQuery,
)
from peernotes.api.spec import answers, spec
from peernotes.audit import labels, log
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.labels import READS_CHOICE
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import acting_basis, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import SUBJECT_ROLES, Permission

TAGS = ["access log"]


def _tz() -> ZoneInfo:
    config: Config = current_app.config["PEERNOTES"]
    return ZoneInfo(config.timezone)


def _refuse_form(form: Form) -> None:
    """The web form's first complaint, as a 400 naming its field (the query's own name)."""
    for name, errors in form.errors.items():
        if errors:
            raise ApiError(400, "invalid", str(errors[0]), name)


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    (seq,) = decode_cursor(cursor, "seq")
    assert isinstance(seq, int)  # nosec B101: decode_cursor gives a seq an int
    return seq


def _review_form(db: Session) -> LogFilterForm:
    """The /audit page's filter form, filled from the query and offering the same people."""
    form = LogFilterForm(request.args, meta={"csrf": False})
    users = db.scalars(select(User).order_by(User.display_name)).all()
    form.actor_id.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), u.display_name) for u in users
    ]
    form.subject_id.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), u.display_name) for u in users if u.role in SUBJECT_ROLES
    ]
    return form


def _filters(query: AuditQuery, form: LogFilterForm, tz: ZoneInfo) -> log.Filters:
    reads = query.action == READS_CHOICE
    return log.Filters(
        actor_id=query.actor_id,
        subject_id=query.subject_id,
        action=Action(query.action) if query.action and not reads else None,
        reads_only=reads,
        outcome=Outcome(query.outcome) if query.outcome else None,
        basis_prefix=query.basis or None,
        since=form.since(tz),
        until=form.until(tz),
        seq_from=query.seq_from,
        seq_to=query.seq_to,
    )


@bp.get("/audit/entries")
@api_endpoint(Permission.AUDIT_REVIEW)
@spec.validate(query=AuditQuery, resp=answers(HTTP_200=AuditPageOut), tags=TAGS)
def list_audit_entries(actor: Actor, db: Session, query: AuditQuery) -> AuditPageOut:
    """The access log for auditors: metadata only, filtered as on /audit, newest first."""
    tz = _tz()
    form = _review_form(db)
    if not form.validate_window(tz):
        _refuse_form(form)
    filters = _filters(query, form, tz)
    page = log.page(
        db, filters.apply(select(AuditEntry), tz), before=_before(query.cursor), size=query.limit
    )
    record_event(
        db, actor, Action.AUDIT_LIST, filters.subject_id, None, Outcome.ALLOWED, acting_basis(actor)
    )
    names = display_names(db, {i for e in page.entries for i in (e.actor_id, e.subject_id) if i})
    return AuditPageOut(
        entries=[
            AuditEntryOut(
                seq=e.seq,
                occurred_at=e.occurred_at,
                actor_id=e.actor_id,
                actor_name=names.get(e.actor_id) if e.actor_id else None,
                actor_role=e.actor_role,
                action=e.action,
                action_words=labels.action_label(e.action),
                subject_id=e.subject_id,
                subject_name=names.get(e.subject_id) if e.subject_id else None,
                target_type=e.target_type,
                target_id=e.target_id,
                outcome=e.outcome,
                basis=e.basis,
                request_id=e.request_id,
            )
            for e in page.entries
        ],
        next=encode_cursor(page.older) if page.older is not None else None,
    )


@bp.get("/my/access-log")
@api_endpoint(Permission.ACCESS_LOG_VIEW_OWN)
@spec.validate(query=OwnLogQuery, resp=answers(HTTP_200=OwnLogOut), tags=TAGS)
def own_access_log(actor: Actor, db: Session, query: OwnLogQuery) -> OwnLogOut:
    """Who has looked at your information, and what they did, in plain words, newest first."""
    visible = own_log.visible(db, actor.id)
    # The page's form, checked as on the page; the boxes as the page's own ticks send them.
    chosen = MultiDict(
        [("others_only", "y")] * query.others_only
        + [("refused_only", "y")] * query.refused_only
        + ([("person", query.person)] if query.person is not None else [])
    )
    form = OwnLogFilterForm(chosen, meta={"csrf": False})
    form.offer(own_log.people_in(db, visible.query, actor.id))
    if not form.validate():
        _refuse_form(form)  # nothing shown, nothing logged, as on the page
    page = log.page(
        db,
        own_log.filtered(visible.query, form, actor.id),
        before=_before(query.cursor),
        size=query.limit,
    )
    context = own_log.context(db, actor.id, page.entries, visible, _tz())
    lines = [plain.describe(e, context) for e in page.entries]
    record_event(db, actor, Action.AUDIT_VIEW_OWN, actor.id, None, Outcome.ALLOWED, Basis.SELF)
    return OwnLogOut(
        lines=[
            OwnLineOut(
                seq=line.seq,
                at=line.at,
                who=line.who,
                did=line.did,
                why=line.why,
                denied=line.denied,
                sentence=line.sentence,
                emergency_id=line.emergency_id,
            )
            for line in lines
        ],
        next=encode_cursor(page.older) if page.older is not None else None,
    )
