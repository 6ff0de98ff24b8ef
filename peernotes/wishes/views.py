"""'My wishes' pages, one blueprint.

- `/my/wishes` and writing a new statement: `WISHES_OWN` (consumers, about themselves).
- A person's list and one statement: `WISHES_READ`; which statements, and what of them, the
  service decides (the person; the peer worker they chose; their care team once sent).
- A new version: `WISHES_WRITE` (the person or their chosen peer worker, decided per statement);
  sending it: `WISHES_OWN`; a written reply: `WISHES_REPLY` (clinicians of the care team).

A statement or list someone may not see answers exactly like a missing one, after a refusal on
the access log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.parsing import parse_id
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires
from peernotes.wishes import service as wishes
from peernotes.wishes.forms import NewWishForm, ReplyForm, WishTextsForm

bp = Blueprint("wishes", __name__)


def _texts(form: WishTextsForm) -> wishes.Texts:
    return wishes.check_texts(form.know.data or "", form.call.data or "", form.not_want.data or "")


def _sending() -> bool:
    """Which button was pressed: "Save and send to my care team" or "Save"."""
    return request.form.get("send") == "1"


@bp.route("/my/wishes")
@requires(Permission.WISHES_OWN)
def mine(actor: Actor, db: Session) -> Response:
    return redirect(url_for("wishes.listed", subject_id=actor.id))


@bp.route("/people/<int:subject_id>/wishes")
@requires(Permission.WISHES_READ)
def listed(actor: Actor, db: Session, subject_id: int) -> str:
    try:
        rows = wishes.listed_for(db, actor, subject_id)
    except wishes.NotInCare:
        abort(404)
    subject = db.get_one(User, subject_id)
    return render_template(
        "wishes/list.html",
        subject=subject,
        rows=rows,
        own=actor.id == subject.id,
        names=display_names(db, {r.helper_id for r in rows if r.helper_id}),
    )


@bp.route("/my/wishes/new", methods=["GET", "POST"])
@requires(Permission.WISHES_OWN)
def new(actor: Actor, db: Session) -> str | Response:
    form = NewWishForm()
    form.helper.choices = [SelectChoice("", "On my own")] + [
        SelectChoice(str(w.id), f"{w.display_name} (my peer worker)")
        for w in wishes.helpers_for(db, actor.id)
    ]
    if form.validate_on_submit():
        try:
            wish = wishes.start(
                db,
                actor,
                form.transition.data or "",
                parse_id(form.helper.data) if form.helper.data else None,
                _texts(form),
                send=_sending(),
            )
        except wishes.WishError as exc:
            field_error(form, exc, "know")
        else:
            flash(
                "Sent to your care team. They read it on your record and can reply here."
                if wish.sent_at
                else "Saved. Nobody in your care team reads it until you send it.",
                "info",
            )
            return redirect(url_for("wishes.show", wish_id=wish.id))
    return render_template("wishes/new.html", form=form)


@bp.route("/wishes/<int:wish_id>")
@requires(Permission.WISHES_READ)
def show(actor: Actor, db: Session, wish_id: int) -> str:
    return _page(db, actor, wish_id)


def _page(db: Session, actor: Actor, wish_id: int, reply: ReplyForm | None = None) -> str:
    try:
        view = wishes.read(db, actor, wish_id)
    except wishes.WishNotFound:
        abort(404)
    people = {view.wish.subject_id, *(v.written_by_id for v in view.versions)}
    people |= {r.author_id for r in view.replies}
    if view.wish.helper_id:
        people.add(view.wish.helper_id)
    return render_template(
        "wishes/show.html",
        view=view,
        own=actor.id == view.wish.subject_id,
        names=display_names(db, people),
        reply_form=reply or (ReplyForm(formdata=None) if view.may_reply else None),
        confirm=ConfirmForm(),
    )


@bp.route("/wishes/<int:wish_id>/edit", methods=["GET", "POST"])
@requires(Permission.WISHES_WRITE)
def edit(actor: Actor, db: Session, wish_id: int) -> str | Response:
    try:
        if request.method == "GET":
            wish, newest = wishes.for_editing(db, actor, wish_id)
        else:
            wish, newest = wishes.may_write(db, actor, wish_id), None
    except wishes.WishNotFound:
        abort(404)
    except wishes.WishError:
        abort(403)
    form = WishTextsForm()
    if newest is not None:
        form.know.data, form.call.data, form.not_want.data = (
            newest.know,
            newest.call,
            newest.not_want,
        )
    if request.method == "POST" and form.validate_on_submit():
        try:
            wishes.save(db, actor, wish.id, _texts(form), send=_sending())
        except wishes.WishNotFound:
            abort(404)
        except wishes.WishError as exc:
            field_error(form, exc, "know")
        else:
            flash(
                "Saved and sent to your care team."
                if _sending()
                else "Saved as a new version. The earlier versions are kept.",
                "info",
            )
            return redirect(url_for("wishes.show", wish_id=wish.id))
    return render_template(
        "wishes/edit.html", wish=wish, form=form, own=actor.id == wish.subject_id
    )


@bp.route("/wishes/<int:wish_id>/send", methods=["POST"])
@requires(Permission.WISHES_OWN)
def send(actor: Actor, db: Session, wish_id: int) -> Response:
    def act() -> str:
        try:
            wishes.send(db, actor, wish_id)
        except wishes.WishNotFound:
            abort(404)
        return "Sent to your care team. They read it on your record and can reply here."

    return confirmed_action(act, url_for("wishes.show", wish_id=wish_id))


@bp.route("/wishes/<int:wish_id>/reply", methods=["POST"])
@requires(Permission.WISHES_REPLY)
def reply(actor: Actor, db: Session, wish_id: int) -> str | Response:
    form = ReplyForm()
    if not form.validate_on_submit():  # only its CSRF token: the service checks the rest
        abort(400)
    try:
        wishes.reply(db, actor, wish_id, form.text.data or "")
    except wishes.WishNotFound:
        abort(404)
    except wishes.WishError as exc:
        if exc.field is None:
            abort(404)  # not theirs to answer: the same as a missing page
        field_error(form, exc, "text")
        return _page(db, actor, wish_id, reply=form)
    flash("Your reply is added. They read it beside their wishes.", "info")
    return redirect(url_for("wishes.show", wish_id=wish_id))
