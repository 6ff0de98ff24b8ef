"""Group pages: coordinators set up groups and record sessions, facilitators record sessions of
groups they facilitate and read their sessions' attendance, attendees see the groups they came
to.

Which permission guards which page (who sees *which* session is then decided by the service):
  - `/admin/groups…`: `ADMIN_GROUPS` (coordinators), every group and session;
  - `/groups…`: `GROUPS_FACILITATE` (peer workers and clinicians), their own sessions only;
  - `/my/groups`: `GROUPS_VIEW_OWN` (consumers and carers), what they attended, never who
    else came.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.parsing import parse_id
from peernotes.timefmt import local_today
from peernotes.web.routes import field_error, requires
from peernotes.workforce.groups import service as groups
from peernotes.workforce.groups.forms import GroupForm, SessionForm
from peernotes.workforce.groups.models import Group

bp = Blueprint("groups", __name__)


def _ids(values: list[str] | None) -> list[int]:
    # Anything that is not a whole number cannot be a person: 0 is, to the service, an
    # unknown one, so it is refused with the same words as any other unknown id.
    return [parse_id(v) or 0 for v in values or []]


def _session_form(
    actor: Actor, db: Session, group: Group, *, with_facilitators: bool
) -> tuple[SessionForm, bool]:
    """The session form with its choices; and whether it was submitted and stored."""
    form = SessionForm()
    staff = groups.facilitator_choices(db, group)
    if not with_facilitators:
        staff = [u for u in staff if u.id != actor.id]  # they are the facilitator already
    form.facilitators.choices = [SelectChoice(str(u.id), u.display_name) for u in staff]
    form.attendees.choices = [
        SelectChoice(str(u.id), u.display_name) for u in groups.attendee_choices(db, actor, group)
    ]
    if not form.is_submitted():
        form.held_on.data = form.held_on.data or local_today()
        return form, False
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        # Only a date that is not a date gets here (Optional lets an empty one through).
        form.held_on.errors = ["Enter a date, for example 2026-05-03."]
        return form, False
    try:
        groups.record_session(
            db,
            actor,
            group.id,
            form.held_on.data,
            form.topic.data or "",
            _ids(form.facilitators.data),
            _ids(form.attendees.data),
            today=local_today(),
        )
    except groups.GroupNotFound:
        abort(404)
    except groups.GroupError as exc:
        field_error(form, exc, "topic")
        return form, False
    return form, True


def _render_session(actor: Actor, db: Session, session_id: int, *, coordinator: bool) -> str:
    try:
        detail = groups.read_session(db, actor, session_id)
    except groups.SessionNotFound:
        abort(404)
    back = (
        url_for("groups.admin_group", group_id=detail.group.id)
        if coordinator
        else url_for("groups.facilitating")
    )
    return render_template(
        "workforce/groups/session.html",
        detail=detail,
        names=display_names(db, {*detail.facilitator_ids, *detail.attendee_ids}),
        back=back,
    )


# Coordinators -----------------------------------------------------------------------------------


@bp.route("/admin/groups", methods=["GET", "POST"])
@requires(Permission.ADMIN_GROUPS)
def manage(actor: Actor, db: Session) -> str | Response:
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = groups.create_group(
                db,
                actor,
                form.name.data or "",
                form.kind.data or "",
                form.description.data or "",
            )
        except groups.GroupError as exc:
            field_error(form, exc, "name")
        else:
            flash(f"“{group.name}” is set up. Record its first session below.", "info")
            return redirect(url_for("groups.admin_new_session", group_id=group.id))
    elif form.csrf_token.errors:
        abort(400)
    return render_template(
        "workforce/groups/admin_list.html",
        form=form,
        rows=groups.all_groups(db),
        kinds=groups.KIND_LABELS,
    )


def _admin_group(actor: Actor, db: Session, group_id: int) -> Group:
    try:
        return groups.group_for_coordinator(db, actor, group_id)
    except groups.GroupNotFound:
        abort(404)


@bp.route("/admin/groups/<int:group_id>")
@requires(Permission.ADMIN_GROUPS)
def admin_group(actor: Actor, db: Session, group_id: int) -> str:
    group = _admin_group(actor, db, group_id)
    sessions = groups.sessions_of(db, group.id)
    return render_template(
        "workforce/groups/admin_group.html",
        group=group,
        sessions=sessions,
        names=display_names(db, {i for s in sessions for i in s.facilitator_ids}),
        kinds=groups.KIND_LABELS,
    )


@bp.route("/admin/groups/<int:group_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.ADMIN_GROUPS)
def admin_new_session(actor: Actor, db: Session, group_id: int) -> str | Response:
    group = _admin_group(actor, db, group_id)
    form, stored = _session_form(actor, db, group, with_facilitators=True)
    if stored:
        flash("The session is recorded.", "info")
        return redirect(url_for("groups.admin_group", group_id=group.id))
    return render_template(
        "workforce/groups/new_session.html",
        form=form,
        group=group,
        kinds=groups.KIND_LABELS,
        coordinator=True,
        back=url_for("groups.admin_group", group_id=group.id),
    )


@bp.route("/admin/groups/sessions/<int:group_session_id>")
@requires(Permission.ADMIN_GROUPS)
def admin_session(actor: Actor, db: Session, group_session_id: int) -> str:
    return _render_session(actor, db, group_session_id, coordinator=True)


# Facilitators -----------------------------------------------------------------------------------


@bp.route("/groups")
@requires(Permission.GROUPS_FACILITATE)
def facilitating(actor: Actor, db: Session) -> str:
    sessions = groups.facilitated_by(db, actor.id)
    return render_template(
        "workforce/groups/facilitating.html",
        groups_=groups.groups_facilitated(db, actor.id),
        sessions=sessions,
        names=display_names(db, {i for s in sessions for i in s.facilitator_ids}),
        kinds=groups.KIND_LABELS,
    )


@bp.route("/groups/sessions/<int:group_session_id>")
@requires(Permission.GROUPS_FACILITATE)
def session(actor: Actor, db: Session, group_session_id: int) -> str:
    return _render_session(actor, db, group_session_id, coordinator=False)


@bp.route("/groups/<int:group_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.GROUPS_FACILITATE)
def new_session(actor: Actor, db: Session, group_id: int) -> str | Response:
    try:
        group = groups.open_for_recording(db, actor, group_id)
    except groups.GroupNotFound:
        abort(404)
    form, stored = _session_form(actor, db, group, with_facilitators=False)
    if stored:
        flash("The session is recorded.", "info")
        return redirect(url_for("groups.facilitating"))
    return render_template(
        "workforce/groups/new_session.html",
        form=form,
        group=group,
        kinds=groups.KIND_LABELS,
        coordinator=False,
        back=url_for("groups.facilitating"),
    )


# Attendees --------------------------------------------------------------------------------------


@bp.route("/my/groups")
@requires(Permission.GROUPS_VIEW_OWN)
def mine(actor: Actor, db: Session) -> str:
    attended = groups.attended_by(db, actor.id)
    return render_template(
        "workforce/groups/mine.html",
        attended=attended,
        names=display_names(db, {i for a in attended for i in a.facilitator_ids}),
    )
