"""A peer worker's own profile, and "I need a break"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires
from peernotes.workforce import profiles
from peernotes.workforce.vocabulary import AGE_BANDS, FORMATS, LIVED_EXPERIENCE, PROFILE_FIELDS

bp = Blueprint("profile", __name__)


class _Checkboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProfileForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    gender = StringField("Gender", description="In your own words, for example: woman, non-binary.")
    age_band = SelectField(
        "Age band",
        choices=[SelectChoice("", "Not given")]
        + [SelectChoice(k, v) for k, v in AGE_BANDS.items()],
        validate_choice=False,
    )
    languages = StringField("Languages you speak", description="Separate them with commas.")
    culture = StringField("Cultural background")
    lived_experience = _Checkboxes(
        "Lived experience you are happy to share",
        choices=[SelectChoice(k, v) for k, v in LIVED_EXPERIENCE.items()],
        validate_choice=False,
    )
    formats = _Checkboxes(
        "Ways you can meet",
        choices=[SelectChoice(k, v) for k, v in FORMATS.items()],
        validate_choice=False,
    )
    availability = StringField(
        "Availability", description="For example: Tuesday and Thursday mornings."
    )
    about = TextAreaField("About me", description="A few words people read before choosing.")
    shown = _Checkboxes(
        "Show these to people choosing a peer worker",
        description="Anything you leave unticked stays private and is not used for matching.",
        choices=[SelectChoice(k, v) for k, v in PROFILE_FIELDS.items()],
        validate_choice=False,
    )
    capacity = IntegerField(
        "How many people you can support at once",
        description=f"Between 1 and {profiles.MAX_CAPACITY}. When you reach it, you are not "
        "offered to anyone new.",
        validators=[Optional()],
    )


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
                ),
            )
        except profiles.ProfileError as exc:
            field_error(form, exc, "gender")
        else:
            flash("Your profile is saved.", "info")
            return redirect(url_for("profile.edit"))
    return render_template(
        "workforce/profile.html",
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

    return confirmed_action(act, url_for("profile.edit"))


@bp.route("/my/profile/resume", methods=["POST"])
@requires(Permission.PROFILE_OWN)
def resume(actor: Actor, db: Session) -> Response:
    def act() -> str:
        profiles.set_paused(db, actor, False)
        return "New matches are open again."

    return confirmed_action(act, url_for("profile.edit"))
