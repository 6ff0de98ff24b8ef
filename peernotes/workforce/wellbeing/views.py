"""Care for the peer workforce, one blueprint.

- `/my/wellbeing`: a peer worker's concerns, raising one, reading and answering their own,
  and their topics to see collapsed: `WELLBEING_OWN`.
- `/wellbeing/concerns`: the concerns a worker chose this person to read (a supervising
  clinician, or a coordinator), reading and answering one: `WELLBEING_RECEIVE`. Which concern
  is decided by the service (`access.objects.decide_workplace_concern`).

A concern someone may not read answers exactly like a missing one, after a denied entry in
the access log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.web.routes import field_error, requires
from peernotes.workforce.wellbeing import service
from peernotes.workforce.wellbeing.forms import AnswerForm, ConcernForm, TopicsForm
from peernotes.workforce.wellbeing.topics import CONTENT_NOTES

bp = Blueprint("wellbeing", __name__)


# The worker's side ------------------------------------------------------------------------------


@bp.route("/my/wellbeing", methods=["GET", "POST"])
@requires(Permission.WELLBEING_OWN)
def mine(actor: Actor, db: Session) -> str | Response:
    form = TopicsForm()
    if form.validate_on_submit():
        try:
            chosen = service.set_topics(db, actor, form.topics.data or [])
        except service.ConcernError as exc:
            field_error(form, exc, "topics")
        else:
            flash(
                "Saved. Tagged content on those topics is shown folded for you."
                if chosen
                else "Saved. Nothing is shown folded for you.",
                "info",
            )
            return redirect(url_for("wellbeing.mine"))
    elif not form.is_submitted():
        form.topics.data = sorted(service.topics_of(db, actor.id))
    concerns = service.raised_by(db, actor)
    return render_template(
        "workforce/wellbeing/mine.html",
        concerns=concerns,
        form=form,
        labels=CONTENT_NOTES,
        names=display_names(db, {c.reader_id for c in concerns}),
    )


@bp.route("/my/wellbeing/concerns/new", methods=["GET", "POST"])
@requires(Permission.WELLBEING_OWN)
def raise_concern(actor: Actor, db: Session) -> str | Response:
    form = ConcernForm()
    choices = service.reader_choices(db, actor.id)
    form.reader.choices = [SelectChoice(c.value, c.label) for c in choices]
    if form.is_submitted() and not form.validate():
        abort(400)  # only a missing or stale CSRF token fails here
    if form.is_submitted():
        try:
            row = service.raise_concern(
                db, actor, form.reader.data or "", form.kind.data or "", form.text.data or ""
            )
        except service.ConcernError as exc:
            field_error(form, exc, "text")
        else:
            who = display_names(db, {row.reader_id})[row.reader_id]
            flash(f"Your concern is with {who}. Only you and they can read it.", "info")
            return redirect(url_for("wellbeing.show_own", workplace_concern_id=row.id))
    return render_template("workforce/wellbeing/new.html", form=form, has_choices=bool(choices))


@bp.route("/my/wellbeing/concerns/<int:workplace_concern_id>", methods=["GET", "POST"])
@requires(Permission.WELLBEING_OWN)
def show_own(actor: Actor, db: Session, workplace_concern_id: int) -> str | Response:
    return _concern_page(actor, db, workplace_concern_id, own=True)


# The reader's side ------------------------------------------------------------------------------


@bp.route("/wellbeing/concerns")
@requires(Permission.WELLBEING_RECEIVE)
def inbox(actor: Actor, db: Session) -> str:
    concerns = service.addressed_to(db, actor)
    return render_template(
        "workforce/wellbeing/inbox.html",
        concerns=concerns,
        names=display_names(db, {c.worker_id for c in concerns}),
    )


@bp.route("/wellbeing/concerns/<int:workplace_concern_id>", methods=["GET", "POST"])
@requires(Permission.WELLBEING_RECEIVE)
def show(actor: Actor, db: Session, workplace_concern_id: int) -> str | Response:
    return _concern_page(actor, db, workplace_concern_id, own=False)


def _concern_page(actor: Actor, db: Session, concern_id: int, *, own: bool) -> str | Response:
    here = url_for(
        "wellbeing.show_own" if own else "wellbeing.show", workplace_concern_id=concern_id
    )
    form = AnswerForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            service.answer(db, actor, concern_id, form.what.data or "", form.text.data or "")
        except service.ConcernNotFound:
            abort(404)
        except service.ConcernError as exc:
            field_error(form, exc, "text")
        else:
            flash("Your reply is saved. Only the two of you can read it.", "info")
            return redirect(here)
    try:
        view = service.read(db, actor, concern_id)
    except service.ConcernNotFound:
        abort(404)
    summary = view.summary
    return render_template(
        "workforce/wellbeing/show.html",
        view=view,
        own=own,
        form=form,
        here=here,
        names=display_names(
            db, {summary.worker_id, summary.reader_id, *(m.author_id for m in view.messages)}
        ),
    )
