"""The form a peer worker keeps their profile with."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from peernotes.workforce.profiles import service as profiles
from peernotes.workforce.vocabulary import (
    AGE_BANDS,
    CARER_YEARS,
    FORMATS,
    LIVED_EXPERIENCE,
    PROFILE_FIELDS,
    RECOVERY_STAGES,
)


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
    recovery_stage = SelectField(
        "Recovery stage",
        choices=[SelectChoice("", "Not given")]
        + [SelectChoice(k, v) for k, v in RECOVERY_STAGES.items()],
        validate_choice=False,
    )
    further_along = BooleanField(
        "I am further along in recovery",
        description="Consumer peer workers: some people ask for someone further along.",
    )
    sexual_orientation = StringField("Sexual orientation", description="In your own words.")
    carer_years = SelectField(
        "Years in a carer role",
        description="Carer peer workers: some carers ask for someone in a carer role for quite "
        "some time.",
        choices=[SelectChoice("", "Not given")]
        + [SelectChoice(k, v) for k, v in CARER_YEARS.items()],
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
