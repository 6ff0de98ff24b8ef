"""A peer worker's own profile, and "I need a break"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires
from peernotes.workforce.profiles import service as profiles
from peernotes.workforce.profiles.forms import ProfileForm

bp = Blueprint("profiles", __name__)


@bp.route("/my/profile", methods=["GET", "POST"])
@requires(Permission.PROFILE_OWN)
def edit(actor: Actor, db: Session) -> str | Response:
    profile = profiles.profile_of(db, actor.id)
    form = ProfileForm(
        data={
            "gender": profile.gender,
            "age_band": profile.age_band,
            "languages": ", ".join(profile.languages),
            "culture": profile.culture,
            "lived_experience": list(profile.lived_experience),
            "formats": list(profile.formats),
            "availability": profile.availability,
            "about": profile.about,
            "shown": list(profile.shown),
            "capacity": profile.capacity,
            "recovery_stage": profile.recovery_stage,
            "further_along": profile.further_along,
            "sexual_orientation": profile.sexual_orientation,
            "carer_years": profile.carer_years,
        }
    )
    if form.is_submitted() and not form.validate():
        if form.capacity.errors:
            form.capacity.errors[:] = ["Enter a whole number, for example 6."]
    elif form.is_submitted():
        try:
            profiles.save(
                db,
                actor,
                profiles.ProfileInput(
                    gender=form.gender.data or "",
                    age_band=form.age_band.data or "",
                    languages=form.languages.data or "",
                    culture=form.culture.data or "",
                    lived_experience=form.lived_experience.data or [],
                    formats=form.formats.data or [],
                    availability=form.availability.data or "",
                    about=form.about.data or "",
                    shown=form.shown.data or [],
                    capacity=form.capacity.data,
                    recovery_stage=form.recovery_stage.data or "",
                    further_along=bool(form.further_along.data),
                    sexual_orientation=form.sexual_orientation.data or "",
                    carer_years=form.carer_years.data or "",
                ),
            )
        except profiles.ProfileError as exc:
            field_error(form, exc, "gender")
        else:
            flash("Your profile is saved.", "info")
            return redirect(url_for("profiles.edit"))
    return render_template(
        "workforce/profiles/profile.html",
        form=form,
        profile=profile,
        pause_form=ConfirmForm(),
        preview=profiles.shown_profile(db, actor.id),
    )


@bp.route("/my/profile/pause", methods=["POST"])
@requires(Permission.PROFILE_OWN)
def pause(actor: Actor, db: Session) -> Response:
    def act() -> str:
        profiles.set_paused(db, actor, True)
        return (
            "New matches are paused. Nobody new is offered your name until you open them again;"
            " the people you support now are not affected. Look after yourself."
        )

    return confirmed_action(act, url_for("profiles.edit"))


@bp.route("/my/profile/resume", methods=["POST"])
@requires(Permission.PROFILE_OWN)
def resume(actor: Actor, db: Session) -> Response:
    def act() -> str:
        profiles.set_paused(db, actor, False)
        return "New matches are open again."

    return confirmed_action(act, url_for("profiles.edit"))
