"""The access log's pages: the auditor's review tools, and each person's own history.

Auditors see metadata only: who, role, when, action, about whom, which object, outcome and
basis. Every look at the log is itself logged, and shows on the page of the person it was
about.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from config import Config
from peernotes.accesslog import own_forms, own_log, plain
from peernotes.accesslog.forms import LogFilterForm
from peernotes.audit import labels, log
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.labels import READS_CHOICE
from peernotes.audit.models import AuditEntry
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, SUBJECT_ROLES, Permission, Role
from peernotes.crypto.keyring import chain_key
from peernotes.db import KEYRING, utcnow
from peernotes.emergency import service as emergency
from peernotes.parsing import BIGINT_MAX
from peernotes.replica import report_reads
from peernotes.web.forms import ConfirmForm
from peernotes.web.paging import page_cursor
from peernotes.web.routes import requires

bp = Blueprint("accesslog", __name__)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def _tz() -> ZoneInfo:
    return ZoneInfo(_config().timezone)


def _optional_int(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        abort(400)
    if value < 0:
        abort(400)
    return value


# The auditor's review --------------------------------------------------------------------


def _filter_form(db: Session) -> LogFilterForm:
    form = LogFilterForm(request.args)
    users = db.scalars(select(User).order_by(User.display_name)).all()
    form.actor_id.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})") for u in users
    ]
    form.subject_id.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
        for u in users
        if u.role in SUBJECT_ROLES
    ]
    return form


def _filters(form: LogFilterForm) -> log.Filters:
    """The validated form as the log's filters (`validate_window` has passed)."""
    outcome = Outcome.DENIED if form.denied_only.data else None
    if outcome is None and form.outcome.data:
        outcome = Outcome(form.outcome.data)
    reads = form.action.data == READS_CHOICE
    return log.Filters(
        actor_id=_optional_int(form.actor_id.data),
        subject_id=_optional_int(form.subject_id.data),
        action=Action(form.action.data) if form.action.data and not reads else None,
        reads_only=reads,
        outcome=outcome,
        basis_prefix=form.basis.data or None,
        since=form.since(_tz()),
        until=form.until(_tz()),
        seq_from=form.seq_from.data,
        seq_to=form.seq_to.data,
    )


def _record_review(
    db: Session, actor: Actor, action: Action, subject: int | None, target: Target | None = None
) -> None:
    record_event(db, actor, action, subject, target, Outcome.ALLOWED, acting_basis(actor))


@bp.route("/audit")
@requires(Permission.AUDIT_REVIEW)
def list_entries(actor: Actor, db: Session) -> str:
    form = _filter_form(db)
    page: log.Page | None = None
    if form.validate_window(_tz()):
        filters = _filters(form)
        query = filters.apply(select(AuditEntry), _tz())
        page = log.page(
            db,
            query,
            before=page_cursor("before", BIGINT_MAX),
            after=page_cursor("after", BIGINT_MAX),
        )
        _record_review(db, actor, Action.AUDIT_LIST, filters.subject_id)
    # Links keep the filters and change only the page position.
    kept = {k: v for k, v in request.args.items() if k not in ("before", "after")}
    return render_template(
        "accesslog/list.html",
        form=form,
        page=page,
        names=display_names(db),
        tz=_tz(),
        kept=kept,
        verify_form=ConfirmForm(),
    )


@bp.route("/audit/entries/<int:seq>")
@requires(Permission.AUDIT_REVIEW)
def show_entry(actor: Actor, db: Session, seq: int) -> str:
    entry = db.get(AuditEntry, seq) or abort(404)
    _record_review(db, actor, Action.AUDIT_VIEW, entry.subject_id, Target("audit_entry", seq))
    return render_template("accesslog/entry.html", entry=entry, names=display_names(db), tz=_tz())


def _csv_safe(value: object) -> str:
    """Neutralise spreadsheet formulas: names are typed by people, so never trust them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


EXPORT_COLUMNS = (
    "seq",
    "occurred_at_utc",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "subject_id",
    "subject_name",
    "target_type",
    "target_id",
    "outcome",
    "basis",
    "request_id",
)


@bp.route("/audit/export.csv")
@requires(Permission.AUDIT_REVIEW)
def export_entries(actor: Actor, db: Session) -> Response:
    form = _filter_form(db)
    if not form.validate_window(_tz()):
        abort(400)
    filters = _filters(form)
    names = display_names(db)
    # The export is recorded before the rows are produced, in this request's transaction.
    _record_review(db, actor, Action.AUDIT_EXPORT, filters.subject_id)
    # The rows decide nothing, so a read replica may serve them (the permit above, and the
    # names, came from the primary). A lagging replica's export ends a moment earlier.
    with report_reads(db) as reading:
        entries = list(log.all_matching(reading, filters.apply(select(AuditEntry), _tz())))

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        for e in entries:
            writer.writerow(
                [
                    e.seq,
                    e.occurred_at.isoformat(),
                    e.actor_id,
                    _csv_safe(names.get(e.actor_id or -1, "")),
                    e.actor_role,
                    e.action,
                    e.subject_id,
                    _csv_safe(names.get(e.subject_id or -1, "")),
                    e.target_type,
                    e.target_id,
                    e.outcome,
                    e.basis,
                    e.request_id,
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()

    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        rows(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="access-log-{stamp}.csv"'},
    )


@bp.route("/audit/verify", methods=["POST"])
@requires(Permission.AUDIT_REVIEW)
def verify_now(actor: Actor, db: Session) -> str:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # The stored chain key: after a master-key rotation it is no longer derivable from the file.
    key = chain_key(db, db.info[KEYRING], create=False)
    timed = verify_connection(db.connection(), key)
    _record_review(db, actor, Action.AUDIT_VERIFY, None)
    return render_template("accesslog/verify.html", timed=timed)


# A person's own history ------------------------------------------------------------------


@bp.route("/my/access-log")
@requires(Permission.ACCESS_LOG_VIEW_OWN)
def show_own_log(actor: Actor, db: Session) -> str | tuple[str, int]:
    visible = own_log.visible(db, actor.id)
    form = own_forms.OwnLogFilterForm(request.args)
    form.offer(own_log.people_in(db, visible.query, actor.id))
    uses = emergency.uses(db, subject_id=actor.id)
    names = display_names(db)
    kept = {k: v for k, v in request.args.items() if k not in ("before", "after")}
    filtered = any(kept.values())
    if not form.validate():
        # Nothing is shown and nothing is logged: the page only says what to fix.
        body = render_template(
            "accesslog/own.html",
            form=form,
            page=None,
            days=[],
            emergency_uses=uses,
            names=names,
            kept=kept,
            filtered=filtered,
        )
        return body, 400
    page = log.page(
        db,
        own_log.filtered(visible.query, form, actor.id),
        before=page_cursor("before", BIGINT_MAX),
        after=page_cursor("after", BIGINT_MAX),
    )
    context = own_log.context(db, actor.id, page.entries, visible, _tz(), names=names, uses=uses)
    today = utcnow().astimezone(_tz()).date()
    days = plain.by_day((plain.describe(e, context) for e in page.entries), today)
    record_event(db, actor, Action.AUDIT_VIEW_OWN, actor.id, None, Outcome.ALLOWED, Basis.SELF)
    return render_template(
        "accesslog/own.html",
        form=form,
        page=page,
        days=days,
        emergency_uses=uses,
        names=names,
        kept=kept,
        filtered=filtered,
    )


def role_label(role: str | None) -> str:
    return ROLE_LABELS[Role(role)] if role else "—"


@bp.app_template_filter("audit_role")
def _audit_role_filter(role: str | None) -> str:
    return role_label(role)


@bp.app_template_filter("action_words")
def _action_words(code: str) -> str:
    return labels.action_label(code)


@bp.app_template_filter("basis_words")
def _basis_words(basis: str) -> str:
    return labels.basis_words(basis, {role.value: label for role, label in ROLE_LABELS.items()})


@bp.app_template_global("audit_page_url")
def audit_page_url(endpoint: str, kept: dict[str, str], **position: int) -> str:
    values: dict[str, Any] = {**kept, **position}
    return url_for(endpoint, **values)
