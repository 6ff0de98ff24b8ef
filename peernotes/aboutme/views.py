"""About me pages.

- `/my/about-me` (`ABOUT_ME_OWN`: consumers, carers): write it (a save is a new version) and
  read every earlier version; who it is shared with is set on the consent page.
- `/people/<id>/about-me` (`ABOUT_ME_READ`): someone's "about me", for whoever their consent
  lets read it (`aboutme.read`, logged); anyone else gets the same 404 as a missing one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.aboutme import service as aboutme
from peernotes.aboutme.forms import AboutMeForm
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.web.routes import field_error, requires

bp = Blueprint("aboutme", __name__)


@bp.route("/my/about-me", methods=["GET", "POST"])
@requires(Permission.ABOUT_ME_OWN)
def mine(actor: Actor, db: Session) -> str | Response:
    form = AboutMeForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)  # only a missing or wrong CSRF token fails here
        parts = {key: getattr(form, key).data or "" for key in aboutme.PART_KEYS}
        try:
            aboutme.save(db, actor, parts)
        except aboutme.AboutMeError as exc:
            field_error(form, exc, aboutme.PART_KEYS[0])
        else:
            flash("Saved. Only the people you share your “about me” with can read it.", "info")
            return redirect(url_for("aboutme.mine"))
    current, earlier = aboutme.own(db, actor)
    if current is not None and not form.is_submitted():
        for key in aboutme.PART_KEYS:
            getattr(form, key).data = current.parts.get(key, "")
    return render_template(
        "aboutme/mine.html", form=form, current=current, earlier=earlier, parts=aboutme.PARTS
    )


@bp.route("/people/<int:subject_id>/about-me")
@requires(Permission.ABOUT_ME_READ)
def shared(actor: Actor, db: Session, subject_id: int) -> str:
    try:
        about = aboutme.read(db, actor, subject_id)
    except aboutme.AboutMeNotFound:
        abort(404)
    subject = db.get_one(User, about.subject_id)
    return render_template("aboutme/shared.html", about=about, subject=subject)
