"""The form for recording a contact."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import TimeInput

from peernotes.workforce.contacts import service as contacts


class ContactForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    subject = SelectField("Who with", validate_choice=False)
    occurred_on = DateField("Date", validators=[Optional()])
    at_time = StringField(
        "Time it started", widget=TimeInput(), description="Optional. For example 14:30."
    )
    minutes = IntegerField("How long, in minutes", validators=[Optional()])
    channel = RadioField(
        "How you were in touch",
        choices=[SelectChoice(k, v) for k, v in contacts.CHANNEL_LABELS.items()],
        validate_choice=False,
    )
    place = RadioField(
        "Where (for contacts in person)",
        choices=[SelectChoice(k, v.capitalize()) for k, v in contacts.PLACES.items()],
        validate_choice=False,
    )
    group = BooleanField("It was a group session")
