"""The form for proposing or changing a support agreement."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import TimeInput

from peernotes.consent.forms import CheckboxList
from peernotes.workforce.agreements import terms


class AgreementForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    methods = CheckboxList(
        "Ways of keeping in touch",
        choices=[SelectChoice(k, v.capitalize()) for k, v in terms.METHOD_LABELS.items()],
        validate_choice=False,
    )
    days = CheckboxList(
        "Days when contact is okay",
        choices=[SelectChoice(str(i), name) for i, name in enumerate(terms.DAY_NAMES)],
        validate_choice=False,
    )
    starts_at = StringField("From", widget=TimeInput(), description="For example 09:00.")
    ends_at = StringField("Until", widget=TimeInput(), description="For example 17:00.")
    places = TextAreaField(
        "Places",
        description="Where you meet, in your own words. For example: at the service or the park"
        " nearby. Up to 300 characters.",
    )
    community_contact = BooleanField("Community contact is part of our agreement")
    ward_visits = BooleanField("Visiting on the inpatient ward is part of our agreement")
    contact_every_days = StringField(
        "Keep in touch at least every … days",
        description="Optional. For example 7 for once a week. Leave empty if you haven't agreed"
        " how often.",
        render_kw={"inputmode": "numeric", "size": 3},
    )
    review_on = DateField(
        "Look at it again together on",
        validators=[Optional()],
        description="Within the next year.",
    )
