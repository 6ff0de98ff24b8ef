"""Skills and resources pages (`SKILLS_USE`; who reaches *this* list or item is decided by
`skills.service`, in `access.objects.decide_skills`):

  - `/my/skills`: one's own list (consumers, carers);
  - `/people/<id>/skills`: a person's list, for them, the peer workers who support them now
    (who may add to it) and anyone they share it with (read only);
  - `/skills/<id>/change` and `/skills/<id>/retire`: the person and their peer workers only;
    a reader by consent is refused (403), anyone else answered as if it did not exist (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import SUBJECT_ROLES, Permission
from peernotes.skills import service as skills
from peernotes.skills.forms import SkillChangeForm, SkillForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires

bp = Blueprint("skills", __name__)


@bp.route("/my/skills")
@requires(Permission.SKILLS_USE)
def mine(actor: Actor, db: Session) -> Response:
    if actor.role not in SUBJECT_ROLES:
        abort(404)
    return redirect(url_for("skills.for_person", subject_id=actor.id))


@bp.route("/people/<int:subject_id>/skills", methods=["GET", "POST"])
@requires(Permission.SKILLS_USE)
def for_person(actor: Actor, db: Session, subject_id: int) -> str | Response:
    form = SkillForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            skills.add(
                db,
                actor,
                subject_id,
                form.kind.data or "",
                form.name.data or "",
                form.about.data or "",
                form.worked.data or "",
            )
        except skills.SkillsNotFound:
            abort(404)
        except skills.NotYours as exc:
            raise Forbidden(str(exc)) from exc
        except skills.SkillsError as exc:
            field_error(form, exc, "name")
        else:
            flash("Added to the list.", "info")
            return redirect(url_for("skills.for_person", subject_id=subject_id))
    try:
        found = skills.read_list(db, actor, subject_id)
    except skills.SkillsNotFound:
        abort(404)
    people = {i.added_by_id for i in found.items} | {
        v.written_by_id for i in found.items for v in (i.current, *i.earlier)
    }
    return render_template(
        "skills/list.html",
        found=found,
        form=form,
        names=display_names(db, people),
        confirm=ConfirmForm(),
        own=found.subject.id == actor.id,
    )


@bp.route("/skills/<int:skill_item_id>/change", methods=["GET", "POST"])
@requires(Permission.SKILLS_USE)
def change(actor: Actor, db: Session, skill_item_id: int) -> str | Response:
    form = SkillChangeForm()
    try:
        item = skills.item_to_change(db, actor, skill_item_id)
    except skills.SkillsNotFound:
        abort(404)
    except skills.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            skills.edit(
                db,
                actor,
                skill_item_id,
                form.name.data or "",
                form.about.data or "",
                form.worked.data or "",
            )
        except skills.SkillsNotFound:
            abort(404)
        except skills.NotYours as exc:
            raise Forbidden(str(exc)) from exc
        except skills.SkillsError as exc:
            field_error(form, exc, "name")
        else:
            flash("Changed. The earlier version is kept.", "info")
            return redirect(url_for("skills.for_person", subject_id=item.subject_id))
    else:
        form.name.data = item.current.text.name
        form.about.data = item.current.text.about
        form.worked.data = item.current.text.worked
    return render_template("skills/change.html", item=item, form=form)


@bp.route("/skills/<int:skill_item_id>/retire", methods=["POST"])
@requires(Permission.SKILLS_USE)
def retire(actor: Actor, db: Session, skill_item_id: int) -> Response:
    try:
        item = skills.item_to_change(db, actor, skill_item_id)
    except skills.SkillsNotFound:
        abort(404)
    except skills.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    back = url_for("skills.for_person", subject_id=item.subject_id)

    def put_aside() -> str:
        skills.retire(db, actor, skill_item_id)
        return "Put aside. It stays on the list, marked as no longer used."

    return confirmed_action(put_aside, back)
