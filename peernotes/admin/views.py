"""Coordinator pages: accounts, teams and care assignments.

Admins manage who is connected to whom. They never see note or record content: nothing here
loads any, and their role holds no permission that could.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from config import Config
from peernotes.admin.forms import CreateAccountForm
from peernotes.auth import accounts, resets
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import ASSIGNABLE, STAFF_ROLES, SUBJECT_ROLES, Permission
from peernotes.auth.throttle import reset_issue_per_coordinator
from peernotes.care import service as care
from peernotes.care.forms import AssignmentForm, MembershipForm, TeamForm
from peernotes.care.models import CareAssignment, Team, TeamMembership
from peernotes.db import utcnow
from peernotes.mfa import service as mfa
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


# Accounts --------------------------------------------------------------------------------


@bp.route("/accounts", methods=["GET", "POST"])
@requires(Permission.ADMIN_ACCOUNTS)
def list_accounts(actor: Actor, db: Session) -> str | Response:
    form = CreateAccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                role=form.role.data or "",
                password=form.password.data or "",
                by=actor,
                must_change_password=True,
            )
        except accounts.AccountError as exc:
            field_error(form, exc, "email")
        else:
            flash(f"Account created for {user.display_name} ({user.role.label}).", "info")
            return redirect(url_for("admin.list_accounts"))
    users = db.scalars(select(User).order_by(User.active.desc(), User.display_name)).all()
    return render_template(
        "admin/accounts.html",
        form=form,
        users=users,
        confirm=ConfirmForm(),
        actor=actor,
        mfa_enrolled=mfa.enrolled_ids(db),
    )


@bp.route("/accounts/<int:user_id>/deactivate", methods=["POST"])
@requires(Permission.ADMIN_ACCOUNTS)
def deactivate_account(actor: Actor, db: Session, user_id: int) -> Response:
    user = db.get(User, user_id) or abort(404)

    def deactivate() -> str:
        accounts.deactivate_user(db, user, by=actor)
        return f"{user.display_name}'s account is deactivated and signed out everywhere."

    return confirmed_action(deactivate, url_for("admin.list_accounts"))


@bp.route("/accounts/<int:user_id>/reactivate", methods=["POST"])
@requires(Permission.ADMIN_ACCOUNTS)
def reactivate_account(actor: Actor, db: Session, user_id: int) -> Response:
    user = db.get(User, user_id) or abort(404)

    def reactivate() -> str:
        accounts.reactivate_user(db, user, by=actor)
        return f"{user.display_name}'s account is active again."

    return confirmed_action(reactivate, url_for("admin.list_accounts"))


@bp.route("/accounts/<int:user_id>/reset", methods=["POST"])
@reset_issue_per_coordinator
@requires(Permission.ADMIN_ACCOUNTS)
def issue_reset_link(actor: Actor, db: Session, user_id: int) -> str | Response:
    """A one-time reset link, shown on this page once: it is not stored (only its hash is),
    not flashed, not logged, and the response is not cached (`no-store` on every page)."""
    user = db.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    config: Config = current_app.config["PEERNOTES"]
    try:
        link = resets.issue_reset(
            db, user, by=actor, lifetime=timedelta(minutes=config.reset_link_minutes)
        )
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.list_accounts"))
    return render_template(
        "admin/reset_link.html",
        person=user,
        link=url_for("signin.reset_password", token=link.token, _external=True),
        expires_at=link.expires_at,
    )


# Teams -----------------------------------------------------------------------------------


@bp.route("/teams", methods=["GET", "POST"])
@requires(Permission.ADMIN_TEAMS)
def list_teams(actor: Actor, db: Session) -> str | Response:
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = care.create_team(db, form.name.data or "", form.description.data or "", by=actor)
        except care.CareError as exc:
            field_error(form, exc, "name")
        else:
            flash(f"Team “{team.name}” created.", "info")
            return redirect(url_for("admin.show_team", team_id=team.id))
    teams = db.scalars(select(Team).order_by(Team.deactivated_at.is_not(None), Team.name)).all()
    return render_template("admin/teams.html", form=form, teams=teams)


def _membership_form(db: Session, team: Team) -> MembershipForm:
    form = MembershipForm()
    members = {m.user_id for m in care.current_members(db, team)}
    staff = db.scalars(
        select(User)
        .where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    form.user_id.choices = [
        SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
        for u in staff
        if u.id not in members
    ]
    return form


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires(Permission.ADMIN_TEAMS)
def show_team(actor: Actor, db: Session, team_id: int) -> str | Response:
    team = db.get(Team, team_id) or abort(404)
    form = _membership_form(db, team)
    if form.validate_on_submit():
        user = db.get(User, form.user_id.data) or abort(404)
        try:
            care.add_member(db, team, user, by=actor)
        except care.CareError as exc:
            field_error(form, exc, "user_id")
        else:
            flash(f"{user.display_name} joined {team.name}.", "info")
            return redirect(url_for("admin.show_team", team_id=team.id))
    return render_template(
        "admin/team.html",
        team=team,
        form=form,
        members=care.current_members(db, team),
        confirm=ConfirmForm(),
    )


@bp.route("/teams/<int:team_id>/deactivate", methods=["POST"])
@requires(Permission.ADMIN_TEAMS)
def deactivate_team(actor: Actor, db: Session, team_id: int) -> Response:
    team = db.get(Team, team_id) or abort(404)

    def deactivate() -> str:
        care.deactivate_team(db, team, by=actor)
        return f"Team “{team.name}” is deactivated."

    return confirmed_action(deactivate, url_for("admin.list_teams"))


@bp.route("/teams/<int:team_id>/members/<int:membership_id>/end", methods=["POST"])
@requires(Permission.ADMIN_TEAMS)
def end_membership(actor: Actor, db: Session, team_id: int, membership_id: int) -> Response:
    membership = db.get(TeamMembership, membership_id)
    if membership is None or membership.team_id != team_id:
        abort(404)

    def end() -> str:
        care.end_membership(db, membership, by=actor)
        return f"{membership.user.display_name} has left the team."

    return confirmed_action(end, url_for("admin.show_team", team_id=team_id))


# Care assignments ------------------------------------------------------------------------


def _assignment_form(db: Session) -> AssignmentForm:
    form = AssignmentForm()
    people = db.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)).all()
    form.worker_id.choices = [SelectChoice("0", "Choose…")] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
        for u in people
        if u.role in ASSIGNABLE
    ]
    form.subject_id.choices = [SelectChoice("0", "Choose…")] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.role.label})")
        for u in people
        if u.role in SUBJECT_ROLES
    ]
    teams = db.scalars(select(Team).where(Team.deactivated_at.is_(None)).order_by(Team.name))
    form.team_id.choices = [SelectChoice("0", "No team")] + [
        SelectChoice(str(t.id), t.name) for t in teams
    ]
    if form.starts_on.data is None and not form.is_submitted():
        form.starts_on.data = utcnow().date()
    return form


@bp.route("/assignments", methods=["GET", "POST"])
@requires(Permission.ADMIN_ASSIGNMENTS)
def list_assignments(actor: Actor, db: Session) -> str | Response:
    form = _assignment_form(db)
    if form.validate_on_submit():
        worker = db.get(User, form.worker_id.data)
        subject = db.get(User, form.subject_id.data)
        team = db.get(Team, form.team_id.data) if form.team_id.data else None
        if worker is None or subject is None or form.starts_on.data is None:
            abort(400)
        try:
            care.create_assignment(
                db,
                worker=worker,
                subject=subject,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                team=team,
                by=actor,
            )
        except care.CareError as exc:
            field_error(form, exc, "worker_id")
        else:
            flash(f"{worker.display_name} now supports {subject.display_name}.", "info")
            return redirect(url_for("admin.list_assignments"))
    now = utcnow()
    assignments = db.scalars(
        select(CareAssignment).order_by(CareAssignment.starts_on.desc(), CareAssignment.id.desc())
    ).all()
    return render_template(
        "admin/assignments.html",
        form=form,
        current=[a for a in assignments if a.is_active_at(now) or a.starts_on > now.date()],
        ended=[a for a in assignments if not a.is_active_at(now) and a.starts_on <= now.date()],
        confirm=ConfirmForm(),
    )


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
@requires(Permission.ADMIN_ASSIGNMENTS)
def end_assignment(actor: Actor, db: Session, assignment_id: int) -> Response:
    assignment = db.get(CareAssignment, assignment_id) or abort(404)

    def end() -> str:
        care.end_assignment(db, assignment, by=actor)
        return (
            f"{assignment.worker.display_name} no longer supports "
            f"{assignment.subject.display_name}."
        )

    return confirmed_action(end, url_for("admin.list_assignments"))
